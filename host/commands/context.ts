// Everything a command handler may use. The daemon builds one per process.
import type { CurrencyConverter } from '../grammar/currency-converter.js';
import type { DeviceInfo, DeviceSigner } from '../daemon/device-signer.js';
import type { Network } from '../daemon/network.js';
import type { RpcLog } from '../rpc/server.js';
import type { Store } from '../store/index.js';
import type { OfferEncoder } from './offer-encoder.js';

export interface CommandContext {
  store: Store;
  network: Network;
  log: RpcLog;
  /** The signing device and what it reported at start-up; absent when none is connected. */
  device?: { signer: DeviceSigner; info: DeviceInfo };
  /** Prices currency offers; absent: currency offers are refused. */
  currency?: CurrencyConverter;
  /** Builds offer TLVs and ids (the BOLT 12 codec); absent until the codec is wired in. */
  offerEncoder?: OfferEncoder;
}

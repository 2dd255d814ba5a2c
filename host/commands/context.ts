// Everything a command handler may use. The daemon builds one per process.
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { CurrencyConverter } from '../grammar/currency-converter.js';
import type { DeviceInfo, DeviceSigner } from '../daemon/device-signer.js';
import type { Network } from '../daemon/network.js';
import type { RpcLog } from '../rpc/server.js';
import type { Store } from '../store/index.js';
import type { OfferEncoder } from './offer-encoder.js';
import type { PaymentEngine } from '../payments/engine.js';
import type { MerchantDevicePort } from '../merchant/device-port.js';
import type { LightningRpcClient } from '../node/client.js';

export interface CommandContext {
  store: Store;
  network: Network;
  log: RpcLog;
  /** The signing device and what it reported at start-up; absent when none is
   *  connected or the one connected is not provisioned (see `deviceProblem`). */
  device?: { signer: DeviceSigner; info: DeviceInfo };
  /** Why `device` is absent, for the error of commands that need it. */
  deviceProblem?: string;
  /** --developer: hidden dev_* parameters are accepted and tokens echoed. */
  developer?: boolean;
  /** Random bytes (invreq_metadata); crypto.randomBytes unless a test supplies one. */
  randomBytes?: (n: number) => Uint8Array;
  /** Prices currency offers; absent: currency offers are refused. */
  currency?: CurrencyConverter;
  /** Builds offer TLVs and ids (the BOLT 12 codec); absent until the codec is wired in. */
  offerEncoder?: OfferEncoder;
  /** sendpay / waitsendpay: the payment flow (needs the device and --lightning-rpc). */
  payments?: PaymentEngine;
  /** Key new offers are issued under (--key-mode; default device). */
  keyMode?: 'device' | 'node';
  /** lightningd's JSON-RPC (listpeerchannels for offer paths); absent without --lightning-rpc. */
  lightning?: LightningRpcClient;
  /** Test stand-in for the device's merchant requests (host/merchant/device-port.ts); absent: the device's. */
  merchantDevice?: MerchantDevicePort;
  /** Unix seconds (tests supply a clock). */
  now?: () => number;
}

/** The connected, provisioned device, or CLN's catch-all error (-1) saying why
 *  there is none ("No signing device connected: <why we need it>"). */
export function requireDevice(ctx: CommandContext, why: string): NonNullable<CommandContext['device']> {
  if (ctx.device) return ctx.device;
  throw new RpcError(ErrorCode.LIGHTNINGD, `${ctx.deviceProblem ?? 'No signing device connected'}: ${why}`);
}

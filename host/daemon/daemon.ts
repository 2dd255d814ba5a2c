// The daemon: owns the data directory (lock, log, SQLite store), the device
// connection and the JSON-RPC socket. startDaemon() returns once the socket
// accepts requests; stop() finishes the requests in flight and closes
// everything in reverse order.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import { commandMap } from '../commands/index.js';
import type { CommandContext } from '../commands/context.js';
import type { OfferEncoder } from '../commands/offer-encoder.js';
import { bolt12OfferEncoder } from '../commands/bolt12-offer-encoder.js';
import { FixedRateConverter, type CurrencyConverter } from '../grammar/currency-converter.js';
import { RpcServer } from '../rpc/server.js';
import { Store, STORE_FILE } from '../store/index.js';
import { LOCK_FILE, LOG_FILE, RPC_FILE } from './data-dir.js';
import type { ConnectOptions, DeviceSigner } from './device-signer.js';
import { DeviceLink } from './device-link.js';
import { DeviceIdentity } from './identity.js';
import { acquireLock } from './lock.js';
import { FileLogger, type LogLevel } from './log.js';
import type { Network } from './network.js';
import { LightningRpcClient } from '../node/client.js';
import { PaymentEngine, type PayNode } from '../payments/engine.js';
import { requireDevice } from '../commands/context.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';

export interface DaemonConfig {
  dataDir: string;
  network: Network;
  /** Serial device path; needs `connectDevice` to be usable. */
  device?: string;
  /** Core Lightning's lightning-rpc socket: the node sendpay hands its onions to. */
  lightningRpc?: string;
  /** JSON file of fixed currency rates (FixedRateConverter.fromFile). */
  currencyRates?: string;
  developer?: boolean;
  logLevel?: LogLevel;
  /** Whose key new offers are issued under (issue 11): `device` (default) or `node`. */
  keyMode?: KeyMode;
}

export const KEY_MODES = ['device', 'node'] as const;
export type KeyMode = (typeof KEY_MODES)[number];
export const isKeyMode = (s: string): s is KeyMode => (KEY_MODES as readonly string[]).includes(s);

/** Pieces supplied by other parts of the host, when they exist. */
export type DeviceConnectOptions = ConnectOptions;

export interface DaemonPlugins {
  /** Opens the serial client for `path` (host/device-client/). */
  connectDevice?: (path: string, options: ConnectOptions) => Promise<DeviceSigner>;
  offerEncoder?: OfferEncoder;
  /** Overrides --currency-rates. */
  currency?: CurrencyConverter;
  /** Sees (and may wrap parts of) the command context before the socket opens:
   *  the benchmark times the device and the store through it. */
  onContext?: (ctx: CommandContext) => void;
  /** Replaces the LightningRpcClient on --lightning-rpc (tests, benchmark). */
  connectNode?: (socket: string) => PayNode & { close(): void };
  /** Gets every log line too (plugin mode: lightningd's log, host/plugin/). */
  logTee?: (level: LogLevel, msg: string) => void;
}

export interface RunningDaemon {
  readonly rpcFile: string;
  readonly log: FileLogger;
  readonly keyMode: KeyMode;
  stop(): Promise<void>;
}

export async function startDaemon(cfg: DaemonConfig, plugins: DaemonPlugins = {}): Promise<RunningDaemon> {
  const dataDir = resolve(cfg.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = acquireLock(join(dataDir, LOCK_FILE));
  const undo: Array<() => Promise<void> | void> = [() => lock.release()];
  const unwind = async () => {
    for (const f of undo.reverse()) await f();
  };
  let startLog: FileLogger | undefined;
  try {
    const log = (startLog = new FileLogger(join(dataDir, LOG_FILE), cfg.logLevel ?? 'info', plugins.logTee));
    undo.push(() => log.close());
    log.info(`lnsigner daemon starting, pid ${process.pid}, network ${cfg.network}, data dir ${dataDir}, key mode ${cfg.keyMode ?? 'device'}`);

    const store = Store.open(join(dataDir, STORE_FILE), {
      onMigrate: (v, m) => log.info(`store: applied migration ${v} (${m.name})`),
    });
    undo.push(() => store.close());
    store.bindMeta('network', cfg.network);

    // The device: connected and identity-checked by DeviceLink (below, once
    // the context exists), which keeps context.device / deviceProblem current.
    if (cfg.device && !plugins.connectDevice) {
      log.warn(`--device ${cfg.device}: no device client in this build; running without a device`);
    } else if (!cfg.device) {
      log.warn('no --device given: commands that need the device will fail');
    }
    let node: (PayNode & { close(): void }) | undefined;
    if (cfg.lightningRpc) {
      log.info(`Core Lightning RPC: ${cfg.lightningRpc}`);
      node = plugins.connectNode ? plugins.connectNode(cfg.lightningRpc) : new LightningRpcClient(cfg.lightningRpc);
      const n = node;
      undo.push(() => n.close());
    } else {
      log.warn('no --lightning-rpc given: sendpay will fail');
    }

    const currency = plugins.currency ?? (cfg.currencyRates ? FixedRateConverter.fromFile(cfg.currencyRates) : undefined);
    if (currency) log.info(`currency conversion: ${currency.name}`);

    const context: CommandContext = {
      store,
      network: cfg.network,
      log,
      device: undefined,
      deviceProblem: 'No signing device connected',
      developer: cfg.developer ?? false,
      currency,
      offerEncoder: plugins.offerEncoder ?? bolt12OfferEncoder,
      keyMode: cfg.keyMode ?? 'device',
      lightning: node instanceof LightningRpcClient ? node : undefined,
    };
    // TEST-ONLY (--developer): LNSIGNER_DEV_MERCHANT_PORT names a module whose
    // createMerchantPort(LNSIGNER_DEV_MERCHANT_KEY) stands in for the device's
    // issue-11 requests until the device branch is merged
    // (test/helpers/merchant-standin.ts; docs/host/merchant.md).
    if (cfg.developer && process.env.LNSIGNER_DEV_MERCHANT_PORT) {
      const mod = await import(pathToFileURL(resolve(process.env.LNSIGNER_DEV_MERCHANT_PORT)).href);
      context.merchantDevice = mod.createMerchantPort(process.env.LNSIGNER_DEV_MERCHANT_KEY ?? '');
      log.warn('TEST-ONLY merchant device stand-in in use (LNSIGNER_DEV_MERCHANT_PORT)');
    }
    if (cfg.device && plugins.connectDevice) {
      const l = new DeviceLink({
        path: cfg.device, network: cfg.network, connect: plugins.connectDevice,
        identity: new DeviceIdentity(store, log), log, context,
      });
      undo.push(() => l.close());
      await l.start();
    }
    // Test hook (--developer only): LNSIGNER_DEV_CRASH=before-sendonion |
    // after-sendonion kills the daemon between the part's database write and
    // sendonion, or before the node's answer is recorded, to prove a restart
    // never pays twice (test/e2e-pay.test.ts).
    const crash = (where: string) => cfg.developer && process.env.LNSIGNER_DEV_CRASH === where
      ? () => { log.error(`LNSIGNER_DEV_CRASH=${where}: dying`); process.kill(process.pid, 'SIGKILL'); }
      : undefined;
    const payments = new PaymentEngine(store, node, () => {
      const dev = requireDevice(context, 'the device builds the payment onion');
      const build = dev.signer.buildOnion?.bind(dev.signer);
      if (!build) throw new RpcError(ErrorCode.LIGHTNINGD, 'The signing device cannot build onions (firmware without build_onion)');
      // pay_failed: the engine hands a BOLT 12 part's onionreply to the device (only it holds the secrets).
      return { nodeId: bytesToHex(dev.info.nodeId), buildOnion: build, payFailed: dev.signer.payFailed?.bind(dev.signer) };
    }, log, {
      beforeSendonion: crash('before-sendonion'),
      afterSendonion: crash('after-sendonion'),
    });
    context.payments = payments;
    undo.push(() => payments.stop());
    await payments.start();
    plugins.onContext?.(context);
    const server = new RpcServer({ methods: commandMap(), context, log, developer: cfg.developer });
    const rpcFile = join(dataDir, RPC_FILE);
    await server.listen(rpcFile);
    undo.push(() => server.close());
    log.info(`JSON-RPC listening on ${rpcFile}`);

    let stopping: Promise<void> | undefined;
    return {
      rpcFile,
      log,
      keyMode: cfg.keyMode ?? 'device',
      stop() {
        stopping ??= (async () => {
          log.info('shutting down');
          await unwind();
        })();
        return stopping;
      },
    };
  } catch (e) {
    startLog?.error(`start-up failed: ${e instanceof Error ? e.message : String(e)}`);
    await unwind();
    throw e;
  }
}

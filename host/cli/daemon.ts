// `lnsigner daemon --device <path> --data-dir <dir> [--network ...]
//  [--lightning-rpc <socket>] [--currency-rates <file>] [--developer]
//  [--log-level debug|info|warn|error]`
// Prints one JSON line {"rpc_file": "<path>"} on stdout once the socket
// accepts requests; logs go to <data-dir>/lnsigner.log. SIGTERM / SIGINT stop
// it cleanly (requests in flight are finished first).
import { isKeyMode, startDaemon, type DaemonConfig } from '../daemon/daemon.js';
import { defaultDataDir } from '../daemon/data-dir.js';
import { DataDirLockedError } from '../daemon/lock.js';
import { isLogLevel } from '../daemon/log.js';
import { isNetwork, NETWORKS } from '../daemon/network.js';
import { connectSerialDevice } from '../daemon/serial-device.js';
import type { Subcommand } from './main.js';
import { flag, parseOptions, parseOrExit, str, usageFailure, UsageError, type CommandSpec } from './options.js';

export const DAEMON_SPEC: CommandSpec = {
  name: 'daemon',
  summary: 'Run the host bridge daemon: JSON-RPC on <data-dir>/lnsigner-rpc, log in <data-dir>/lnsigner.log.',
  options: {
    device: { type: 'string', value: '<path>', description: 'serial port of the signing device (or an emulator link)' },
    'data-dir': { type: 'string', value: '<dir>', default: '$LNSIGNER_DIR or ~/.lnsigner', description: 'store, socket and log' },
    network: { type: 'string', value: NETWORKS.join('|'), default: 'bitcoin', description: 'the chain offers are for' },
    'lightning-rpc': { type: 'string', value: '<socket>', description: "a lightningd (or simnet) JSON-RPC socket, for payments" },
    'currency-rates': { type: 'string', value: '<file>', description: 'JSON rates for currency offers' },
    developer: { type: 'boolean', description: 'developer mode: errors echo the offending value' },
    'log-level': { type: 'string', value: 'debug|info|warn|error', default: 'info', description: 'lowest level written to the log' },
    'key-mode': { type: 'string', value: 'device|node', default: 'device', description: 'who holds the node key' },
  },
  notes: ['Prints {"rpc_file": "<path>"} once the socket accepts requests. SIGTERM / Ctrl-C stop it (exit 0).'],
};

/** Throws UsageError. */
export function parseDaemonArgs(args: string[]): DaemonConfig {
  const p = parseOptions(DAEMON_SPEC, args);
  const v = p.values;
  const network = str(v, 'network') ?? 'bitcoin';
  if (!isNetwork(network)) throw new UsageError(`--network must be one of ${NETWORKS.join(', ')}`);
  const logLevel = str(v, 'log-level') ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError('--log-level must be debug, info, warn or error');
  const keyMode = str(v, 'key-mode') ?? 'device';
  if (!isKeyMode(keyMode)) throw new UsageError('--key-mode must be device or node');
  return {
    keyMode,
    dataDir: str(v, 'data-dir') ?? defaultDataDir(),
    network,
    device: str(v, 'device'),
    lightningRpc: str(v, 'lightning-rpc'),
    currencyRates: str(v, 'currency-rates'),
    developer: flag(v, 'developer'),
    logLevel,
  };
}

export async function runDaemon(args: string[]): Promise<number> {
  const p = parseOrExit(DAEMON_SPEC, args);
  if (typeof p === 'number') return p;
  let cfg: DaemonConfig;
  try {
    cfg = parseDaemonArgs(args);
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(DAEMON_SPEC, e.message);
    throw e;
  }
  let daemon;
  try {
    daemon = await startDaemon(cfg, { connectDevice: connectSerialDevice });
  } catch (e) {
    const msg = e instanceof DataDirLockedError ? e.message : `could not start: ${(e as Error).message}`;
    console.error(`lnsigner daemon: ${msg}`);
    return 1;
  }
  const running = daemon;
  process.stdout.write(`${JSON.stringify({ rpc_file: running.rpcFile })}\n`);
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      running.log.info(`received ${signal}`);
      running.stop().then(
        () => resolve(0),
        (e) => {
          console.error(`lnsigner daemon: error while stopping: ${(e as Error).message}`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

export const subcommand: Subcommand = {
  summary: 'run the host bridge daemon (JSON-RPC on <data-dir>/lnsigner-rpc)',
  spec: DAEMON_SPEC,
  run: runDaemon,
};

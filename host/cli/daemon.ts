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

const USAGE =
  'usage: lnsigner daemon --device <path> [--data-dir <dir>] [--network bitcoin|testnet|signet|regtest] ' +
  '[--lightning-rpc <socket>] [--currency-rates <file>] [--developer] [--log-level debug|info|warn|error] [--key-mode device|node]';

const VALUED = new Set(['--device', '--data-dir', '--network', '--lightning-rpc', '--currency-rates', '--log-level', '--key-mode']);

export function parseDaemonArgs(args: string[]): DaemonConfig {
  const v: Record<string, string> = {};
  let developer = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(0, eq) : a;
    if (key === '--developer' && eq < 0) {
      developer = true;
      continue;
    }
    if (!VALUED.has(key)) throw new Error(`unknown option '${a}'`);
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') throw new Error(`${key} needs a value`);
    if (key in v) throw new Error(`${key} given twice`);
    v[key] = value;
  }
  const network = v['--network'] ?? 'bitcoin';
  if (!isNetwork(network)) throw new Error(`--network must be one of ${NETWORKS.join(', ')}`);
  const logLevel = v['--log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new Error('--log-level must be debug, info, warn or error');
  const keyMode = v['--key-mode'] ?? 'device';
  if (!isKeyMode(keyMode)) throw new Error('--key-mode must be device or node');
  return {
    keyMode,
    dataDir: v['--data-dir'] ?? defaultDataDir(),
    network,
    device: v['--device'],
    lightningRpc: v['--lightning-rpc'],
    currencyRates: v['--currency-rates'],
    developer,
    logLevel,
  };
}

export async function runDaemon(args: string[]): Promise<number> {
  let cfg: DaemonConfig;
  try {
    cfg = parseDaemonArgs(args);
  } catch (e) {
    console.error(`lnsigner daemon: ${(e as Error).message}\n${USAGE}`);
    return 3;
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
  run: runDaemon,
};

// File names inside the daemon's data directory, and its default location.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The JSON-RPC unix socket (lightningd calls its own `lightning-rpc`). */
export const RPC_FILE = 'lnsigner-rpc';
/** Holds the pid of the daemon that owns the directory. */
export const LOCK_FILE = 'lnsigner.pid';
export const LOG_FILE = 'lnsigner.log';

/** $LNSIGNER_DATA_DIR, else ~/.lnsigner. */
export function defaultDataDir(): string {
  return resolve(process.env.LNSIGNER_DATA_DIR || join(homedir(), '.lnsigner'));
}

export const rpcFileIn = (dataDir: string) => join(resolve(dataDir), RPC_FILE);

// Runs `lnsigner emulator` as a child process for tests, benchmarks and the
// demo, and waits for its {"path": ...} line.
import { spawnAnnounced, type AnnouncedProcess } from '../process/announced.js';
import { sendControl } from './control.js';
import type { FaultCommand } from './faults.js';

export { LNSIGNER_BIN } from '../process/announced.js';

export interface SpawnedEmulator extends AnnouncedProcess<{ path: string }> {
  readonly path: string;
  /** Sends a fault-injection command (needs `--control`). */
  control(cmd: FaultCommand): Promise<Record<string, unknown>>;
}

/** Spawns `lnsigner emulator <args>`; rejects with its stderr if it exits first. */
export async function spawnEmulator(args: string[], env?: NodeJS.ProcessEnv): Promise<SpawnedEmulator> {
  const p = await spawnAnnounced<{ path: string }>('emulator', args, env && { ...process.env, ...env });
  const ci = args.indexOf('--control');
  const controlPath = ci >= 0 ? args[ci + 1] : undefined;
  return {
    ...p,
    path: p.announced.path,
    control: (cmd) => {
      if (!controlPath) return Promise.reject(new Error('emulator started without --control'));
      return sendControl(controlPath, cmd);
    },
  };
}

// Runs `lnsigner emulator` as a child process (the real CLI, compiled into
// build/js by `npm run build`) for tests and benchmarks, and waits for its
// {"path": ...} line.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import { sendControl } from './control.js';
import type { FaultCommand } from './faults.js';

export interface SpawnedEmulator {
  readonly path: string;
  readonly proc: ChildProcess;
  /** Everything it wrote on stdout and stderr so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Sends a fault-injection command (needs `--control`). */
  control(cmd: FaultCommand): Promise<Record<string, unknown>>;
  /** Resolves to the exit code once it has exited, whatever the cause. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, and resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (the device vanishes without cleanup). */
  kill(): Promise<void>;
}

export const LNSIGNER_BIN = join(PROJECT_ROOT, 'bin', 'lnsigner.js');

/** Spawns `lnsigner emulator <args>`; rejects with its stderr if it exits first. */
export function spawnEmulator(args: string[]): Promise<SpawnedEmulator> {
  const proc = spawn(process.execPath, [LNSIGNER_BIN, 'emulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const ci = args.indexOf('--control');
  const controlPath = ci >= 0 ? args[ci + 1] : undefined;
  return new Promise((resolve, reject) => {
    const onData = () => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      proc.stdout!.off('data', onData);
      const { path } = JSON.parse(out.slice(0, nl)) as { path: string };
      resolve({
        path,
        proc,
        exited,
        stdout: () => out,
        stderr: () => err,
        control: (cmd) => {
          if (!controlPath) return Promise.reject(new Error('emulator started without --control'));
          return sendControl(controlPath, cmd);
        },
        stop: () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
          await exited;
        },
      });
    };
    proc.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`emulator exited (code ${code}) before announcing its path: ${err.trim()}`)));
  });
}

// Runs an `lnsigner <subcommand>` as a child process (the real CLI, compiled
// into build/js by `npm run build`) and waits for the one JSON line it prints
// on stdout once it is ready (`{"path":…}` for the emulator, `{"rpc_file":…}`
// for the daemon).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

export const LNSIGNER_BIN = join(PROJECT_ROOT, 'bin', 'lnsigner.js');

export interface AnnouncedProcess<T> {
  /** The parsed announcement line. */
  readonly announced: T;
  readonly proc: ChildProcess;
  /** Everything it wrote on stdout and stderr so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves to the exit code once it has exited, whatever the cause. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, and resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (gone without cleanup). */
  kill(): Promise<void>;
}

/** Spawns `lnsigner <subcommand> <args>`; rejects with its stderr if it exits before announcing. */
export function spawnAnnounced<T>(subcommand: string, args: string[], env?: NodeJS.ProcessEnv): Promise<AnnouncedProcess<T>> {
  const proc = spawn(process.execPath, [LNSIGNER_BIN, subcommand, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return new Promise((resolve, reject) => {
    const onData = () => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      proc.stdout!.off('data', onData);
      let announced: T;
      try {
        announced = JSON.parse(out.slice(0, nl)) as T;
      } catch {
        proc.kill('SIGKILL');
        reject(new Error(`lnsigner ${subcommand} printed a line that is not JSON: ${out.slice(0, nl)}`));
        return;
      }
      resolve({
        announced,
        proc,
        exited,
        stdout: () => out,
        stderr: () => err,
        stop: () => {
          if (alive()) proc.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          if (alive()) proc.kill('SIGKILL');
          await exited;
        },
      });
    };
    proc.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`lnsigner ${subcommand} exited (code ${code}) before it was ready: ${err.trim()}`)));
  });
}

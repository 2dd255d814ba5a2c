// The emulator's pseudo-terminal: a python3 relay (pty/relay.py) opens the
// PTY pair, puts it in raw mode, announces the slave path, and then copies
// bytes between the master and its stdin/stdout pipes. Why a relay and not a
// native addon: see docs/emulator.md ("Pseudo-terminal").
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { PROJECT_ROOT } from '../paths.js';

export const RELAY_SCRIPT = join(PROJECT_ROOT, 'host', 'emulator', 'pty', 'relay.py');

export interface Pty {
  /** The slave's path, e.g. /dev/pts/3, already in raw mode. */
  readonly path: string;
  /** Sends bytes to the host (appear on the slave). */
  write(bytes: Uint8Array): void;
  /** Called with the bytes the host wrote on the slave. */
  onData(cb: (bytes: Uint8Array) => void): void;
  /** Called once if the relay dies on its own (the PTY is gone). */
  onExit(cb: (why: string) => void): void;
  close(): Promise<void>;
}

/** Starts the relay and resolves once the PTY is raw and its path known. */
export function openPty(python = process.env.LNSIGNER_PYTHON || 'python3'): Promise<Pty> {
  const child: ChildProcess = spawn(python, [RELAY_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit', 'pipe'] });
  const stdin = child.stdin as Writable;
  const stdout = child.stdout as Readable;
  const announce = child.stdio[3] as Readable;
  let closing = false;
  let exitCb: ((why: string) => void) | undefined;
  stdin.on('error', () => undefined); // EPIPE when the relay died: reported by 'exit'
  return new Promise<Pty>((resolve, reject) => {
    let line = '';
    child.once('error', (e) => reject(new Error(`cannot start the PTY relay with ${python}: ${e.message}`)));
    child.once('exit', (code, sig) => {
      const why = `PTY relay exited (${sig ?? `code ${code}`})`;
      reject(new Error(why));
      if (!closing) exitCb?.(why);
    });
    announce.setEncoding('utf8');
    announce.on('data', (d: string) => {
      line += d;
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      const path = (JSON.parse(line.slice(0, nl)) as { path: string }).path;
      resolve({
        path,
        write: (bytes) => void stdin.write(bytes),
        onData: (cb) => void stdout.on('data', (d: Buffer) => cb(new Uint8Array(d.buffer, d.byteOffset, d.length))),
        onExit: (cb) => void (exitCb = cb),
        close: () => {
          closing = true;
          if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
          return new Promise<void>((done) => {
            const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            stdin.end(); // the relay exits when its stdin closes
          });
        },
      });
    });
  });
}

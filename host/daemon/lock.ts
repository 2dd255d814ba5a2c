// One daemon per data directory: the daemon creates `lnsigner.pid` exclusively
// and writes its pid there. A lock whose process no longer exists is stale
// (the daemon was killed) and is taken over.
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';

export class DataDirLockedError extends Error {
  constructor(readonly path: string, readonly pid: number) {
    super(`another lnsigner daemon (pid ${pid}) owns this data directory (lock file ${path})`);
    this.name = 'DataDirLockedError';
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Lock {
  readonly path: string;
  release(): void;
}

export function acquireLock(path: string): Lock {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = NaN;
      try {
        pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      } catch {
        // vanished or unreadable: treat as stale
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new DataDirLockedError(path, pid);
      }
      try {
        unlinkSync(path);
      } catch {
        // someone else removed it first
      }
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      },
    };
  }
  throw new Error(`could not take the lock ${path}`);
}

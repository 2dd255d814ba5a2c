// Who holds a serial device (for DeviceBusyError): the process whose lock is
// on it, from /proc/locks (serialport takes flock(LOCK_EX) on the port), or
// else every process that has it open, from /proc/<pid>/fd. Linux only; an
// empty list elsewhere or when nothing can be read (other users' processes
// are not readable without privileges).
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';

export interface PortHolder {
  pid: number;
  /** The command name (/proc/<pid>/comm), or '?' when unreadable. */
  command: string;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || '?';
  } catch {
    return '?';
  }
}

/** Pids holding a flock on the inode of `device` (/proc/locks: "... FLOCK ADVISORY WRITE <pid> <maj>:<min>:<ino> ..."). */
function lockHolders(device: string): number[] {
  let st;
  let locks: string;
  try {
    st = statSync(device, { bigint: true });
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  const dev = st.dev;
  // Linux dev_t encoding (glibc major()/minor()).
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  const pids: number[] = [];
  for (const line of locks.split('\n')) {
    const f = line.trim().split(/\s+/);
    // "1: FLOCK ADVISORY WRITE 1234 00:18:3 0 EOF" (a "->" marks a blocked waiter).
    if (f[1] !== 'FLOCK' || f.length < 6) continue;
    const [maj, min, ino] = f[5].split(':');
    if (ino === undefined || BigInt(ino) !== st.ino) continue;
    if (Number.parseInt(maj, 16) !== major || Number.parseInt(min, 16) !== minor) continue;
    const pid = Number(f[4]);
    if (pid > 0 && !pids.includes(pid)) pids.push(pid);
  }
  return pids;
}

/** Pids with a descriptor on `device` (its resolved path). */
function openers(device: string): number[] {
  const pids: number[] = [];
  let procs: string[];
  try {
    procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  for (const p of procs) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${p}/fd/${fd}`) === device) {
          pids.push(Number(p));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return pids;
}

/** The processes holding `path` (a symlink is resolved first): the lock's
 *  owner when /proc/locks names it, else everything that has it open. */
export function portHolders(path: string): PortHolder[] {
  let device: string;
  try {
    device = realpathSync(path);
  } catch {
    return [];
  }
  let pids = lockHolders(device);
  if (pids.length === 0) pids = openers(device).filter((p) => p !== process.pid);
  return pids.map((pid) => ({ pid, command: commandOf(pid) }));
}

export const describeHolders = (h: PortHolder[]) => h.map((x) => `pid ${x.pid} (${x.command})`).join(', ');

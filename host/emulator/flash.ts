// The device's flash as the emulator (and the in-process firmware harness)
// provides it through env.flash_read/flash_write/flash_erase: partitions of
// shared/board.ts with NOR rules (erase sets sectors to 0xFF, a write only
// clears bits, no access crosses a partition). FileFlash keeps each partition
// in a file of the emulator's --state directory, so it survives restarts;
// MemoryFlash is the same thing in RAM.
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  FLASH_COUNTERS_OFF, FLASH_COUNTERS_SIZE, FLASH_ERR_ALIGN, FLASH_ERR_IO, FLASH_ERR_NOT_ERASED, FLASH_ERR_RANGE,
  FLASH_OK, FLASH_SECRET_OFF, FLASH_SECRET_SIZE, FLASH_SECTOR, FLASH_SLOT_A_OFF, FLASH_SLOT_B_OFF,
  FLASH_SLOT_SIZE, FLASH_BOOT_OFF, FLASH_BOOT_SIZE, FLASH_POLICY_OFF, FLASH_POLICY_SIZE,
  FLASH_PAYLOG_OFF, FLASH_PAYLOG_SIZE,
} from '../../shared/board.js';

export interface FlashDevice {
  /** Fills `out` from flash at `offset`; FLASH_OK or a FLASH_ERR_* code. */
  read(offset: number, out: Uint8Array): number;
  /** Programs `data` at `offset` (bits 1 -> 0 only). */
  write(offset: number, data: Uint8Array): number;
  /** Erases `len` bytes at `offset` to 0xFF (sector multiples). */
  erase(offset: number, len: number): number;
  close?(): void;
}

export interface Partition {
  name: string;
  offset: number;
  size: number;
}

/** The partitions, and the emulator's file for each (`<name>.bin`). */
export const PARTITIONS: readonly Partition[] = [
  { name: 'counters', offset: FLASH_COUNTERS_OFF, size: FLASH_COUNTERS_SIZE },
  { name: 'secret', offset: FLASH_SECRET_OFF, size: FLASH_SECRET_SIZE },
  { name: 'boot', offset: FLASH_BOOT_OFF, size: FLASH_BOOT_SIZE },
  { name: 'policy', offset: FLASH_POLICY_OFF, size: FLASH_POLICY_SIZE },
  { name: 'paylog', offset: FLASH_PAYLOG_OFF, size: FLASH_PAYLOG_SIZE },
  { name: 'slot-a', offset: FLASH_SLOT_A_OFF, size: FLASH_SLOT_SIZE },
  { name: 'slot-b', offset: FLASH_SLOT_B_OFF, size: FLASH_SLOT_SIZE },
];

function partitionOf(offset: number, len: number): Partition | undefined {
  // Rule (shared/board.ts): an access stays inside one partition.
  return PARTITIONS.find((p) => offset >= p.offset && offset + len <= p.offset + p.size && len >= 0);
}

/** Backing store of one partition: whole-partition byte access. */
interface Store {
  get(at: number, out: Uint8Array): void;
  set(at: number, data: Uint8Array): void;
}

abstract class NorFlash implements FlashDevice {
  protected abstract store(p: Partition): Store;

  read(offset: number, out: Uint8Array): number {
    const p = partitionOf(offset, out.length);
    if (!p) return FLASH_ERR_RANGE;
    try {
      this.store(p).get(offset - p.offset, out);
      return FLASH_OK;
    } catch {
      return FLASH_ERR_IO;
    }
  }

  write(offset: number, data: Uint8Array): number {
    const p = partitionOf(offset, data.length);
    if (!p) return FLASH_ERR_RANGE;
    try {
      const s = this.store(p);
      const cur = new Uint8Array(data.length);
      s.get(offset - p.offset, cur);
      // Rule (NOR): programming only clears bits; setting one needs an erase.
      for (let i = 0; i < data.length; i++) if ((cur[i] & data[i]) !== data[i]) return FLASH_ERR_NOT_ERASED;
      s.set(offset - p.offset, data);
      return FLASH_OK;
    } catch {
      return FLASH_ERR_IO;
    }
  }

  erase(offset: number, len: number): number {
    // Rule: erases cover whole sectors.
    if (offset % FLASH_SECTOR !== 0 || len % FLASH_SECTOR !== 0) return FLASH_ERR_ALIGN;
    const p = partitionOf(offset, len);
    if (!p) return FLASH_ERR_RANGE;
    try {
      this.store(p).set(offset - p.offset, new Uint8Array(len).fill(0xff));
      return FLASH_OK;
    } catch {
      return FLASH_ERR_IO;
    }
  }
}

/** Flash in RAM, erased at creation (the harness default). */
export class MemoryFlash extends NorFlash {
  private readonly parts = new Map<string, Uint8Array>();

  protected store(p: Partition): Store {
    let b = this.parts.get(p.name);
    if (!b) this.parts.set(p.name, (b = new Uint8Array(p.size).fill(0xff)));
    const bytes = b;
    return { get: (at, out) => out.set(bytes.subarray(at, at + out.length)), set: (at, d) => bytes.set(d, at) };
  }
}

/** Flash in `<dir>/<partition>.bin` files, all created erased at start. */
export class FileFlash extends NorFlash {
  private readonly fds = new Map<string, number>();

  constructor(readonly dir: string) {
    super();
    for (const p of PARTITIONS) this.store(p);
  }

  static pathOf(dir: string, name: string): string {
    return join(dir, `${name}.bin`);
  }

  protected store(p: Partition): Store {
    let fd = this.fds.get(p.name);
    if (fd === undefined) {
      const path = FileFlash.pathOf(this.dir, p.name);
      const fresh = !existsSync(path);
      fd = openSync(path, fresh ? 'w+' : 'r+');
      // A new or short file is erased flash (a partition grown by a layout change too).
      const size = fstatSync(fd).size;
      if (size < p.size) {
        writeSync(fd, new Uint8Array(p.size - size).fill(0xff), 0, p.size - size, size);
      } else if (size > p.size) {
        ftruncateSync(fd, p.size);
      }
      this.fds.set(p.name, fd);
    }
    const f = fd;
    return {
      get: (at, out) => void readSync(f, out, 0, out.length, at),
      set: (at, d) => void writeSync(f, d, 0, d.length, at),
    };
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

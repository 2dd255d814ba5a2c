// Regression (issue 9 finding "the trial-boot path re-checks version ≥
// minimum"): the first stage booted a slot in TRIAL state after checking only
// its format, hash and signature. A boot record pointing a trial at an older
// signed image still in the other slot (flash altered, or a record written by a
// faulty image) then ran it and confirmed it: a rollback below the recorded
// anti-rollback minimum. Now the trial path checks the minimum like the
// confirmed path and reverts.
import { describe, expect, it } from 'vitest';
import * as I from '../shared/firmware-image.js';
import { FLASH_BOOT_OFF, FLASH_SECTOR, SLOT_A, SLOT_B } from '../shared/board.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { crc32c } from '../host/transport/crc.js';
import { toHex } from '../host/flash/image.js';
import { image, variant } from './helpers/flash.js';
import { device, update } from './helpers/boot-chip.js';

/** The current boot record (valid copy with the higher sequence) and its sector. */
function currentRecord(mem: MemoryFlash): { rec: Uint8Array; sector: number } {
  let best: { rec: Uint8Array; sector: number } | undefined;
  for (const sector of [0, 1]) {
    const rec = new Uint8Array(I.BOOTREC_SIZE);
    mem.read(FLASH_BOOT_OFF + sector * FLASH_SECTOR, rec);
    const v = new DataView(rec.buffer);
    if (v.getUint32(0, true) !== I.BOOTREC_MAGIC) continue;
    if (v.getUint32(I.BOOTREC_OFF_CRC, true) !== crc32c(rec.subarray(0, I.BOOTREC_OFF_CRC)) >>> 0) continue;
    if (!best || v.getUint32(I.BOOTREC_OFF_SEQ, true) > new DataView(best.rec.buffer).getUint32(I.BOOTREC_OFF_SEQ, true)) {
      best = { rec, sector };
    }
  }
  if (!best) throw new Error('no boot record');
  return best;
}

/** Writes a valid record (next sequence, right CRC) into the other sector: what
 *  a boot would take as current. */
function writeRecord(mem: MemoryFlash, edit: (v: DataView, rec: Uint8Array) => void): void {
  const { rec, sector } = currentRecord(mem);
  const v = new DataView(rec.buffer);
  edit(v, rec);
  v.setUint32(I.BOOTREC_OFF_SEQ, v.getUint32(I.BOOTREC_OFF_SEQ, true) + 1, true);
  v.setUint32(I.BOOTREC_OFF_CRC, crc32c(rec.subarray(0, I.BOOTREC_OFF_CRC)) >>> 0, true);
  const off = FLASH_BOOT_OFF + (1 - sector) * FLASH_SECTOR;
  mem.erase(off, FLASH_SECTOR);
  mem.write(off, rec);
}

describe('trial boot and the anti-rollback minimum', () => {
  const OLD = image(variant('old'), '0.2.0');
  const NEW = image(variant('new'), '0.3.0');

  /** A flash with 0.2.0 in slot A and 0.3.0 in slot B (running, confirmed, minimum 0.3.0). */
  function twoSlots(): MemoryFlash {
    const mem = new MemoryFlash();
    const d = device(mem);
    expect(update(d, OLD)).toBe(true);
    expect(update(d, NEW)).toBe(true);
    expect(d.info()).toEqual({ version: '0.3.0', hash: toHex(NEW.hash), slot: 'B' });
    expect(new DataView(currentRecord(mem).rec.buffer).getUint32(I.BOOTREC_OFF_MIN_VERSION, true)).toBe(0x000300);
    return mem;
  }

  /** A record that puts the older slot A on trial; `min` overrides the minimum. */
  function trialOfOld(mem: MemoryFlash, min?: number): void {
    writeRecord(mem, (v, rec) => {
      rec[I.BOOTREC_OFF_ACTIVE] = SLOT_A;
      rec[I.BOOTREC_OFF_STATE] = I.BOOTREC_TRIAL;
      rec[I.BOOTREC_OFF_PREVIOUS] = SLOT_B;
      v.setUint32(I.BOOTREC_OFF_ACTIVE_VERSION, 0x000200, true);
      v.setUint32(I.BOOTREC_OFF_PREVIOUS_VERSION, 0x000300, true);
      if (min !== undefined) v.setUint32(I.BOOTREC_OFF_MIN_VERSION, min, true);
    });
  }

  it('a trial of a slot below the minimum is reverted, not booted', () => {
    const mem = twoSlots();
    trialOfOld(mem);
    const d = device(mem);
    expect(d.info()).toEqual({ version: '0.3.0', hash: toHex(NEW.hash), slot: 'B' });
    const rec = currentRecord(mem).rec;
    const v = new DataView(rec.buffer);
    expect([rec[I.BOOTREC_OFF_ACTIVE], rec[I.BOOTREC_OFF_STATE]]).toEqual([SLOT_B, I.BOOTREC_CONFIRMED]);
    expect(rec[I.BOOTREC_OFF_FLAGS] & I.BOOTREC_FLAG_REVERTED).toBe(I.BOOTREC_FLAG_REVERTED);
    expect(v.getUint32(I.BOOTREC_OFF_REVERTED_VERSION, true)).toBe(0x000200);
    expect(v.getUint32(I.BOOTREC_OFF_MIN_VERSION, true)).toBe(0x000300);
    // And it stays that way at the next boot.
    expect(device(mem).info()).toEqual({ version: '0.3.0', hash: toHex(NEW.hash), slot: 'B' });
  });

  it('the same record with the minimum at or below the slot\'s version boots it on trial (the check is the minimum)', () => {
    const mem = twoSlots();
    trialOfOld(mem, 0x000200);
    expect(device(mem).info()).toEqual({ version: '0.2.0', hash: toHex(OLD.hash), slot: 'A' });
  });
});

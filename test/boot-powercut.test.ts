// Power cut at every flash operation of a complete update, in-process (the
// emulator's Chip and boot ROM on a RAM flash; no PTY needed for this sweep):
// the cut operation is torn (half a write programmed, half an erase done) and
// every later one fails. At the next power-on the device must boot, run the
// old image if the cut came before the commit's boot record was durable, the
// new one if it came after the trial was confirmed, and accept a new update.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import * as P from '../shared/protocol.js';
import * as I from '../shared/firmware-image.js';
import { FLASH_BOOT_OFF, FLASH_ERR_IO, FLASH_SECTOR, RESET_POWER_ON } from '../shared/board.js';
import { Chip } from '../host/emulator/chip.js';
import { autoPrompt } from '../host/firmware/load.js';
import { MemoryFlash, type FlashDevice } from '../host/emulator/flash.js';
import { FrameDecoder, encodeFrame, type Frame } from '../host/transport/codec.js';
import { decodeInfo } from '../host/device/info.js';
import { toHex, type FirmwareImage } from '../host/flash/image.js';
import { WASM, image, variant } from './helpers/flash.js';

const BUILTIN = { wasm: new Uint8Array(WASM), sha256: createHash('sha256').update(WASM).digest(), version: 0 };

/** Counts mutating operations; tears operation `cutAt` and fails all after it. */
class CuttableFlash implements FlashDevice {
  ops = 0;
  cut = false;
  /** Index of the op that wrote each boot record (commit's is the first). */
  recordWrites: number[] = [];
  constructor(readonly inner: MemoryFlash, readonly cutAt = Infinity) {}
  read(offset: number, out: Uint8Array): number {
    return this.cut ? FLASH_ERR_IO : this.inner.read(offset, out);
  }
  write(offset: number, data: Uint8Array): number {
    if (this.cut) return FLASH_ERR_IO;
    const n = this.ops++;
    if (offset >= FLASH_BOOT_OFF && offset < FLASH_BOOT_OFF + 2 * FLASH_SECTOR) this.recordWrites.push(n);
    if (n === this.cutAt) {
      this.cut = true;
      this.inner.write(offset, data.subarray(0, data.length >> 1));
      return FLASH_ERR_IO;
    }
    return this.inner.write(offset, data);
  }
  erase(offset: number, len: number): number {
    if (this.cut) return FLASH_ERR_IO;
    const n = this.ops++;
    if (n === this.cutAt) {
      this.cut = true;
      // Half the range erased; the rest keeps its old bytes. A one-sector
      // erase is torn as a sector whose second half is partly erased.
      const half = Math.floor(len / 2 / FLASH_SECTOR) * FLASH_SECTOR;
      if (half) {
        this.inner.erase(offset, half);
      } else {
        const cur = new Uint8Array(len);
        this.inner.read(offset, cur);
        this.inner.erase(offset, len);
        this.inner.write(offset, cur.map((b, i) => (i < len >> 1 || i % 3 === 0 ? b : 0xff)));
      }
      return FLASH_ERR_IO;
    }
    return this.inner.erase(offset, len);
  }
}

/** A chip on `flash` with a synchronous request function. */
function device(flash: FlashDevice) {
  let frames: Frame[] = [];
  const dec = new FrameDecoder((f) => frames.push(f), () => undefined);
  // Its user approves every prompt (fw_begin asks; test/device-confirm*.test.ts test the prompt).
  const chip = new Chip(BUILTIN, flash, (b) => dec.push(b), undefined, autoPrompt());
  chip.boot(RESET_POWER_ON);
  let id = 1;
  const req = (type: number, p = new Uint8Array(0)): Frame | undefined => {
    frames = [];
    chip.receive(encodeFrame(type, id++, p));
    return frames.find((f) => f.type === (type | P.MSG_REPLY) || f.type === P.MSG_ERROR);
  };
  const info = () => {
    const f = req(P.MSG_GET_INFO);
    if (f?.type !== (P.MSG_GET_INFO | P.MSG_REPLY)) throw new Error('no get_info reply');
    const i = decodeInfo(f.payload);
    return { version: i.firmwareVersion, hash: i.imageHash, slot: i.activeSlot };
  };
  return { chip, req, info };
}

/** The whole update; stops at the first refused request. True when it all went through. */
function update(d: ReturnType<typeof device>, img: FirmwareImage): boolean {
  const ok = (f?: Frame) => f !== undefined && f.type !== P.MSG_ERROR;
  if (!ok(d.req(P.MSG_FW_BEGIN, img.header))) return false;
  for (let off = 0; off < img.wasm.length; off += 4096) {
    const data = img.wasm.subarray(off, off + 4096);
    const p = new Uint8Array(4 + data.length);
    new DataView(p.buffer).setUint32(0, off, true);
    p.set(data, 4);
    if (!ok(d.req(P.MSG_FW_CHUNK, p))) return false;
  }
  if (!ok(d.req(P.MSG_FW_COMMIT))) return false;
  return ok(d.req(P.MSG_REBOOT));
}

describe('power cut at every flash operation of an update', () => {
  const NEW = image(variant('powercut'), '0.1.1');
  const OLD = { version: '0.1.0', hash: toHex(BUILTIN.sha256), slot: 'direct' };
  const NEWI = { version: '0.1.1', hash: toHex(NEW.hash), slot: 'A' };

  // The uncut run: how many operations, and where the records are written.
  const base = new MemoryFlash();
  device(base); // first power-on (boot counter) before counting
  const probe = new CuttableFlash(base);
  const d0 = device(probe);
  expect(update(d0, NEW)).toBe(true);
  expect(d0.info()).toEqual(NEWI);
  const total = probe.ops;
  const [commitRecord, trialMark, confirm] = probe.recordWrites;

  it('has the expected record writes (commit, trial mark, confirm)', () => {
    expect(probe.recordWrites.length).toBe(3);
    expect(commitRecord < trialMark && trialMark < confirm && confirm < total).toBe(true);
  });

  it('recovers from a cut at each operation (old image until the commit is durable, new once confirmed)', () => {
    for (let cutAt = 0; cutAt < total; cutAt++) {
      const mem = new MemoryFlash();
      device(mem);
      const cf = new CuttableFlash(mem, cutAt);
      update(device(cf), NEW);
      expect(cf.cut).toBe(true);
      // Power back on, on the same flash.
      const d = device(mem);
      const got = d.info();
      if (cutAt <= commitRecord) expect(got, `cut at op ${cutAt}`).toEqual(OLD);
      else if (cutAt <= confirm) expect([OLD, NEWI], `cut at op ${cutAt}`).toContainEqual(got);
      else expect(got, `cut at op ${cutAt}`).toEqual(NEWI);
      // And the device takes a complete update afterwards.
      const next = image(variant('next'), '0.2.0');
      expect(update(d, next), `update after cut at op ${cutAt}`).toBe(true);
      expect(d.info()).toEqual({ version: '0.2.0', hash: toHex(next.hash), slot: got.slot === 'A' ? 'B' : 'A' });
    }
  });

  it('a damaged copy of the boot record is ignored in favour of the other', () => {
    const mem = new MemoryFlash();
    const d = device(mem);
    expect(update(d, NEW)).toBe(true);
    // Flip a byte in each copy in turn: the newer copy damaged -> the older one
    // (still a valid record) decides; the device always boots.
    for (const sector of [0, 1]) {
      const m2 = new MemoryFlash();
      for (const off of [0x0, 0x1000, 0x3000, 0x4000]) {
        const b = new Uint8Array(FLASH_SECTOR);
        mem.read(off, b);
        m2.write(off, b);
      }
      for (const off of [0x10000, 0x40000]) {
        const b = new Uint8Array(0x30000);
        mem.read(off, b);
        m2.write(off, b);
      }
      const rec = new Uint8Array(I.BOOTREC_SIZE);
      m2.read(FLASH_BOOT_OFF + sector * FLASH_SECTOR, rec);
      rec[I.BOOTREC_OFF_ACTIVE] ^= 3;
      m2.erase(FLASH_BOOT_OFF + sector * FLASH_SECTOR, FLASH_SECTOR);
      m2.write(FLASH_BOOT_OFF + sector * FLASH_SECTOR, rec);
      const i = device(m2).info();
      expect([OLD, NEWI]).toContainEqual(i);
    }
  });

  it('a slot altered in flash after it was confirmed is not booted (verified at every boot)', () => {
    const mem = new MemoryFlash();
    const d = device(mem);
    expect(update(d, NEW)).toBe(true);
    const at = 0x10000 + I.IMG_HDR_SIZE + 500;
    const b = new Uint8Array(64);
    mem.read(at, b);
    const k = b.findIndex((x) => x !== 0);
    mem.write(at + k, Uint8Array.of(b[k] & (b[k] - 1))); // clear one set bit (NOR can)
    expect(device(mem).info()).toEqual(OLD);
  });
});

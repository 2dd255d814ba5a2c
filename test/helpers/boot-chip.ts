// The emulator's Chip and boot ROM in this process, on a flash the test holds
// (no PTY): boot it, send framed requests synchronously, run a whole update.
// Shared by the boot-*.test.ts and release-build tests.
import { createHash } from 'node:crypto';
import * as P from '../../shared/protocol.js';
import { RESET_POWER_ON } from '../../shared/board.js';
import { Chip } from '../../host/emulator/chip.js';
import type { FlashDevice } from '../../host/emulator/flash.js';
import { FrameDecoder, encodeFrame, type Frame } from '../../host/transport/codec.js';
import { decodeInfo } from '../../host/device-client/info.js';
import type { FirmwareImage } from '../../host/flash/image.js';
import { WASM } from './flash.js';
import { autoPrompt } from '../../host/firmware/load.js';

/** A built-in image (the first stage of every boot) from a bare wasm. */
export const builtin = (wasm: Uint8Array) =>
  ({ wasm: new Uint8Array(wasm), sha256: createHash('sha256').update(wasm).digest(), version: 0 });

/** A chip on `flash` (built-in image: this tree's build unless `wasm`), powered on. */
export function device(flash: FlashDevice, wasm: Uint8Array = WASM) {
  let frames: Frame[] = [];
  const dec = new FrameDecoder((f) => frames.push(f), () => undefined);
  // Its user approves every prompt (fw_begin asks; test/device-confirm*.test.ts test the prompt).
  const chip = new Chip(builtin(wasm), flash, (b) => dec.push(b), undefined, autoPrompt());
  chip.boot(RESET_POWER_ON);
  let id = 1;
  const req = (type: number, p = new Uint8Array(0)): Frame | undefined => {
    frames = [];
    chip.receive(encodeFrame(type, id++, p));
    return frames.find((f) => f.type === (type | P.MSG_REPLY) || f.type === P.MSG_ERROR);
  };
  const fullInfo = () => {
    const f = req(P.MSG_GET_INFO);
    if (f?.type !== (P.MSG_GET_INFO | P.MSG_REPLY)) throw new Error('no get_info reply');
    return decodeInfo(f.payload);
  };
  const info = () => {
    const i = fullInfo();
    return { version: i.firmwareVersion, hash: i.imageHash, slot: i.activeSlot };
  };
  return { chip, req, info, fullInfo };
}
export type BootDevice = ReturnType<typeof device>;

/** An ERROR frame's code and detail (undefined for a reply). */
export function refusal(f?: Frame): { code: number; detail: number } | undefined {
  if (f?.type !== P.MSG_ERROR) return undefined;
  const v = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.length);
  return { code: f.payload[P.ERROR_OFF_CODE], detail: v.getUint32(P.ERROR_OFF_DETAIL, true) };
}

/** The whole update; stops at the first refused request. True when it all went
 *  through (with `reboot: false`, up to and including the commit). */
export function update(d: BootDevice, img: FirmwareImage, o: { reboot?: boolean } = {}): boolean {
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
  return o.reboot === false || ok(d.req(P.MSG_REBOOT));
}

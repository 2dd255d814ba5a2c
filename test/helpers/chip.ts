// The firmware as a chip in this process, without the PTY: boots it on a given
// flash and sends framed requests through its serial_rx export, as a board does.
import { readFileSync } from 'node:fs';
import { BOOT_INFO_SIZE } from '../../shared/board.js';
import { FIRMWARE_WASM } from '../../host/paths.js';
import { autoPrompt, instantiateFirmware, type BoardPrompt, type Firmware } from '../../host/firmware/load.js';
import { MemoryFlash, type FlashDevice } from '../../host/emulator/flash.js';
import * as P from '../../shared/protocol.js';
import { encodeProvision, encodeSetPolicy } from '../../host/device-client/requests.js';
import {
  decodeOnionMessageReply, encodeOnionMessageRead, encodeOnionMessageRequest, type OnionMessageRequest,
} from '../../host/device-client/blinding-requests.js';
import { FrameDecoder, encodeFrame, type Frame } from '../../host/transport/codec.js';

const wasm = readFileSync(FIRMWARE_WASM);

export interface Chip {
  fw: Firmware;
  /** Sends one request frame; returns the reply frame with the same id. */
  request(type: number, payload: Uint8Array): Frame;
  /** Feeds raw line bytes (any framing, damaged or not); returns every frame the chip sent. */
  send(bytes: Uint8Array): Frame[];
}

/** One power-up of the chip on `flash` (deterministic entropy). Its board
 *  approves every prompt unless `prompt` says otherwise. */
export function powerUp(flash: FlashDevice, prompt: BoardPrompt = autoPrompt(), clock?: () => number): Chip {
  const frames: Frame[] = [];
  const dec = new FrameDecoder((f) => frames.push(f), () => undefined);
  const fw = instantiateFirmware(wasm, {
    entropy: (b) => b.set(Uint8Array.from({ length: b.length }, (_, i) => (i * 37 + 11) & 0xff)),
    serialWrite: (b) => dec.push(b),
    flash,
    prompt,
    clock,
  });
  const e = fw.exports;
  fw.write(e.fw_boot_info_ptr() >>> 0, new Uint8Array(BOOT_INFO_SIZE));
  e.fw_boot();
  let id = 1;
  const send = (bytes: Uint8Array): Frame[] => {
    frames.length = 0;
    const ptr = e.serial_rx_ptr() >>> 0;
    const cap = e.serial_rx_cap() >>> 0;
    for (let i = 0; i < bytes.length; i += cap) {
      const n = Math.min(cap, bytes.length - i);
      fw.write(ptr, bytes.subarray(i, i + n));
      e.serial_rx(n);
    }
    return [...frames];
  };
  const request = (type: number, payload: Uint8Array): Frame => {
    const f = send(encodeFrame(type, ++id, payload)).find((fr) => fr.id === id);
    if (!f) throw new Error('no reply');
    return f;
  };
  return { fw, request, send };
}

/** A device refusal (MSG_ERROR): its status code and detail word. */
export class ChipRefusal extends Error {
  constructor(readonly code: number, readonly detail: number) {
    super(`refused 0x${code.toString(16)} detail 0x${detail.toString(16)}`);
  }
}

/** One request to `chip`: the reply's payload, or ChipRefusal when the device refuses. */
export function chipCall(chip: Chip, type: number, payload: Uint8Array): Uint8Array {
  const f = chip.request(type, payload);
  if (f.type === P.MSG_ERROR) {
    const dv = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
    throw new ChipRefusal(f.payload[P.ERROR_OFF_CODE], dv.getUint32(P.ERROR_OFF_DETAIL, true));
  }
  if (f.type !== (type | P.MSG_REPLY)) throw new Error(`reply type 0x${f.type.toString(16)} to 0x${type.toString(16)}`);
  return f.payload;
}

/** The ChipRefusal `fn` throws; any other error is rethrown, and no refusal fails. */
export function refusalOf(fn: () => unknown): ChipRefusal {
  try { fn(); } catch (e) { if (e instanceof ChipRefusal) return e; throw e; }
  throw new Error('expected a refusal');
}

/**
 * A chip on an in-RAM flash, provisioned with `hsmSecret` and without
 * spending limits (its board approves the prompts). call() returns a reply's
 * payload or throws ChipRefusal.
 */
export function provisionedChip(hsmSecret: Uint8Array): { chip: Chip; nodeId: Uint8Array; call(type: number, payload: Uint8Array): Uint8Array } {
  const chip = powerUp(new MemoryFlash());
  const call = (type: number, payload: Uint8Array): Uint8Array => chipCall(chip, type, payload);
  const nodeId = call(P.MSG_PROVISION, encodeProvision({ hsmSecret })).slice(0, 33);
  call(P.MSG_SET_POLICY, encodeSetPolicy({ maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null }));
  return { chip, nodeId, call };
}

/** onion_message, then onion_message_read for the rest of a 32834-byte packet (as DeviceClient.onionMessage does). */
export function onionMessageOf(call: (type: number, payload: Uint8Array) => Uint8Array, req: OnionMessageRequest): { pathKey: Uint8Array; packet: Uint8Array } {
  const r = decodeOnionMessageReply(call(P.MSG_ONION_MESSAGE, encodeOnionMessageRequest(req)));
  const packet = new Uint8Array(r.total);
  packet.set(r.chunk);
  for (let off = r.chunk.length; off < r.total;) {
    const c = call(P.MSG_ONION_MESSAGE_READ, encodeOnionMessageRead(off));
    if (c.length === 0) throw new Error('onion_message_read: empty chunk');
    packet.set(c, off);
    off += c.length;
  }
  return { pathKey: r.pathKey, packet };
}

// Frame codec of the wire protocol (shared/protocol.ts, docs/protocol.md):
// COBS between 0x00 delimiters, body = type | id | len | payload | CRC-32C.
// The host's decoder follows the same rules as the firmware's
// (device/proto/rx.ts) and reports what it throws away.
import {
  COBS_MAX_RUN, ERR_FRAME_CRC, ERR_FRAME_LENGTH, ERR_FRAME_OVERSIZE, ERR_FRAME_TRUNCATED, FRAME_DELIM, FRAME_HDR,
  FRAME_MAX_BODY, FRAME_MAX_PAYLOAD, FRAME_OFF_ID, FRAME_OFF_LEN, FRAME_OFF_TYPE, FRAME_OVERHEAD,
} from '../../shared/protocol.js';
import { crc32c } from './crc.js';

export interface Frame {
  type: number;
  id: number;
  payload: Uint8Array;
}

/** A stretch of received bytes the decoder threw away, and why (ERR_FRAME_*). */
export interface Discard {
  code: number;
  /** Bytes between the delimiters (delimiters not counted). */
  discarded: number;
}

/** COBS-encodes `src` (no delimiters). */
export function cobsEncode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length + Math.floor(src.length / COBS_MAX_RUN) + 1);
  let o = 0;
  let i = 0;
  for (;;) {
    let run = 0;
    while (run < COBS_MAX_RUN && i + run < src.length && src[i + run] !== 0) run++;
    out[o++] = run + 1;
    out.set(src.subarray(i, i + run), o);
    o += run;
    i += run;
    if (i >= src.length) break;
    if (run < COBS_MAX_RUN) i++; // the zero this group stands for
  }
  return out.subarray(0, o);
}

/** Decodes COBS bytes (no delimiters); undefined when a group runs past the end. */
export function cobsDecode(enc: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(enc.length);
  let o = 0;
  let i = 0;
  let first = true;
  let full = false;
  while (i < enc.length) {
    const code = enc[i++];
    if (code === 0) return undefined;
    if (!first && !full) out[o++] = 0;
    if (i + code - 1 > enc.length) return undefined;
    out.set(enc.subarray(i, i + code - 1), o);
    o += code - 1;
    i += code - 1;
    first = false;
    full = code === 0xff;
  }
  return out.subarray(0, o);
}

/** The body of a frame (header, payload, CRC), not yet COBS-encoded. */
export function frameBody(type: number, id: number, payload: Uint8Array): Uint8Array {
  if (payload.length > FRAME_MAX_PAYLOAD) {
    throw new RangeError(`payload of ${payload.length} bytes exceeds the protocol's maximum of ${FRAME_MAX_PAYLOAD}`);
  }
  const body = new Uint8Array(FRAME_OVERHEAD + payload.length);
  const dv = new DataView(body.buffer);
  body[FRAME_OFF_TYPE] = type;
  dv.setUint16(FRAME_OFF_ID, id, true);
  dv.setUint16(FRAME_OFF_LEN, payload.length, true);
  body.set(payload, FRAME_HDR);
  dv.setUint32(FRAME_HDR + payload.length, crc32c(body.subarray(0, FRAME_HDR + payload.length)), true);
  return body;
}

/** A whole frame as sent on the wire: 0x00 | COBS(body) | 0x00. */
export function encodeFrame(type: number, id: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const enc = cobsEncode(frameBody(type, id, payload));
  const wire = new Uint8Array(enc.length + 2);
  wire[0] = FRAME_DELIM;
  wire.set(enc, 1);
  wire[wire.length - 1] = FRAME_DELIM;
  return wire;
}

/** Checks a decoded body; a Frame, or the ERR_FRAME_* code it fails with. */
export function parseBody(body: Uint8Array): Frame | number {
  if (body.length < FRAME_OVERHEAD) return ERR_FRAME_TRUNCATED;
  const dv = new DataView(body.buffer, body.byteOffset, body.length);
  const plen = dv.getUint16(FRAME_OFF_LEN, true);
  if (body.length < FRAME_OVERHEAD + plen) return ERR_FRAME_TRUNCATED;
  if (body.length > FRAME_OVERHEAD + plen) return ERR_FRAME_LENGTH;
  if (crc32c(body.subarray(0, FRAME_HDR + plen)) !== dv.getUint32(FRAME_HDR + plen, true)) return ERR_FRAME_CRC;
  return { type: body[FRAME_OFF_TYPE], id: dv.getUint16(FRAME_OFF_ID, true), payload: body.slice(FRAME_HDR, FRAME_HDR + plen) };
}

/** Streaming decoder: feed it received chunks; it calls back per frame or discard. */
export class FrameDecoder {
  // Encoded bytes since the last delimiter, up to the largest legal frame.
  private readonly buf = new Uint8Array(FRAME_MAX_BODY + Math.ceil(FRAME_MAX_BODY / COBS_MAX_RUN));
  private len = 0;
  private count = 0;

  constructor(
    private readonly onFrame: (f: Frame) => void,
    private readonly onDiscard: (d: Discard) => void,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const z = chunk.indexOf(FRAME_DELIM, start);
      const end = z < 0 ? chunk.length : z;
      const take = Math.min(end - start, this.buf.length - this.len);
      this.buf.set(chunk.subarray(start, start + take), this.len);
      this.len += take;
      this.count += end - start;
      if (z < 0) return;
      this.frameEnd();
      start = z + 1;
    }
  }

  /** Forgets a partial frame (after reopening the port). */
  reset(): void {
    this.len = 0;
    this.count = 0;
  }

  private frameEnd(): void {
    const n = this.count;
    const enc = this.buf.subarray(0, this.len);
    this.reset();
    if (n === 0) return; // idle delimiter
    // Same rules as device/proto/rx.ts: oversize, cut group, length, CRC.
    if (n > this.buf.length) return this.onDiscard({ code: ERR_FRAME_OVERSIZE, discarded: n });
    const body = cobsDecode(enc);
    if (!body) return this.onDiscard({ code: ERR_FRAME_TRUNCATED, discarded: n });
    if (body.length > FRAME_MAX_BODY) return this.onDiscard({ code: ERR_FRAME_OVERSIZE, discarded: n });
    const r = parseBody(body);
    if (typeof r === 'number') return this.onDiscard({ code: r, discarded: n });
    this.onFrame(r);
  }
}

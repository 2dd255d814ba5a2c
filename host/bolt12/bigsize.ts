// BOLT 1 BigSize: a u64 in 1, 3, 5 or 9 bytes (big-endian payload after an
// 0xfd / 0xfe / 0xff prefix), always in its shortest form.
import { TlvError } from './errors.js';

export const BIGSIZE_MAX = (1n << 64n) - 1n;

/** Number of bytes BigSize needs for `v`. */
export function bigSizeLength(v: bigint): number {
  if (v < 0n || v > BIGSIZE_MAX) throw new RangeError(`BigSize out of range: ${v}`);
  return v < 0xfdn ? 1 : v <= 0xffffn ? 3 : v <= 0xffffffffn ? 5 : 9;
}

/** Writes the minimal encoding of `v` into `out` at `at`; returns the next offset. */
export function putBigSize(out: Uint8Array, at: number, v: bigint): number {
  const n = bigSizeLength(v);
  if (n === 1) {
    out[at] = Number(v);
    return at + 1;
  }
  out[at] = n === 3 ? 0xfd : n === 5 ? 0xfe : 0xff;
  for (let i = n - 1; i >= 1; i--) {
    out[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return at + n;
}

export function encodeBigSize(v: bigint): Uint8Array {
  const out = new Uint8Array(bigSizeLength(v));
  putBigSize(out, 0, v);
  return out;
}

export interface BigSizeRead {
  value: bigint;
  /** Offset just after the encoding. */
  next: number;
}

/**
 * Reads a BigSize at `at`. Throws TlvError when the bytes run out part-way or
 * the encoding is not the shortest one. (Callers that may legitimately find no
 * bytes at all - the start of a TLV record - check `at < end` first.)
 */
export function readBigSize(buf: Uint8Array, at: number, end = buf.length, what = 'BigSize'): BigSizeRead {
  if (at >= end) throw new TlvError(`${what} missing`, at);
  const first = buf[at];
  if (first < 0xfd) return { value: BigInt(first), next: at + 1 };
  const n = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
  if (at + 1 + n > end) throw new TlvError(`${what} truncated: needs ${n} more bytes, ${end - at - 1} left`, at);
  let value = 0n;
  if (n === 8) {
    const hi = ((buf[at + 1] << 24) | (buf[at + 2] << 16) | (buf[at + 3] << 8) | buf[at + 4]) >>> 0;
    const lo = ((buf[at + 5] << 24) | (buf[at + 6] << 16) | (buf[at + 7] << 8) | buf[at + 8]) >>> 0;
    value = (BigInt(hi) << 32n) | BigInt(lo);
  } else {
    let v = 0;
    for (let i = 1; i <= n; i++) v = v * 256 + buf[at + i];
    value = BigInt(v);
  }
  // BOLT #1: a BigSize must be minimally encoded (fd00fc, fe0000ffff, ... are errors)
  const min = n === 2 ? 0xfdn : n === 4 ? 0x10000n : 0x100000000n;
  if (value < min) throw new TlvError(`${what} not minimally encoded`, at);
  return { value, next: at + 1 + n };
}

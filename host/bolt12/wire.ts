// BOLT 1 fundamental types inside one TLV value: a reader that must consume
// the value exactly (BOLT 1: "length ... exactly what the type's encoding
// consumes") and reports failures at their byte offset in the whole stream, and
// a writer producing the canonical encodings.
import { Point } from '@noble/secp256k1';
import { TlvError } from './errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export class ValueReader {
  pos: number;
  /**
   * @param buf   the whole TLV stream
   * @param start first byte of the value in `buf`
   * @param end   one past the last byte of the value
   */
  constructor(
    readonly buf: Uint8Array,
    readonly start: number,
    readonly end: number,
    readonly type?: bigint,
    readonly field?: string,
  ) {
    this.pos = start;
  }

  fail(reason: string, at = this.pos): never {
    throw new TlvError(reason, at, this.type, this.field);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  bytes(n: number, what = 'value'): Uint8Array {
    if (n > this.remaining) this.fail(`${what} truncated: needs ${n} bytes, ${this.remaining} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  u8(what = 'byte'): number {
    return this.bytes(1, what)[0];
  }

  u16(what = 'u16'): number {
    const b = this.bytes(2, what);
    return (b[0] << 8) | b[1];
  }

  u32(what = 'u32'): number {
    const b = this.bytes(4, what);
    return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  }

  u64(what = 'u64'): bigint {
    const hi = this.u32(what);
    const lo = this.u32(what);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** BOLT 1 truncated integer: the rest of the value, at most `max` bytes, no leading zero. */
  private truncated(max: number, what: string): bigint {
    const at = this.pos;
    const b = this.rest();
    if (b.length > max) this.fail(`${what} longer than ${max} bytes`, at);
    // BOLT #1: truncated integers must be minimal (no leading zero bytes)
    if (b.length > 0 && b[0] === 0) this.fail(`${what} not minimal (leading zero byte)`, at);
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    return v;
  }

  tu64(what = 'tu64'): bigint {
    return this.truncated(8, what);
  }

  tu32(what = 'tu32'): number {
    return Number(this.truncated(4, what));
  }

  /** 33-byte compressed secp256k1 point, which must be on the curve. */
  point(what = 'point'): Uint8Array {
    const at = this.pos;
    const b = this.bytes(33, what);
    if (!isValidPoint(b)) this.fail(`${what} is not a valid secp256k1 point`, at);
    return b;
  }

  /** The rest of the value as strict UTF-8 (invalid or truncated sequences fail). */
  utf8(what = 'utf8'): string {
    const at = this.pos;
    const b = this.rest();
    try {
      return strictUtf8.decode(b);
    } catch {
      return this.fail(`${what} is not valid UTF-8`, at);
    }
  }

  /** Asserts the value was consumed exactly. */
  done(): void {
    if (this.remaining !== 0) this.fail(`${this.remaining} unexpected trailing bytes`);
  }
}

export function isValidPoint(b: Uint8Array): boolean {
  if (b.length !== 33 || (b[0] !== 2 && b[0] !== 3)) return false;
  try {
    Point.fromBytes(b);
    return true;
  } catch {
    return false;
  }
}

export class ValueWriter {
  private parts: Uint8Array[] = [];
  private len = 0;

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.len += b.length;
    return this;
  }

  u8(v: number): this {
    return this.bytes(Uint8Array.of(v & 0xff));
  }

  u16(v: number): this {
    return this.bytes(Uint8Array.of((v >>> 8) & 0xff, v & 0xff));
  }

  u32(v: number): this {
    return this.bytes(Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
  }

  u64(v: bigint): this {
    const b = new Uint8Array(8);
    for (let i = 7; i >= 0; i--) {
      b[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return this.bytes(b);
  }

  /** Truncated integer: big-endian without leading zero bytes (0 -> nothing). */
  tu64(v: bigint): this {
    if (v < 0n || v >= 1n << 64n) throw new RangeError(`tu64 out of range: ${v}`);
    const out: number[] = [];
    while (v > 0n) {
      out.unshift(Number(v & 0xffn));
      v >>= 8n;
    }
    return this.bytes(Uint8Array.from(out));
  }

  tu32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`tu32 out of range: ${v}`);
    return this.tu64(BigInt(v));
  }

  utf8(s: string): this {
    return this.bytes(utf8Encoder.encode(s));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export function utf8Bytes(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

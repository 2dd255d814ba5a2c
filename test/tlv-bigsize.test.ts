// BOLT 1 BigSize: Appendix A vectors, plus properties.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import { BIGSIZE_MAX, TlvError, bigSizeLength, encodeBigSize, readBigSize } from '../host/bolt12/index.js';

interface Vec { name: string; bytes: string; value_str: string; exp_error?: string }
const v: { decoding: Vec[]; encoding: Vec[] } = JSON.parse(readFileSync(new URL('./vectors/bigsize.json', import.meta.url), 'utf8'));

describe('bigsize.json', () => {
  for (const c of v.decoding) {
    it(`decode: ${c.name}`, () => {
      const b = hex.decode(c.bytes);
      if (c.exp_error) {
        expect(() => readBigSize(b, 0)).toThrow(TlvError);
      } else {
        const r = readBigSize(b, 0);
        expect(r.value).toBe(BigInt(c.value_str));
        expect(r.next).toBe(b.length);
      }
    });
  }
  for (const c of v.encoding) {
    it(`encode: ${c.name}`, () => {
      expect(hex.encode(encodeBigSize(BigInt(c.value_str)))).toBe(c.bytes);
    });
  }
});

describe('BigSize properties', () => {
  const u64 = fc.bigInt({ min: 0n, max: BIGSIZE_MAX });
  it('decode(encode(v)) = v, with the minimal length', () => {
    fc.assert(fc.property(u64, (x) => {
      const b = encodeBigSize(x);
      expect(b.length).toBe(bigSizeLength(x));
      expect(readBigSize(b, 0)).toEqual({ value: x, next: b.length });
    }));
  });
  it('any byte string decodes to a canonical BigSize or throws TlvError', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 10 }), (b) => {
      try {
        const r = readBigSize(b, 0);
        expect(hex.encode(encodeBigSize(r.value))).toBe(hex.encode(b.subarray(0, r.next)));
      } catch (e) {
        expect(e).toBeInstanceOf(TlvError);
      }
    }));
  });
  it('refuses values outside u64 when writing', () => {
    expect(() => encodeBigSize(-1n)).toThrow(RangeError);
    expect(() => encodeBigSize(BIGSIZE_MAX + 1n)).toThrow(RangeError);
  });
});

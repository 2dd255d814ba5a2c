// BOLT 12 text layer: format-string-test.json plus one case per rule, with the
// error position pointing into the original string.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import { Bolt12StringError, decodeBolt12String, decodeOffer, encodeBolt12String } from '../host/bolt12/index.js';

const cases: { comment: string; valid: boolean; string: string }[] = JSON.parse(
  readFileSync(new URL('./vectors/format-string-test.json', import.meta.url), 'utf8'),
);

const positionOf = (s: string) => {
  try {
    decodeBolt12String(s);
  } catch (e) {
    if (e instanceof Bolt12StringError) return e.position;
    throw e;
  }
  return 'ok';
};

describe('format-string-test.json', () => {
  const reference = decodeOffer(cases[0].string);
  cases.forEach((c, i) => {
    it(`${c.valid ? 'valid' : 'invalid'} #${i}: ${c.comment}`, () => {
      if (c.valid) expect(hex.encode(decodeOffer(c.string).bytes)).toBe(hex.encode(reference.bytes));
      else expect(() => decodeOffer(c.string)).toThrow(Bolt12StringError);
    });
  });
});

describe('text layer rules', () => {
  const good = cases[0].string;
  it('round-trips bytes through the writer, lower and upper case', () => {
    const { bytes } = decodeBolt12String(good);
    expect(encodeBolt12String('lno', bytes)).toBe(good);
    expect(encodeBolt12String('lno', bytes, { upper: true })).toBe(good.toUpperCase());
  });
  it('points at the mixed-case character', () => {
    expect(positionOf('lno1pqpS7sjq')).toBe(7);
    expect(positionOf('LNO1PQPs7SJQ')).toBe(7);
  });
  it('points at a character outside the bech32 alphabet (b, i, o, 1 after the separator)', () => {
    expect(positionOf(good.slice(0, 10) + 'b' + good.slice(11))).toBe(10);
    expect(positionOf(good.slice(0, 10) + ' ' + good.slice(11))).toBe(10);
  });
  it('locates bad `+` usage in the original string', () => {
    expect(positionOf(good + '+')).toBe(good.length);
    expect(positionOf(good + '+ \n')).toBe(good.length);
    expect(positionOf('+' + good)).toBe(0);
    expect(positionOf('ln++o1' + good.slice(4))).toBe(2);
    expect(positionOf(good.slice(0, 8) + '+ + ' + good.slice(8))).toBe(8);
    expect(decodeBolt12String(good.slice(0, 8) + '+\t\r\n  ' + good.slice(8)).prefix).toBe('lno');
  });
  it('rejects non-zero padding bits (BIP-173 rule) and 5+ padding bits', () => {
    // 1 byte = 8 bits -> 2 words with 2 padding bits; 'q' = 0 keeps them zero, 'p' = 1 sets one.
    expect(decodeBolt12String('lno1zq').bytes).toEqual(Uint8Array.of(0x10));
    expect(() => decodeBolt12String('lno1zp')).toThrow(/padding/);
    expect(() => decodeBolt12String('lno1zqq')).toThrow(/padding/);
  });
  it('knows lno, lnr, lni and nothing else', () => {
    expect(decodeBolt12String('lnr1').prefix).toBe('lnr');
    expect(decodeBolt12String('LNI1').prefix).toBe('lni');
    expect(() => decodeBolt12String('lnbc1qq')).toThrow(/unknown prefix 'lnbc'/);
    expect(() => decodeBolt12String('lnoqq')).toThrow(/separator/);
    expect(decodeBolt12String('lno1').bytes).toEqual(new Uint8Array());
  });
  it('an empty offer string passes the text layer and fails the reader rules', () => {
    expect(() => decodeOffer('lno1')).toThrow(/neither offer_issuer_id nor a path in offer_paths/);
  });
});

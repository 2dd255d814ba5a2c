// BOLT 1 TLV streams: Appendix B vectors (namespaces n1 and n2), the stream
// composition rules, and properties of the reader and writer.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import {
  BIGSIZE_MAX, TlvError, ValueReader, encodeTlvStream, parseTlvStream, readTlvRecords,
} from '../host/bolt12/index.js';

interface Vec { namespace: string; stream_hex: string; reason?: string; explanation?: string; decoded?: Record<string, Record<string, string>> }
const v: { decoding_failures: Vec[]; decoding_successes: Vec[] } = JSON.parse(
  readFileSync(new URL('./vectors/tlv-stream.json', import.meta.url), 'utf8'),
);

type Ns = 'n1' | 'n2';
type Decoder = (r: ValueReader) => Record<string, string>;
const scid = (r: ValueReader) => {
  const b = r.bytes(8);
  return `${(b[0] << 16) | (b[1] << 8) | b[2]}x${(b[3] << 16) | (b[4] << 8) | b[5]}x${(b[6] << 8) | b[7]}`;
};
// The test namespaces of Appendix B, written with the codec's field readers.
const NAMESPACES: Record<Ns, Map<bigint, [string, Decoder]>> = {
  n1: new Map<bigint, [string, Decoder]>([
    [1n, ['tlv1', (r) => ({ amount_msat: r.tu64().toString() })]],
    [2n, ['tlv2', (r) => ({ scid: scid(r) })]],
    [3n, ['tlv3', (r) => ({ node_id: hex.encode(r.point()), amount_msat_1: r.u64().toString(), amount_msat_2: r.u64().toString() })]],
    [254n, ['tlv4', (r) => ({ cltv_delta: String(r.u16()) })]],
  ]),
  n2: new Map<bigint, [string, Decoder]>([
    [0n, ['tlv1', (r) => ({ amount_msat: r.tu64().toString() })]],
    [11n, ['tlv2', (r) => ({ cltv_expiry: String(r.tu32()) })]],
  ]),
};

function decodeIn(ns: Ns, streamHex: string): Record<string, Record<string, string>> {
  const stream = hex.decode(streamHex);
  const known = NAMESPACES[ns];
  const { records } = parseTlvStream(stream, (t) => known.has(t));
  const out: Record<string, Record<string, string>> = {};
  for (const rec of records) {
    const k = known.get(rec.type);
    if (!k) continue;
    const r = new ValueReader(stream, rec.valueOffset, rec.valueOffset + rec.value.length, rec.type, k[0]);
    out[k[0]] = k[1](r);
    r.done();
  }
  return out;
}

const nsOf = (n: string): Ns[] => (n === 'n1' || n === 'n2' ? [n] : ['n1', 'n2']);

describe('tlv-stream.json', () => {
  for (const c of v.decoding_failures) {
    for (const ns of nsOf(c.namespace)) {
      it(`fails in ${ns}: ${c.stream_hex || '(empty)'} (${c.reason})`, () => {
        expect(() => decodeIn(ns, c.stream_hex)).toThrow(TlvError);
      });
    }
  }
  for (const c of v.decoding_successes) {
    for (const ns of nsOf(c.namespace)) {
      it(`decodes in ${ns}: ${c.stream_hex || '(empty)'}`, () => {
        expect(decodeIn(ns, c.stream_hex)).toEqual(c.decoded ?? {});
        // The writer reproduces the stream from its records.
        expect(hex.encode(encodeTlvStream(readTlvRecords(hex.decode(c.stream_hex))))).toBe(c.stream_hex);
      });
    }
  }
  it('0x00 00 is unknown even in n1 but tlv1 = 0 in n2', () => {
    expect(() => decodeIn('n1', '0000')).toThrow(/unknown even record type 0/);
    expect(decodeIn('n2', '0000')).toEqual({ tlv1: { amount_msat: '0' } });
  });
  for (const ns of ['n1', 'n2'] as const) {
    const ok = v.decoding_successes.filter((c) => nsOf(c.namespace).includes(ns) && c.stream_hex !== '');
    const bad = v.decoding_failures.filter((c) => nsOf(c.namespace).includes(ns));
    it(`${ns}: appending any invalid stream to a valid stream fails`, () => {
      for (const a of ok) for (const b of bad) expect(() => decodeIn(ns, a.stream_hex + b.stream_hex)).toThrow(TlvError);
    });
    it(`${ns}: appending a higher-numbered valid stream to a lower-numbered one does not fail`, () => {
      const types = (h: string) => readTlvRecords(hex.decode(h)).map((r) => r.type);
      let pairs = 0;
      for (const a of ok) {
        for (const b of ok) {
          const ta = types(a.stream_hex), tb = types(b.stream_hex);
          if (ta[ta.length - 1] < tb[0]) {
            pairs++;
            expect(() => decodeIn(ns, a.stream_hex + b.stream_hex)).not.toThrow();
          }
        }
      }
      expect(pairs).toBeGreaterThan(0);
    });
  }
});

describe('TLV stream properties', () => {
  const entries = fc
    .uniqueArray(fc.bigInt({ min: 0n, max: BIGSIZE_MAX }), { maxLength: 12 })
    .chain((types) => fc.tuple(...types.map((t) => fc.uint8Array({ maxLength: 300 }).map((value) => ({ type: t, value })))));

  it('decode∘encode is the identity on valid streams', () => {
    fc.assert(fc.property(entries, (es) => {
      const stream = encodeTlvStream(es);
      const recs = readTlvRecords(stream);
      const sorted = [...es].sort((a, b) => (a.type < b.type ? -1 : 1));
      expect(recs.map((r) => [r.type, hex.encode(r.value)])).toEqual(sorted.map((e) => [e.type, hex.encode(e.value)]));
      expect(hex.encode(encodeTlvStream(recs))).toBe(hex.encode(stream));
      // raw views concatenate back to the stream
      expect(recs.map((r) => hex.encode(r.raw)).join('')).toBe(hex.encode(stream));
    }));
  });
  it('any byte string either parses to a canonical stream or throws TlvError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      try {
        const recs = readTlvRecords(b);
        expect(hex.encode(encodeTlvStream(recs))).toBe(hex.encode(b));
      } catch (e) {
        expect(e).toBeInstanceOf(TlvError);
      }
    }), { numRuns: 2000 });
  });
  it('the writer refuses duplicate types', () => {
    expect(() => encodeTlvStream([{ type: 1n, value: new Uint8Array() }, { type: 1n, value: new Uint8Array(1) }])).toThrow(/twice/);
  });
});

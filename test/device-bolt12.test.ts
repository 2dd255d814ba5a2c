// Device BOLT 12 codec (device/bolt12/*, exports in device/abi/bolt12.ts):
// BigSize and TLV framing against BOLT 1's vectors, merkle roots against
// signature-test.json, real signed invoice_requests/invoices (the device's
// signature message must verify under the message's own signature), and
// fast-check properties: device root = an independent reference written here
// = the host codec's root, on random and mutated streams, which never trap.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { bech32 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../host/crypto/noble.js';
import { hmac } from '@noble/hashes/hmac.js';
import { loadFirmware } from '../host/firmware/load.js';
import { h, x, ascii, cat, vector as vec } from './helpers/bytes.js';
import { merkleRoot as hostMerkleRoot } from '../host/bolt12/merkle.js';
import * as L from '../shared/bolt12-limits.js';

// @noble/secp256k1 v3 needs its hashes set for the synchronous API.
const { schnorr } = secp;


// The host codec's merkle root, cross-checked on every stream below.
const host = { merkleRoot: hostMerkleRoot };

const fw = loadFirmware();
const E = fw.exports;
const IN = fw.io;
const OUT = fw.io + fw.ioSize - 64;

// ---- device wrappers ----

function devRoot(stream: Uint8Array): { code: number; root?: string } {
  fw.write(IN, stream);
  const code = E.bolt12_merkle_root(IN, stream.length, OUT);
  return code === L.BOLT12_OK ? { code, root: x(fw.read(OUT, 32)) } : { code };
}

function devValidate(kind: number, stream: Uint8Array): number {
  fw.write(IN, stream);
  return E.bolt12_validate(kind, IN, stream.length);
}

function devSighash(kind: number, stream: Uint8Array): { code: number; m?: string } {
  fw.write(IN, stream);
  const code = E.bolt12_sighash(kind, IN, stream.length, OUT);
  return code === L.BOLT12_OK ? { code, m: x(fw.read(OUT, 32)) } : { code };
}

function devSighashTagged(kind: number, msg: string, field: string, stream: Uint8Array): { code: number; m?: string } {
  const a = ascii(msg), b = ascii(field);
  fw.write(IN, stream);
  const pa = IN + stream.length, pb = pa + a.length;
  fw.write(pa, a);
  fw.write(pb, b);
  const code = E.bolt12_sighash_tagged(kind, pa, a.length, pb, b.length, IN, stream.length, OUT);
  return code === L.BOLT12_OK ? { code, m: x(fw.read(OUT, 32)) } : { code };
}

// ---- independent reference (BOLT 12 "Signature Calculation", level by level) ----

function bigsize(v: bigint): Uint8Array {
  if (v < 0xfdn) return Uint8Array.of(Number(v));
  const n = v <= 0xffffn ? 2 : v <= 0xffffffffn ? 4 : 8;
  const out = new Uint8Array(n + 1);
  out[0] = n === 2 ? 0xfd : n === 4 ? 0xfe : 0xff;
  for (let i = n; i >= 1; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}
const record = (type: bigint, value: Uint8Array) => cat(bigsize(type), bigsize(BigInt(value.length)), value);

/** Splits a well-framed stream (non-strict: the reference trusts its input). */
function records(s: Uint8Array): { type: bigint; raw: Uint8Array; typeLen: number }[] {
  const out = [];
  let p = 0;
  const read = () => {
    const b = s[p++];
    if (b < 0xfd) return BigInt(b);
    const n = b === 0xfd ? 2 : b === 0xfe ? 4 : 8;
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(s[p++]);
    return v;
  };
  while (p < s.length) {
    const start = p;
    const type = read();
    const typeLen = p - start;
    const len = Number(read());
    p += len;
    out.push({ type, raw: s.subarray(start, p), typeLen });
  }
  return out;
}

const tagged = (tag: Uint8Array, msg: Uint8Array) => { const t = sha256(tag); return sha256(cat(t, t, msg)); };
const lt = (a: Uint8Array, b: Uint8Array) => { for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] < b[i]; return false; };
const branch = (a: Uint8Array, b: Uint8Array) => tagged(ascii('LnBranch'), lt(b, a) ? cat(b, a) : cat(a, b));

function refRoot(stream: Uint8Array): string | undefined {
  const leaves = records(stream).filter((r) => r.type < 240n || r.type > 1000n);
  if (leaves.length === 0) return undefined;
  const nonceTag = cat(ascii('LnNonce'), leaves[0].raw);
  let level = leaves.map((r) => branch(tagged(ascii('LnLeaf'), r.raw), tagged(nonceTag, r.raw.subarray(0, r.typeLen))));
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(branch(level[i], level[i + 1]));
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  return x(level[0]);
}

// ---- BOLT 12 strings (bech32 without checksum), decoded independently ----

const ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function bolt12Bytes(s: string): Uint8Array {
  const t = s.replace(/\+\s*/g, '').toLowerCase();
  const words = [...t.slice(t.lastIndexOf('1') + 1)].map((c) => ALPHABET.indexOf(c));
  return Uint8Array.from(bech32.fromWordsUnsafe(words) ?? []);
}

// ---- generators ----

const SPECIAL_TYPES = [0n, 1n, 2n, 22n, 80n, 88n, 159n, 160n, 176n, 239n, 240n, 241n, 999n, 1000n, 1001n, 0xfcn, 0xfdn,
  0xffffn, 0x10000n, 1000000000n, 1999999999n, 2999999999n, 3000000000n, 3999999999n, 0xffffffffn, 0x100000000n,
  0xffffffffffffffffn];
const typeArb = fc.oneof(
  fc.constantFrom(...SPECIAL_TYPES),
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
);
const recordsArb = (maxRecords: number, maxValue: number) =>
  fc.uniqueArray(typeArb, { maxLength: maxRecords, selector: (t) => t.toString() })
    .chain((types) => fc.tuple(fc.constant([...types].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))),
      fc.array(fc.uint8Array({ maxLength: maxValue }), { minLength: types.length, maxLength: types.length })))
    .map(([types, values]) => cat(...types.map((t, i) => record(t, values[i]))));

// ---- tests ----

describe('BigSize (BOLT 1 Appendix A, bigsize.json)', () => {
  const v = vec('bigsize.json');
  for (const c of v.decoding) {
    it(`decodes: ${c.name}`, () => {
      const b = h(c.bytes);
      fw.write(IN, b);
      const n = E.bolt12_bigsize_decode(IN, b.length, OUT);
      if (c.exp_error) {
        expect(n).toBeLessThan(0);
        expect(n).toBe(/canonical/i.test(c.exp_error) ? -2 : -1);
      } else {
        expect(n).toBe(b.length);
        expect(new DataView(fw.memory.buffer).getBigUint64(OUT, true)).toBe(BigInt(c.value_str));
      }
    });
  }
  for (const c of v.encoding) {
    it(`round-trips: ${c.name}`, () => {
      expect(x(bigsize(BigInt(c.value_str)))).toBe(c.bytes); // the reference encoder used below
      const b = h(c.bytes);
      fw.write(IN, b);
      expect(E.bolt12_bigsize_decode(IN, b.length, OUT)).toBe(b.length);
      expect(new DataView(fw.memory.buffer).getBigUint64(OUT, true)).toBe(BigInt(c.value_str));
    });
  }
});

describe('TLV framing (BOLT 1 Appendix B, tlv-stream.json)', () => {
  const v = vec('tlv-stream.json');
  // The device checks framing only: what a type means (n1/n2 field encodings,
  // unknown even types) is for the layer that knows the message's fields.
  const FRAMING: Record<string, number> = {
    'type truncated': L.BOLT12_ERR_TYPE_TRUNCATED,
    'not minimally encoded type': L.BOLT12_ERR_TYPE_NOT_MINIMAL,
    'missing length': L.BOLT12_ERR_LENGTH_TRUNCATED,
    '(length truncated)': L.BOLT12_ERR_LENGTH_TRUNCATED,
    'missing value': L.BOLT12_ERR_VALUE_TRUNCATED,
    'not minimally encoded length': L.BOLT12_ERR_LENGTH_NOT_MINIMAL,
    'value truncated': L.BOLT12_ERR_VALUE_TRUNCATED,
  };
  const expected = (c: { reason: string; section: string }) =>
    FRAMING[c.reason] ?? (c.section === 'TLV Stream Decoding Failure' ? L.BOLT12_ERR_TYPE_ORDER : L.BOLT12_OK);

  for (const c of v.decoding_failures) {
    it(`failure [${c.namespace}] ${c.stream_annotated.slice(0, 40)}: ${c.reason}`, () => {
      const s = h(c.stream_hex);
      const want = expected(c);
      expect(devValidate(L.BOLT12_KIND_ANY, s)).toBe(want);
      const r = devRoot(s);
      if (want !== L.BOLT12_OK) expect(r.code).toBe(want);
      // Framing-valid, but types 240..1000 are signatures: no leaves.
      else if (refRoot(s) === undefined) expect(r.code).toBe(L.BOLT12_ERR_NO_RECORDS);
      else expect(r).toEqual({ code: L.BOLT12_OK, root: refRoot(s) });
    });
  }
  it('every "any"-namespace failure and every ordering failure is rejected', () => {
    const framing = v.decoding_failures.filter((c: any) => c.namespace === 'any' || c.section === 'TLV Stream Decoding Failure');
    expect(framing.length).toBeGreaterThanOrEqual(14);
    for (const c of framing) expect(devValidate(L.BOLT12_KIND_ANY, h(c.stream_hex))).not.toBe(L.BOLT12_OK);
  });
  for (const c of v.decoding_successes) {
    it(`success [${c.namespace}] ${c.stream_annotated.slice(0, 40) || '(empty)'}`, () => {
      const s = h(c.stream_hex);
      expect(devValidate(L.BOLT12_KIND_ANY, s)).toBe(L.BOLT12_OK);
      const r = devRoot(s);
      if (refRoot(s) === undefined) expect(r.code).toBe(L.BOLT12_ERR_NO_RECORDS);
      else expect(r).toEqual({ code: L.BOLT12_OK, root: refRoot(s) });
    });
  }
  it('stream rules: valid ‖ framing-invalid fails; lower ‖ higher valid stays valid', () => {
    const okStreams = v.decoding_successes.map((c: any) => h(c.stream_hex)).filter((s: Uint8Array) => s.length > 0);
    const bad = v.decoding_failures.filter((c: any) => expected(c) !== L.BOLT12_OK).map((c: any) => h(c.stream_hex));
    for (const a of okStreams) for (const b of bad) expect(devValidate(L.BOLT12_KIND_ANY, cat(a, b))).not.toBe(L.BOLT12_OK);
    expect(devValidate(L.BOLT12_KIND_ANY, h('0100' + '02080000000000000226' + 'fd00fe020226'))).toBe(L.BOLT12_OK);
  });
});

describe('merkle root (signature-test.json)', () => {
  const v = vec('signature-test.json');
  const streamOf = (c: any) => c.bolt12 ? bolt12Bytes(c.bolt12)
    : h(c.leaves.map((l: any) => Object.keys(l)[0].match(/LnLeaf`,([0-9a-f]+)\)/)![1]).join(''));
  for (const c of v) {
    it(c.comment.slice(0, 80), () => {
      const s = streamOf(c);
      expect(refRoot(s)).toBe(c.merkle); // the reference itself
      expect(devRoot(s)).toEqual({ code: L.BOLT12_OK, root: c.merkle });
      expect(x(host.merkleRoot(s))).toBe(c.merkle);
      if (c.signature_tag) {
        const m = c['H(signature_tag,merkle)'];
        expect(x(tagged(ascii(c.signature_tag), h(c.merkle)))).toBe(m);
        expect(devSighash(L.BOLT12_KIND_INVOICE_REQUEST, s)).toEqual({ code: L.BOLT12_OK, m });
        expect(devSighashTagged(L.BOLT12_KIND_INVOICE_REQUEST, 'invoice_request', 'signature', s)).toEqual({ code: L.BOLT12_OK, m });
        expect(devSighashTagged(L.BOLT12_KIND_ANY, 'invoice_request', 'signature', s)).toEqual({ code: L.BOLT12_OK, m });
        // and the vector's signature verifies under invreq_payer_id (type 88)
        const payer = records(s).find((r) => r.type === 88n)!.raw.subarray(2);
        expect(schnorr.verify(h(c.signature), h(m), payer.subarray(1))).toBe(true);
      }
    });
  }
  it('the leaf/nonce/branch intermediates of case 2 (tree shape)', () => {
    // Root of 2 leaves = branch of the two leaf branches (listed in the vector).
    const c = v[1];
    const [b1, b2] = c.leaves.map((l: any) => Object.values(l)[2] as string);
    expect(x(branch(h(b1), h(b2)))).toBe(c.merkle);
  });
});

describe('signed messages from Core Lightning (cln-rpc-examples.json)', () => {
  const txt = readFileSync(new URL('./vectors/cln-rpc-examples.json', import.meta.url), 'utf8');
  const strings = [...new Set(txt.match(/ln[ir]1[a-z0-9]+/g) ?? [])];
  it('has invoices and invoice_requests to check', () => {
    expect(strings.filter((s) => s.startsWith('lni')).length).toBeGreaterThanOrEqual(2);
    expect(strings.filter((s) => s.startsWith('lnr')).length).toBeGreaterThanOrEqual(1);
  });
  for (const s of strings) {
    it(`${s.slice(0, 24)}…: device signature message verifies the signature`, () => {
      const bytes = bolt12Bytes(s);
      const isInvoice = s.startsWith('lni');
      const kind = isInvoice ? L.BOLT12_KIND_INVOICE : L.BOLT12_KIND_INVOICE_REQUEST;
      expect(devValidate(kind, bytes)).toBe(L.BOLT12_OK);
      const root = devRoot(bytes);
      expect(root.root).toBe(refRoot(bytes));
      expect(x(host.merkleRoot(bytes))).toBe(root.root);
      const { code, m } = devSighash(kind, bytes);
      expect(code).toBe(L.BOLT12_OK);
      const recs = records(bytes);
      const keyType = isInvoice ? 176n : 88n;
      const key = recs.find((r) => r.type === keyType)!.raw.subarray(2);
      const sig = recs.find((r) => r.type === 240n)!.raw.subarray(2);
      expect(schnorr.verify(sig, h(m!), key.subarray(1))).toBe(true);
      // The wrong message name must not verify.
      const other = devSighash(isInvoice ? L.BOLT12_KIND_INVOICE_REQUEST : L.BOLT12_KIND_INVOICE, bytes);
      if (other.code === L.BOLT12_OK) expect(schnorr.verify(sig, h(other.m!), key.subarray(1))).toBe(false);
    });
  }
});

describe('offers (offers-test.json, format-string-test.json)', () => {
  const offers = vec('offers-test.json');
  for (const c of offers.filter((o: any) => o.valid)) {
    it(`valid: ${c.description}`, () => {
      const s = bolt12Bytes(c.bolt12);
      expect(devValidate(L.BOLT12_KIND_OFFER, s)).toBe(L.BOLT12_OK);
      const r = devRoot(s);
      expect(r).toEqual({ code: L.BOLT12_OK, root: refRoot(s) });
      expect(x(host.merkleRoot(s))).toBe(r.root);
    });
  }
  it('invalid offers: the device rejects exactly those with broken framing, or types outside the offer ranges', () => {
    for (const c of offers.filter((o: any) => !o.valid)) {
      let s: Uint8Array;
      try { s = bolt12Bytes(c.bolt12); } catch { continue; } // bech32-level failure
      let framed = true;
      try { records(s); if (x(cat(...records(s).map((r) => r.raw))) !== x(s)) framed = false; } catch { framed = false; }
      const code = devValidate(L.BOLT12_KIND_OFFER, s);
      {
        let hostOk = true;
        try { host.merkleRoot(s); } catch { hostOk = false; }
        expect(devRoot(s).code === L.BOLT12_OK, c.description).toBe(hostOk);
      }
      if (/type >= 80|fields out of order|truncated (at|in|after)/.test(c.description)) expect(code, c.description).not.toBe(L.BOLT12_OK);
      if (c.description === 'Contains type >= 80') expect(code).toBe(L.BOLT12_ERR_TYPE_RANGE);
      if (code === L.BOLT12_OK) expect(framed, c.description).toBe(true);
    }
  });
  it('every valid format string gives the same root', () => {
    const roots = vec('format-string-test.json').filter((c: any) => c.valid).map((c: any) => devRoot(bolt12Bytes(c.string)).root);
    expect(roots.length).toBeGreaterThan(3);
    expect(new Set(roots).size).toBe(1);
  });
});

describe('BOLT 12 range rules per message kind', () => {
  const one = (t: bigint) => record(t, Uint8Array.of(1));
  const cases: [number, bigint, number][] = [
    [L.BOLT12_KIND_OFFER, 0n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_OFFER, 1n, L.BOLT12_OK],
    [L.BOLT12_KIND_OFFER, 79n, L.BOLT12_OK],
    [L.BOLT12_KIND_OFFER, 80n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_OFFER, 240n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_OFFER, 999999999n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_OFFER, 1000000000n, L.BOLT12_OK],
    [L.BOLT12_KIND_OFFER, 1999999999n, L.BOLT12_OK],
    [L.BOLT12_KIND_OFFER, 2000000000n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_INVOICE_REQUEST, 0n, L.BOLT12_OK],
    [L.BOLT12_KIND_INVOICE_REQUEST, 159n, L.BOLT12_OK],
    [L.BOLT12_KIND_INVOICE_REQUEST, 160n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_INVOICE_REQUEST, 240n, L.BOLT12_OK],
    [L.BOLT12_KIND_INVOICE_REQUEST, 1000n, L.BOLT12_OK],
    [L.BOLT12_KIND_INVOICE_REQUEST, 1001n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_INVOICE_REQUEST, 2999999999n, L.BOLT12_OK],
    [L.BOLT12_KIND_INVOICE_REQUEST, 3000000000n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_INVOICE, 176n, L.BOLT12_OK],
    [L.BOLT12_KIND_INVOICE, 239n, L.BOLT12_OK],
    [L.BOLT12_KIND_INVOICE, 1001n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_INVOICE, 3999999999n, L.BOLT12_OK],
    [L.BOLT12_KIND_INVOICE, 4000000000n, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_INVOICE, 0xffffffffffffffffn, L.BOLT12_ERR_TYPE_RANGE],
    [L.BOLT12_KIND_ANY, 0xffffffffffffffffn, L.BOLT12_OK],
  ];
  for (const [kind, t, want] of cases) {
    it(`kind ${kind}, type ${t} -> ${want}`, () => {
      const s = cat(record(1n, new Uint8Array(0)).subarray(0, t > 1n ? 2 : 0), one(t));
      expect(devValidate(kind, s)).toBe(want);
      if (kind >= L.BOLT12_KIND_INVOICE_REQUEST) {
        const r = devSighash(kind, s);
        expect(r.code).toBe(want);
      }
    });
  }
  it('offers are never signed; unknown kinds are refused', () => {
    const s = record(10n, ascii('x'));
    expect(devSighash(L.BOLT12_KIND_OFFER, s).code).toBe(L.BOLT12_ERR_BAD_KIND);
    expect(devSighash(L.BOLT12_KIND_ANY, s).code).toBe(L.BOLT12_ERR_BAD_KIND);
    expect(devSighash(4, s).code).toBe(L.BOLT12_ERR_BAD_KIND);
    expect(devSighash(-1, s).code).toBe(L.BOLT12_ERR_BAD_KIND);
    expect(devValidate(4, s)).toBe(L.BOLT12_ERR_BAD_KIND);
    expect(devSighashTagged(9, 'invoice', 'signature', s).code).toBe(L.BOLT12_ERR_BAD_KIND);
  });
  it('sighash = H("lightning" ‖ messagename ‖ fieldname, root) for any names', () => {
    const s = cat(record(0n, h('0102')), record(88n, h('03'.repeat(33))));
    const root = h(refRoot(s)!);
    expect(devSighash(L.BOLT12_KIND_INVOICE, s).m).toBe(x(tagged(ascii('lightninginvoicesignature'), root)));
    expect(devSighashTagged(L.BOLT12_KIND_ANY, 'invoice', 'signature', s).m).toBe(x(tagged(ascii('lightninginvoicesignature'), root)));
    expect(devSighashTagged(L.BOLT12_KIND_ANY, 'invoice_request', 'other_sig', s).m)
      .toBe(x(tagged(ascii('lightninginvoice_requestother_sig'), root)));
    expect(devSighashTagged(L.BOLT12_KIND_ANY, '', '', s).m).toBe(x(tagged(ascii('lightning'), root)));
  });
});

describe('limits and arguments', () => {
  it(`accepts a stream of exactly ${L.BOLT12_MAX_MESSAGE} bytes with as many records as fit, and refuses one byte more`, () => {
    // Smallest records: 1-byte types 0..252 with empty values (2 bytes), then
    // 3-byte types (4 bytes), until the stream is exactly the maximum.
    const parts: Uint8Array[] = [];
    let size = 0, t = 0n;
    while (size + (t < 0xfdn ? 2 : 4) <= L.BOLT12_MAX_MESSAGE - 4) {
      const r = record(t, new Uint8Array(0));
      parts.push(r); size += r.length; t++;
    }
    parts.push(record(t, new Uint8Array(L.BOLT12_MAX_MESSAGE - size - 4)));
    const s = cat(...parts);
    expect(s.length).toBe(L.BOLT12_MAX_MESSAGE);
    expect(parts.length).toBeGreaterThan(2000);
    expect(parts.length).toBeLessThanOrEqual(L.BOLT12_MAX_RECORDS);
    expect(devRoot(s)).toEqual({ code: L.BOLT12_OK, root: refRoot(s) });
    expect(x(host.merkleRoot(s))).toBe(refRoot(s));
    const longer = cat(s, record(t + 1n, new Uint8Array(0))).subarray(0, L.BOLT12_MAX_MESSAGE + 1);
    expect(devRoot(longer).code).toBe(L.BOLT12_ERR_TOO_LONG);
    expect(devValidate(L.BOLT12_KIND_ANY, longer)).toBe(L.BOLT12_ERR_TOO_LONG);
    expect(devSighash(L.BOLT12_KIND_INVOICE, longer).code).toBe(L.BOLT12_ERR_TOO_LONG);
    expect(E.bolt12_max_message()).toBe(L.BOLT12_MAX_MESSAGE);
  });
  it('every power-of-two boundary of the leaf count (1..70 records) matches the reference', () => {
    for (let n = 1; n <= 70; n++) {
      const s = cat(...Array.from({ length: n }, (_, i) => record(BigInt(i * 3), Uint8Array.of(i))));
      expect(devRoot(s).root, `n=${n}`).toBe(refRoot(s));
    }
  });
  it('a stream with only signature records has no merkle root', () => {
    expect(devRoot(cat(record(240n, new Uint8Array(64)), record(1000n, new Uint8Array(0)))).code).toBe(L.BOLT12_ERR_NO_RECORDS);
    expect(devRoot(new Uint8Array(0)).code).toBe(L.BOLT12_ERR_NO_RECORDS);
  });
  it('the nonce seed is the first non-signature record', () => {
    const s = cat(record(240n, new Uint8Array(64)), record(1001n, h('aa')), record(1002n, h('bbcc')));
    expect(devRoot(s).root).toBe(refRoot(s.subarray(2 + 64)));
  });
  it('arguments outside memory give BOLT12_ERR_ARG, not a trap', () => {
    const end = fw.memory.buffer.byteLength;
    expect(E.bolt12_merkle_root(end - 2, 4, OUT)).toBe(L.BOLT12_ERR_ARG);
    expect(E.bolt12_merkle_root(IN, 2, end - 16)).toBe(L.BOLT12_ERR_ARG);
    expect(E.bolt12_validate(0, -1, 2)).toBe(L.BOLT12_ERR_ARG);
    expect(E.bolt12_sighash(2, IN, 0, end)).toBe(L.BOLT12_ERR_ARG);
    expect(E.bolt12_sighash_tagged(2, end, 1, IN, 0, IN, 0, OUT)).toBe(L.BOLT12_ERR_ARG);
    expect(E.bolt12_bigsize_decode(end, 1, OUT)).toBe(-3);
  });
});

describe('properties (fast-check)', () => {
  const CODES = new Set([L.BOLT12_OK, L.BOLT12_ERR_TYPE_TRUNCATED, L.BOLT12_ERR_TYPE_NOT_MINIMAL, L.BOLT12_ERR_LENGTH_TRUNCATED,
    L.BOLT12_ERR_LENGTH_NOT_MINIMAL, L.BOLT12_ERR_VALUE_TRUNCATED, L.BOLT12_ERR_TYPE_ORDER, L.BOLT12_ERR_NO_RECORDS,
    L.BOLT12_ERR_TYPE_RANGE]);

  it('device root = reference root = host root on random well-framed streams', () => {
    fc.assert(fc.property(recordsArb(40, 80), (s) => {
      const r = devRoot(s);
      const ref = refRoot(s);
      if (ref === undefined) return r.code === L.BOLT12_ERR_NO_RECORDS;
      if (x(host.merkleRoot(s)) !== ref) return false;
      return r.code === L.BOLT12_OK && r.root === ref;
    }), { numRuns: 400 });
  });

  it('the signature message is H(tag, reference root) for random invoice_request-shaped streams', () => {
    const invreqTypes = fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 159 }), fc.integer({ min: 240, max: 1000 })), { minLength: 1, maxLength: 20 });
    fc.assert(fc.property(invreqTypes, fc.uint8Array({ maxLength: 40 }), (types, v) => {
      const s = cat(...[...types].sort((a, b) => a - b).map((t) => record(BigInt(t), v)));
      const ref = refRoot(s);
      const r = devSighash(L.BOLT12_KIND_INVOICE_REQUEST, s);
      if (ref === undefined) return r.code === L.BOLT12_ERR_NO_RECORDS;
      return r.m === x(tagged(ascii('lightninginvoice_requestsignature'), h(ref)));
    }), { numRuns: 200 });
  });

  it('random bytes never trap, and the device accepts exactly what the reference framing accepts', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 3 }), (s, kind) => {
      const v = devValidate(kind, s);
      const r = devRoot(s);
      const m = devSighash(kind, s);
      if (!CODES.has(v) || !CODES.has(r.code) || !(CODES.has(m.code) || m.code === L.BOLT12_ERR_BAD_KIND)) return false;
      const strict = strictFraming(s);
      return (devValidate(L.BOLT12_KIND_ANY, s) === L.BOLT12_OK) === strict;
    }), { numRuns: 2000 });
  });

  it('mutated valid streams never trap; when still accepted their root matches the reference (and host)', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0xfc, 0xfd, 0xfe, 0xff) }),
      fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
    );
    fc.assert(fc.property(recordsArb(12, 40), fc.array(mutation, { minLength: 1, maxLength: 3 }), (base, muts) => {
      let s = Uint8Array.from(base);
      for (const m of muts) {
        const at = s.length ? m.at % (s.length + (m.op === 'insert' ? 1 : 0)) : 0;
        if (m.op === 'flip' && s.length) s[at] ^= 1 << m.bit;
        else if (m.op === 'set' && s.length) s[at] = m.byte;
        else if (m.op === 'cut') s = s.subarray(0, at);
        else if (m.op === 'insert') s = cat(s.subarray(0, at), Uint8Array.of(m.byte), s.subarray(at));
        else if (m.op === 'delete' && s.length) s = cat(s.subarray(0, at), s.subarray(at + 1));
      }
      const r = devRoot(s);
      if (!CODES.has(r.code)) return false;
      const strict = strictFraming(s);
      if ((r.code === L.BOLT12_OK || r.code === L.BOLT12_ERR_NO_RECORDS) !== strict) return false;
      if (r.code !== L.BOLT12_OK) return true;
      if (x(host.merkleRoot(s)) !== r.root) return false;
      return r.root === refRoot(s);
    }), { numRuns: 1500 });
  });
});

/** BOLT 1 framing, written independently of the device: minimal BigSizes, lengths in bounds, increasing types. */
function strictFraming(s: Uint8Array): boolean {
  let p = 0;
  let last: bigint | undefined;
  const read = (): bigint | undefined => {
    if (p >= s.length) return undefined;
    const b = s[p++];
    if (b < 0xfd) return BigInt(b);
    const n = b === 0xfd ? 2 : b === 0xfe ? 4 : 8;
    if (p + n > s.length) return undefined;
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(s[p++]);
    const min = n === 2 ? 0xfdn : n === 4 ? 0x10000n : 0x100000000n;
    return v < min ? undefined : v;
  };
  while (p < s.length) {
    const t = read();
    if (t === undefined || (last !== undefined && t <= last)) return false;
    last = t;
    const l = read();
    if (l === undefined || l > BigInt(s.length - p)) return false;
    p += Number(l);
  }
  return true;
}

describe('self-test', () => {
  it('passes (BOLT 12 KATs, codes 200-299)', () => {
    expect(E.selftest()).toBe(0);
  });
});

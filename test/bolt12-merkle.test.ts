// Merkle root, signature tag and BIP-340 signature: every case of
// signature-test.json, leaf by leaf, plus properties against a naive tree.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import * as secp from '@noble/secp256k1';
import {
  TlvError, branch, decodeBolt12String, decodeInvoiceRequest, encodeTlvStream, merkleRoot, readTlvRecords,
  signatureMessage, taggedHash, verifyBolt12Signature,
} from '../host/bolt12/index.js';

type Case = Record<string, any>;
const cases: Case[] = JSON.parse(readFileSync(new URL('./vectors/signature-test.json', import.meta.url), 'utf8'));
const H = hex.encode;
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const concat = (...p: Uint8Array[]) => Uint8Array.from(p.flatMap((x) => [...x]));

/** The records of a case, from its `H(\`LnLeaf\`,<record>)` keys. */
const recordsOf = (c: Case) =>
  c.leaves.map((l: Record<string, string>) => Object.keys(l).find((k) => k.startsWith('H(`LnLeaf`,'))!.slice(11, -1));

describe('signature-test.json', () => {
  for (const c of cases) {
    it(c.comment, () => {
      const stream = c.bolt12 ? decodeBolt12String(c.bolt12).bytes : hex.decode(recordsOf(c).join(''));
      expect(H(merkleRoot(stream))).toBe(c.merkle);
      // Each leaf: H(LnLeaf, record), H(LnNonce‖first, type) and their branch.
      const first = hex.decode(c['first-tlv']);
      const recs = readTlvRecords(stream).filter((r) => r.type < 240n || r.type > 1000n);
      expect(recs.map((r) => H(r.raw))).toEqual(recordsOf(c));
      c.leaves.forEach((l: Record<string, string>, i: number) => {
        const [leaf, nonce, br] = Object.values(l);
        const r = recs[i];
        const typeBytes = r.raw.subarray(0, r.raw.length - r.value.length - (r.value.length < 0xfd ? 1 : 3));
        expect(H(taggedHash('LnLeaf', r.raw))).toBe(leaf);
        expect(H(taggedHash(concat(ascii('LnNonce'), first), typeBytes))).toBe(nonce);
        expect(H(branch(hex.decode(leaf), hex.decode(nonce)))).toBe(br);
      });
      for (const b of c.branches) {
        const [key, value] = Object.entries(b).find(([k]) => k.startsWith('H('))! as [string, string];
        const pair = key.slice('H(`LnBranch`,'.length, -1);
        expect(H(branch(hex.decode(pair.slice(0, 64)), hex.decode(pair.slice(64))))).toBe(value);
      }
      if (c.signature) {
        const m = signatureMessage('invoice_request', 'signature', hex.decode(c.merkle));
        expect(H(m)).toBe(c['H(signature_tag,merkle)']);
        expect(H(taggedHash(c.signature_tag, hex.decode(c.merkle)))).toBe(c['H(signature_tag,merkle)']);
        const req = decodeInvoiceRequest(c.bolt12);
        expect(H(req.fields.signature!)).toBe(c.signature);
        expect(verifyBolt12Signature('invoice_request', req.records, req.fields.invreq_payer_id!, req.fields.signature!)).toBe(true);
        // BIP-340 signing with zero aux_rand and Bob's key reproduces it (test-side signing only).
        const sig = secp.schnorr.sign(m, new Uint8Array(32).fill(0x42), new Uint8Array(32));
        expect(H(sig)).toBe(c.signature);
      }
    });
  }
});

/** Straight recursive definition: split at the largest power of two below n. */
function naiveRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return branch(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

describe('merkleRoot properties', () => {
  const stream = fc
    .uniqueArray(fc.bigInt({ min: 0n, max: 3000000000n }), { minLength: 1, maxLength: 20 })
    .chain((ts) => fc.tuple(...ts.map((t) => fc.uint8Array({ maxLength: 40 }).map((value) => ({ type: t, value })))))
    .map((es) => encodeTlvStream(es));

  it('matches the recursive power-of-two definition and ignores signature records', () => {
    fc.assert(fc.property(stream, (s) => {
      const recs = readTlvRecords(s).filter((r) => r.type < 240n || r.type > 1000n);
      fc.pre(recs.length > 0);
      const first = concat(ascii('LnNonce'), recs[0].raw);
      const leaves = recs.map((r) =>
        branch(taggedHash('LnLeaf', r.raw), taggedHash(first, r.raw.subarray(0, r.raw.length - r.value.length - (r.value.length < 0xfd ? 1 : 3)))));
      expect(H(merkleRoot(s))).toBe(H(naiveRoot(leaves)));
      const noSig = encodeTlvStream(recs);
      expect(H(merkleRoot(noSig))).toBe(H(merkleRoot(s)));
    }));
  });
  it('refuses a malformed stream or one with only signature records', () => {
    expect(() => merkleRoot(hex.decode('0105'))).toThrow(TlvError);
    expect(() => merkleRoot(hex.decode('f00100'))).toThrow(/no non-signature records/);
  });
});

// BOLT 12 payer proofs on the host (host/bolt12/payer-proof.ts): the
// lightning/bolts payer-proof-test.json vectors byte for byte (writer and
// reader), a @noble cross-check of the Merkle roots and signatures with an
// independent naive tree, decode round trips and a property that malformed
// proofs only ever fail as decode errors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import {
  Bolt12Error, attachProofSignature, buildUnsignedPayerProof, decodeBolt12String, decodePayerProof, decodeToJson,
  encodePayerProof, nextMarker, payerProofProblem, proofInvoiceRoot, proofSignatureValid, readTlvRecords, verifyPayerProof,
  ProofInputError,
} from '../host/bolt12/index.js';
import { decodeString } from '../host/commands/decode.js';
import '../host/crypto/noble.js';

const V = JSON.parse(readFileSync(new URL('./vectors/payer-proof-test.json', import.meta.url), 'utf8'));
const H = hex.encode;
const X = hex.decode;
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const cat = (...p: Uint8Array[]) => Uint8Array.from(p.flatMap((x) => [...x]));
const tagged = (tag: Uint8Array, msg: Uint8Array) => { const t = sha256(tag); return sha256(cat(t, t, msg)); };

/** Naive BOLT 12 tree, level by level (independent of the codec). */
function naiveRoot(records: { raw: Uint8Array; typeBytes: Uint8Array }[]): Uint8Array {
  const br = (a: Uint8Array, b: Uint8Array) => (H(a) < H(b) ? tagged(ascii('LnBranch'), cat(a, b)) : tagged(ascii('LnBranch'), cat(b, a)));
  const nonceTag = cat(ascii('LnNonce'), records[0].raw);
  let level = records.map((r) => br(tagged(ascii('LnLeaf'), r.raw), tagged(nonceTag, r.typeBytes)));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(br(level[i], level[i + 1]));
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}
const treeRecords = (stream: Uint8Array) => readTlvRecords(stream)
  .filter((r) => r.type < 240n || r.type > 1000n)
  .map((r) => ({ raw: r.raw, typeBytes: r.raw.subarray(0, r.valueOffset - r.offset - (r.value.length < 0xfd ? 1 : r.value.length <= 0xffff ? 3 : 5)) }));

const payerKey = X(V.keys.invreq_payer_id.secret);
const payerPub = X(V.keys.invreq_payer_id.pubkey);

describe('payer-proof-test.json: valid vectors', () => {
  for (const v of V.valid_vectors) {
    describe(v.name, () => {
      const proof = decodePayerProof(v.result.bech32);

      it('decodes to the listed proof_fields, and the invoice string to invoice_hex', () => {
        expect(H(decodeBolt12String(v.input.invoice).bytes)).toBe(v.input.invoice_hex);
        expect(proof.records.map((r) => ({ type: Number(r.type), len: r.value.length, hex: H(r.value) }))).toEqual(v.result.proof_fields);
        expect(H(proof.proofSignature!)).toBe(v.result.payer_sig);
      });

      it('passes every reader rule; the rebuilt invoice root is invoice_merkle_root', () => {
        expect(payerProofProblem(proof)).toBeUndefined();
        expect(H(proofInvoiceRoot(proof))).toBe(v.working.invoice_merkle_root);
        expect(verifyPayerProof(v.result.bech32).preimage).toEqual(X(v.input.preimage));
      });

      it('the writer reproduces leaf hashes, markers, missing hashes, proof root and the stream', () => {
        const include = v.input.invoice_fields.filter((f: any) => f.included).map((f: any) => BigInt(f.type));
        const u = buildUnsignedPayerProof({ invoice: X(v.input.invoice_hex), preimage: X(v.input.preimage), include, note: v.input.note });
        expect(u.disclosure.leafHashes.map(H)).toEqual(v.working.proof_leaf_hashes);
        expect(u.disclosure.omittedMarkers.map(Number)).toEqual(v.working.proof_omitted_tlvs);
        expect(u.disclosure.missingHashes.map(H)).toEqual(v.working.proof_missing_hashes);
        expect(H(u.disclosure.invoiceRoot)).toBe(v.working.invoice_merkle_root);
        const full = attachProofSignature(u, X(v.result.payer_sig));
        if (v.name === 'empty_proof_omitted_tlvs_explicit') {
          // The vector writes an empty proof_omitted_tlvs, which a writer MAY
          // leave out (as Core Lightning and this writer do): same proof
          // without that record, whose root then differs.
          expect(proof.records.find((r) => r.type === 1002n)!.value.length).toBe(0);
          const without = cat(...proof.records.filter((r) => r.type !== 1002n).map((r) => r.raw));
          expect(readTlvRecords(full).map((r) => r.type)).toEqual(readTlvRecords(without).map((r) => r.type));
          expect(H(u.stream)).toBe(H(cat(...readTlvRecords(without).filter((r) => r.type !== 241n).map((r) => r.raw))));
        } else {
          expect(H(u.proofRoot)).toBe(v.working.proof_merkle_root);
          expect(encodePayerProof(full)).toBe(v.result.bech32);
          expect(proofSignatureValid(u, X(v.result.payer_sig))).toBe(true);
        }
      });

      it('@noble cross-check: naive invoice root, invoice signature, proof root and proof signature', () => {
        const inv = X(v.input.invoice_hex);
        const root = naiveRoot(treeRecords(inv));
        expect(H(root)).toBe(v.working.invoice_merkle_root);
        expect(H(tagged(ascii('lightninginvoicesignature'), root))).toBe(v.working.invoice_sighash);
        expect(secp.schnorr.verify(X(v.working.invoice_signature), X(v.working.invoice_sighash), X(V.keys.invoice_node_id.pubkey).subarray(1))).toBe(true);
        const proofRoot = naiveRoot(treeRecords(proof.bytes));
        expect(H(proofRoot)).toBe(v.working.proof_merkle_root);
        const m = tagged(ascii('lightningpayer_proofproof_signature'), proofRoot);
        expect(secp.schnorr.verify(X(v.result.payer_sig), m, payerPub.subarray(1))).toBe(true);
        // A signature made here with the vector's payer secret verifies as a proof signature too.
        const ours = secp.schnorr.sign(m, payerKey, new Uint8Array(32));
        const u = buildUnsignedPayerProof({
          invoice: inv, preimage: X(v.input.preimage), note: v.input.note,
          include: v.input.invoice_fields.filter((f: any) => f.included).map((f: any) => BigInt(f.type)),
        });
        if (v.name !== 'empty_proof_omitted_tlvs_explicit') expect(proofSignatureValid(u, ours)).toBe(true);
      });
    });
  }
});

describe('payer-proof-test.json: invalid vectors are rejected for their reason', () => {
  const EXPECT: Record<string, RegExp> = {
    missing_invreq_payer_id: /missing invreq_payer_id/,
    missing_invoice_payment_hash: /missing invoice_payment_hash/,
    missing_invoice_node_id: /missing invoice_node_id/,
    missing_signature: /missing signature/,
    missing_proof_preimage: /missing proof_preimage/,
    missing_proof_missing_hashes: /missing proof_missing_hashes/,
    missing_proof_leaf_hashes: /missing proof_leaf_hashes/,
    missing_proof_signature: /missing proof_signature/,
    wrong_proof_preimage: /does not hash to invoice_payment_hash/,
    proof_omitted_tlvs_not_ascending: /is not above/,
    proof_omitted_tlvs_contains_zero: /is 0/,
    proof_omitted_tlvs_contains_signature_field: /not a marker number/,
    proof_omitted_tlvs_contains_proof_field: /not a marker number/,
    proof_omitted_tlvs_contains_high_field: /not a marker number/,
    proof_omitted_tlvs_contains_included_tlv_field: /is an included field/,
    proof_omitted_tlvs_not_sequential: /follows neither/,
    proof_leaf_hashes_too_few: /not enough proof_leaf_hashes/,
    proof_leaf_hashes_too_many: /too many proof_leaf_hashes/,
    proof_missing_hashes_too_few: /not enough proof_missing_hashes/,
    proof_missing_hashes_too_many: /too many proof_missing_hashes/,
    wrong_invoice_signature: /signature does not verify for invoice_node_id/,
    wrong_proof_signature: /proof_signature does not verify/,
    contains_invreq_metadata: /contains invreq_metadata/,
  };
  it('covers every vector of the file', () => {
    expect(V.invalid_vectors.map((v: any) => v.reason).sort()).toEqual(Object.keys(EXPECT).sort());
  });
  for (const v of V.invalid_vectors) {
    it(v.reason, () => {
      expect(payerProofProblem(decodePayerProof(v.bech32))).toMatch(EXPECT[v.reason]);
      expect(() => verifyPayerProof(v.bech32)).toThrow(Bolt12Error);
      const j = decodeToJson(v.bech32).json;
      expect(j.valid).toBe(false);
      expect(String(j.warning_invalid_payer_proof)).toMatch(EXPECT[v.reason]);
    });
  }
});

describe('markers and inputs', () => {
  it('next_marker jumps from 239 over the signature and proof ranges', () => {
    expect([0n, 1n, 238n, 239n, 240n, 999999999n, 1000000000n, 3999999998n].map(nextMarker))
      .toEqual([1n, 2n, 239n, 1000000000n, 1000000000n, 1000000000n, 1000000001n, 3999999999n]);
  });

  const v = V.valid_vectors[1];
  it('refuses a wrong preimage, a tampered invoice and invreq_metadata in the include list', () => {
    const inv = X(v.input.invoice_hex);
    expect(() => buildUnsignedPayerProof({ invoice: inv, preimage: new Uint8Array(32) })).toThrow(ProofInputError);
    // A byte of invoice_amount (170, value 03e8) changed: the signature no longer verifies.
    const bad = inv.slice();
    const at = H(inv).indexOf('aa0203e8') / 2 + 3;
    bad[at] ^= 1;
    expect(() => buildUnsignedPayerProof({ invoice: bad, preimage: X(v.input.preimage) })).toThrow(/signature does not verify/);
    expect(() => buildUnsignedPayerProof({ invoice: inv, preimage: X(v.input.preimage), include: [0n] })).toThrow(/never disclosed/);
  });

  it('the default disclosure is Core Lightning\'s (offer_description, offer_issuer_id, created_at, amount when present)', () => {
    const u = buildUnsignedPayerProof({ invoice: X(v.input.invoice_hex), preimage: X(v.input.preimage) });
    expect(u.includedTypes).toEqual([22n, 88n, 164n, 168n, 170n, 176n]);
  });
});

describe('decode (CLN layout) of proofs', () => {
  it('prints the fields in Core Lightning\'s order, valid:true', () => {
    const v = V.valid_vectors[2]; // with_note
    const r = decodeString(v.result.bech32);
    expect('result' in r).toBe(true);
    const j = (r as any).result;
    expect(Object.keys(j)).toEqual([
      'type', 'invreq_payer_id', 'invoice_payment_hash', 'invoice_node_id', 'signature', 'proof_preimage',
      'proof_omitted_tlvs', 'proof_missing_hashes', 'proof_leaf_hashes', 'proof_note', 'proof_signature', 'valid',
    ]);
    expect(j.type).toBe('bolt12 payer_proof');
    expect(j.proof_note).toBe('test note');
    expect(j.proof_omitted_tlvs).toEqual([1n, 2n, 89n, 90n, 91n, 169n]);
    expect(j.valid).toBe(true);
  });

  it('lists unknown odd records (the experimental 3000000001) and disclosed offer/invoice fields', () => {
    const j = decodeToJson(V.valid_vectors[0].result.bech32).json;
    expect(j.unknown_payer_proof_tlvs).toEqual([{ type: 3000000001n, length: 1, value: '42' }]);
    expect(j.offer_issuer_id).toBe(V.keys.offer_issuer_id.pubkey);
    expect(j.invoice_amount_msat).toBe(1000n);
    expect(j.valid).toBe(true);
  });

  it('round trip: a proof built here decodes, verifies and re-encodes to the same string', () => {
    fc.assert(fc.property(
      fc.subarray([22n, 82n, 160n, 162n, 164n, 170n, 174n], { minLength: 0 }),
      fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
      (include, note) => {
        const v = V.valid_vectors[0];
        const u = buildUnsignedPayerProof({ invoice: X(v.input.invoice_hex), preimage: X(v.input.preimage), include: [...include, 3000000001n], note });
        const sig = secp.schnorr.sign(u.sighash, payerKey, new Uint8Array(32));
        const text = encodePayerProof(attachProofSignature(u, sig));
        const p = verifyPayerProof(text);
        expect(p.note).toBe(note);
        expect(encodePayerProof(p.bytes)).toBe(text);
        const j = decodeToJson(text).json;
        expect(j.valid).toBe(true);
      },
    ), { numRuns: 40 });
  });
});

describe('malformed proofs fail only as decode errors', () => {
  const base = decodeBolt12String(V.valid_vectors[2].result.bech32).bytes;
  it('byte flips, cuts and insertions: a Bolt12Error or valid:false, never another exception', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')), { minLength: 1, maxLength: 4 }),
      (edits) => {
        let b = base.slice();
        for (const [at, val, op] of edits) {
          const i = at % Math.max(1, b.length);
          if (op === 'set') b[i] = val;
          else if (op === 'cut') b = b.slice(0, i);
          else b = cat(b.slice(0, i), Uint8Array.of(val), b.slice(i));
        }
        const text = encodePayerProof(b);
        try {
          const j = decodeToJson(text).json;
          expect(typeof j.valid).toBe('boolean');
        } catch (e) {
          expect(e).toBeInstanceOf(Bolt12Error);
        }
        try {
          verifyPayerProof(text);
        } catch (e) {
          expect(e).toBeInstanceOf(Bolt12Error);
        }
      },
    ), { numRuns: 300 });
  });
});

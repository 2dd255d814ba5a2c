// sign_payer_proof (0x29) on the firmware (WASM chip, provisioned with a CLN
// hsm_secret): the device builds the proof of a paid invoice itself and signs
// it with the payer key of the request; its root equals the host codec's for
// every disclosure and note, the signature verifies with @noble, the whole
// lnp1 proof passes the reader rules; refusals name their rule (wrong
// preimage, an invoice for another payer key, a tampered invoice, bad include
// list, bad note); random payloads never trap.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../host/crypto/noble.js';
import * as P from '../shared/protocol.js';
import {
  attachProofSignature, buildUnsignedPayerProof, encodePayerProof, encodeTlvStream, merkleRoot, readTlvRecords, signatureMessage,
  verifyPayerProof, type UnsignedPayerProof,
} from '../host/bolt12/index.js';
import {
  ProofRuleError, encodeSignPayerProof, proofSignRequest, signPayerProofOn, verifySignPayerProofReply,
} from '../host/device-client/proof-requests.js';
import { DeviceError } from '../host/transport/errors.js';
import { ChipRefusal, chipCall, provisionedChip, refusalOf } from './helpers/chip.js';
import { keyCases, payerKeyRef } from './helpers/device-requests.js';
import { h, vector } from './helpers/bytes.js';

const V = vector('payer-proof-test.json');
const K = keyCases[0];
const { chip, nodeId } = provisionedChip(K.file);
const call = (type: number, payload: Uint8Array) => chipCall(chip, type, payload);
const MERCHANT = h(V.keys.invoice_node_id.secret);
const PREIMAGE = h('11'.repeat(32));
const META = h('c15842a4877db5b1c15842a4877db5b1');
const ours = payerKeyRef(K.secretData, K.nodePriv, META);

type Rec = { type: bigint; value: Uint8Array };
/** The vector's full invoice with our metadata, payer id and payment hash, signed by the merchant key. */
function invoice(opts: { meta?: Uint8Array; payerId?: Uint8Array; preimage?: Uint8Array; extra?: Rec[]; signer?: Uint8Array } = {}): Uint8Array {
  const base = readTlvRecords(h(V.valid_vectors[0].input.invoice_hex)).filter((r) => r.type !== 240n);
  const set = new Map<bigint, Uint8Array>(base.map((r) => [r.type, r.value]));
  set.set(0n, opts.meta ?? META);
  set.set(88n, opts.payerId ?? h(ours.id));
  set.set(168n, sha256(opts.preimage ?? PREIMAGE));
  for (const e of opts.extra ?? []) set.set(e.type, e.value);
  const unsigned = encodeTlvStream([...set].map(([type, value]) => ({ type, value })));
  const m = signatureMessage('invoice', 'signature', merkleRoot(unsigned));
  const sig = secp.schnorr.sign(m, opts.signer ?? MERCHANT, new Uint8Array(32));
  return encodeTlvStream([...set].map(([type, value]) => ({ type, value })).concat([{ type: 240n, value: sig }]));
}

function devSign(u: UnsignedPayerProof) {
  return verifySignPayerProofReply(u, call(P.MSG_SIGN_PAYER_PROOF, encodeSignPayerProof(proofSignRequest(u))));
}

const ruleOf = (e: ChipRefusal) => ({ code: e.code, rule: e.detail & 0xff, at: e.detail >>> 8 });

describe('sign_payer_proof: the device signs the proof the host builds', () => {
  const inv = invoice();

  it('default disclosure: same root, valid signature under the payer key, a valid lnp1 proof', () => {
    const u = buildUnsignedPayerProof({ invoice: inv, preimage: PREIMAGE });
    const s = devSign(u);
    expect(s.keyKind).toBe('payer');
    expect(Buffer.from(s.payerId).toString('hex')).toBe(ours.id);
    expect(s.proofRoot).toEqual(u.proofRoot);
    expect(secp.schnorr.verify(s.signature, u.sighash, h(ours.id).subarray(1))).toBe(true);
    const text = encodePayerProof(attachProofSignature(u, s.signature));
    expect(verifyPayerProof(text).preimage).toEqual(PREIMAGE);
  });

  it('is deterministic (idempotent request): the same reply twice', () => {
    const u = buildUnsignedPayerProof({ invoice: inv, preimage: PREIMAGE, note: 'again' });
    const p = encodeSignPayerProof(proofSignRequest(u));
    expect(call(P.MSG_SIGN_PAYER_PROOF, p)).toEqual(call(P.MSG_SIGN_PAYER_PROOF, p));
  });

  it('any disclosure and note (UTF-8 included): device root = host root, experimental fields after 1005', () => {
    fc.assert(fc.property(
      fc.subarray([22n, 82n, 160n, 162n, 164n, 170n, 3000000001n]),
      fc.option(fc.string({ unit: 'grapheme', maxLength: 30 }), { nil: undefined }),
      (include, note) => {
        const u = buildUnsignedPayerProof({ invoice: inv, preimage: PREIMAGE, include, note });
        const s = devSign(u);
        expect(h(Buffer.from(s.proofRoot).toString('hex'))).toEqual(u.proofRoot);
        expect(verifyPayerProof(encodePayerProof(attachProofSignature(u, s.signature))).note).toBe(note || undefined);
      },
    ), { numRuns: 25 });
  });

  it('an invoice answering a request signed with the node id (invoicerequest) is proved with the node key', () => {
    const u = buildUnsignedPayerProof({ invoice: invoice({ payerId: nodeId }), preimage: PREIMAGE });
    const s = devSign(u);
    expect(s.keyKind).toBe('node');
    expect(s.payerId).toEqual(nodeId);
  });

  it('DeviceSigner path (signPayerProofOn): refusals arrive as ProofRuleError naming the rule', async () => {
    const port = {
      request: async (t: number, p: Uint8Array) => {
        try { return call(t, p); } catch (e) { if (e instanceof ChipRefusal) throw new DeviceError(e.code, t, e.detail); throw e; }
      },
    };
    const u = buildUnsignedPayerProof({ invoice: inv, preimage: PREIMAGE, note: 'paid' });
    expect((await signPayerProofOn(port, u)).keyKind).toBe('payer');
    const other = payerKeyRef(K.secretData, K.nodePriv, h('00'.repeat(16)));
    const theirs = buildUnsignedPayerProof({ invoice: invoice({ payerId: h(other.id) }), preimage: PREIMAGE });
    const e = await signPayerProofOn(port, theirs).catch((x) => x);
    expect(e).toBeInstanceOf(ProofRuleError);
    expect(e.message).toMatch(/rule 4 \(ours\)/);
  });
});

/** Offsets in `mem` where any 16-byte window of `secret` appears. */
function residue(mem: Uint8Array, secret: Uint8Array): number[] {
  const hay = Buffer.from(mem.buffer, mem.byteOffset, mem.length);
  const hits: number[] = [];
  for (let i = 0; i + 16 <= secret.length; i++) {
    for (let at = hay.indexOf(Buffer.from(secret.subarray(i, i + 16))); at >= 0; at = hay.indexOf(Buffer.from(secret.subarray(i, i + 16)), at + 1)) hits.push(at);
  }
  return hits;
}

describe('sign_payer_proof leaves no key behind', () => {
  it('neither the payer key nor the node key stays in memory after a proof, a node-key proof or a refusal', () => {
    // Metadata of our own: the one above is the CLN vector's, whose payer key
    // the firmware's self-test holds as a constant.
    const meta = h('d0'.repeat(16));
    const mine = payerKeyRef(K.secretData, K.nodePriv, meta);
    const u = buildUnsignedPayerProof({ invoice: invoice({ meta, payerId: h(mine.id) }), preimage: PREIMAGE });
    expect(devSign(u).keyKind).toBe('payer');
    expect(residue(chip.fw.bytes(), mine.priv)).toEqual([]);
    expect(residue(chip.fw.bytes(), K.nodePriv)).toEqual([]);
    devSign(buildUnsignedPayerProof({ invoice: invoice({ payerId: nodeId }), preimage: PREIMAGE }));
    expect(residue(chip.fw.bytes(), K.nodePriv)).toEqual([]);
    const other = payerKeyRef(K.secretData, K.nodePriv, h('01'.repeat(16)));
    refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, encodeSignPayerProof({ ...proofSignRequest(u), invoice: invoice({ meta, payerId: h(other.id) }) })));
    expect(residue(chip.fw.bytes(), mine.priv)).toEqual([]);
    expect(residue(chip.fw.bytes(), K.nodePriv)).toEqual([]);
  });
});

describe('sign_payer_proof refusals', () => {
  const inv = invoice();
  const good = buildUnsignedPayerProof({ invoice: inv, preimage: PREIMAGE });
  const req = (over: Partial<ReturnType<typeof proofSignRequest>>) => encodeSignPayerProof({ ...proofSignRequest(good), ...over });

  it('wrong preimage: rule 3', () => {
    expect(ruleOf(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, req({ preimage: h('22'.repeat(32)) })))))
      .toEqual({ code: P.ERR_PROOF_RULE, rule: P.PROOF_RULE_PREIMAGE, at: 168 });
  });

  it('an invoice for another payer key (the vector invoice, valid and paid): rule 4', () => {
    const v = V.valid_vectors[0];
    expect(ruleOf(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, req({ invoice: h(v.input.invoice_hex), preimage: h(v.input.preimage), include: [] })))))
      .toEqual({ code: P.ERR_PROOF_RULE, rule: P.PROOF_RULE_OURS, at: 88 });
    // Our own metadata but a payer id that is not derived from it.
    const wrong = invoice({ payerId: h(payerKeyRef(K.secretData, K.nodePriv, h('01'.repeat(16))).id) });
    expect(ruleOf(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, req({ invoice: wrong }))))).toMatchObject({ rule: P.PROOF_RULE_OURS });
  });

  it('a tampered invoice (amount changed after signing): rule 2', () => {
    const bad = inv.slice();
    const at = Buffer.from(inv).toString('hex').indexOf('aa0203e8') / 2 + 3;
    bad[at] ^= 1;
    expect(ruleOf(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, req({ invoice: bad })))))
      .toEqual({ code: P.ERR_PROOF_RULE, rule: P.PROOF_RULE_SIGNATURE, at: 240 });
    const unsignedOnly = encodeTlvStream(readTlvRecords(inv).filter((r) => r.type !== 240n).map((r) => ({ type: r.type, value: r.value })));
    expect(ruleOf(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, req({ invoice: unsignedOnly })))))
      .toEqual({ code: P.ERR_PROOF_RULE, rule: P.PROOF_RULE_PARSE, at: 240 });
  });

  it('include list: invreq_metadata, a signature type, unsorted or absent types: rule 5 with the entry index', () => {
    for (const [include, at] of [[[0n], 0], [[22n, 240n], 1], [[164n, 82n], 1], [[22n, 99n], 1]] as [bigint[], number][]) {
      expect(ruleOf(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, req({ include })))))
        .toEqual({ code: P.ERR_PROOF_RULE, rule: P.PROOF_RULE_INCLUDE, at });
    }
  });

  it('a note that is not UTF-8 (overlong, surrogate, cut short): rule 6', () => {
    for (const bytes of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const p = req({ note: 'x' });
      const noteAt = P.PROOF_OFF_INCLUDE + proofSignRequest(good).include.length * 4;
      const q = new Uint8Array(p.length - 1 + bytes.length);
      q.set(p.subarray(0, noteAt));
      q.set(bytes, noteAt);
      q.set(p.subarray(noteAt + 1), noteAt + bytes.length);
      new DataView(q.buffer).setUint16(P.PROOF_OFF_NOTE_LEN, bytes.length, true);
      expect(ruleOf(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, q)))).toEqual({ code: P.ERR_PROOF_RULE, rule: P.PROOF_RULE_NOTE, at: 0 });
    }
  });

  it('framing: flags, lengths that do not add up', () => {
    const p = req({});
    const f = p.slice(); f[0] = 1;
    expect(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, f)).code).toBe(P.ERR_BAD_PAYLOAD);
    expect(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, p.subarray(0, p.length - 1))).code).toBe(P.ERR_BAD_PAYLOAD);
    expect(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, p.subarray(0, 10))).code).toBe(P.ERR_BAD_PAYLOAD);
  });

  it('more records than PROOF_MAX_LEAVES: rule 1', () => {
    const extra: Rec[] = Array.from({ length: P.PROOF_MAX_LEAVES }, (_, i) => ({ type: 1000000001n + 2n * BigInt(i), value: Uint8Array.of(i) }));
    const big = invoice({ extra });
    expect(ruleOf(refusalOf(() => call(P.MSG_SIGN_PAYER_PROOF, req({ invoice: big, include: [] }))))).toMatchObject({ rule: P.PROOF_RULE_PARSE });
  });

  it('mutated payloads never trap: a reply or a refusal', () => {
    const base = req({ note: 'fuzz' });
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.nat(base.length),
      (edits, cut) => {
        const b = base.slice(0, Math.max(cut, P.PROOF_OFF_INCLUDE - 3));
        for (const [i, v] of edits) if (i < b.length) b[i] = v;
        try {
          const r = call(P.MSG_SIGN_PAYER_PROOF, b);
          expect(r.length).toBe(P.SIGN_REPLY_SIZE);
        } catch (e) {
          expect(e).toBeInstanceOf(ChipRefusal);
        }
      },
    ), { numRuns: 150 });
    // Still answering afterwards.
    expect(devSign(good).keyKind).toBe('payer');
  });
});

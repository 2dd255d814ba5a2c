// sign_invoice, payment_hash and release_preimage for an invoice answering a
// bare invoice_request (no offer_issuer_id, no offer_paths: someone's refund
// or withdrawal lnr1…, Core Lightning's sendinvoice) on the firmware over the
// in-process chip. Rule 12 replaces the offer MAC (rule 3); rules 4-7 take
// their no-offer forms (node key, 0 < amount ≤ invreq_amount, no recurrence,
// the no-offer preimage from invreq root, created_at and amount); 1, 2, 8, 9
// are unchanged. Expected values are recomputed here with @noble from the
// node key of the hsm_secret the test provisions (docs/firmware/merchant.md
// "Answering a bare invoice_request").
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { autoPrompt } from '../host/firmware/load.js';
import { encodeProvision } from '../host/device-client/requests.js';
import {
  encodeReleasePreimage, encodeSignInvoice, verifyPreimage, verifySignInvoiceReply, type SignInvoiceRequest,
} from '../host/device-client/merchant-requests.js';
import { ruleSentence } from '../host/device-client/merchant-rules.js';
import { merkleRoot, signatureMessage } from '../host/bolt12/merkle.js';
import { secp } from '../host/crypto/noble.js';
import { chipCall, powerUp, refusalOf as refusal, type Chip } from './helpers/chip.js';
import { ascii, cat, x } from './helpers/bytes.js';
import {
  HSM_SECRET, MAC_KEY, NODE_ID, NODE_PRIV, OFFER_ROOT, PATH_ID_KEY, PEER, PEER2, PREIMAGE_KEY, buildInvoice, e0, getRec, invoiceRequest, pathIdOf, preimageNoOfferOf, preimageOf,
  rec, setRec, stream, tu, type BuiltInvoice, type InvoiceSpec,
} from './helpers/merchant.js';

const NOW = 1_765_000_000;
let clock = NOW;
let chip: Chip;
const call = (type: number, payload: Uint8Array): Uint8Array => chipCall(chip, type, payload);
const ruleOf = (rule: number, type = 0) => (type < 0x1000000 ? rule | (type << 8) : rule);

beforeAll(() => {
  chip = powerUp(new MemoryFlash(), autoPrompt(), () => clock);
  const id = call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET })).slice(0, 33);
  expect(x(id)).toBe(x(NODE_ID));
});

/** The offer-range records of a bare lnr1… as Core Lightning's invoicerequest writes them: description, issuer, no issuer id. */
const LNR_OFFER_PART = stream([rec(10, ascii('refund #42')), rec(18, ascii('shop'))]);
const AMOUNT = 70_000n;
const spec = (s: Partial<InvoiceSpec> = {}): InvoiceSpec => ({
  offer: LNR_OFFER_PART, invreqOwn: [rec(82, tu(AMOUNT))], amount: AMOUNT, createdAt: NOW - 5, relativeExpiry: 90,
  paths: [{ nodes: [NODE_ID], e0: e0('stub') }], ...s,
});
function signInvoice(b: BuiltInvoice, over: Partial<SignInvoiceRequest> = {}) {
  const req = { invreqSignature: b.invreqSignature, proofs: b.proofs, invoiceTlv: b.invoice, ...over };
  return verifySignInvoiceReply(req.invoiceTlv, call(P.MSG_SIGN_INVOICE, encodeSignInvoice(req)));
}
const invoiceRule = (b: BuiltInvoice, over: Partial<SignInvoiceRequest> = {}) => {
  const e = refusal(() => signInvoice(b, over));
  expect(e.code).toBe(P.ERR_INVOICE_RULE);
  return e.detail;
};

describe('sign_invoice for a bare invoice_request (sendinvoice)', () => {
  it('signs with the node key (BIP-340, zero aux); the payment hash is the no-offer derivation; no press', () => {
    const b = buildInvoice(spec());
    const s = signInvoice(b);
    expect(s.keyKind).toBe('node');
    expect(x(s.publicKey)).toBe(x(NODE_ID));
    const msg = signatureMessage('invoice', 'signature', merkleRoot(b.invoice));
    expect(x(s.signature)).toBe(x(secp.schnorr.sign(msg, NODE_PRIV, new Uint8Array(32))));
    expect(x(getRec(b.invoice, 168)!)).toBe(x(sha256(preimageNoOfferOf(b.invreqRoot, NOW - 5, AMOUNT))));
    // Not the offer derivation: answering the same request twice never repeats a hash.
    expect(x(getRec(b.invoice, 168)!)).not.toBe(x(sha256(preimageOf(b.invreqRoot))));
    expect(x(buildInvoice(spec({ createdAt: NOW - 4 })).paymentHash)).not.toBe(x(b.paymentHash));
  });
  it('paths: the stub path [us] (CLN createinvoice), a proven [peer, us], several; the default expiry', () => {
    signInvoice(buildInvoice(spec({ paths: [{ nodes: [PEER, NODE_ID], e0: e0('p') }] })));
    signInvoice(buildInvoice(spec({ paths: [{ nodes: [PEER2, PEER, NODE_ID], e0: e0('q') }, { nodes: [NODE_ID], e0: e0('r') }] })));
    signInvoice(buildInvoice(spec({ relativeExpiry: undefined })));
    // An lnr carrying offer_amount / currency for display (BOLT 12: MAY show it) and unknown odd fields.
    signInvoice(buildInvoice(spec({ offer: stream([rec(6, ascii('EUR')), rec(8, tu(5)), rec(10, ascii('x')), rec(1000000001, ascii('odd'))]) })));
  });
  it('rule 12: offer_chains, offer_features, offer_quantity_max, or no invreq_amount', () => {
    const withOffer = (extra: ReturnType<typeof rec>) => buildInvoice(spec({ offer: stream([extra, rec(10, ascii('refund'))].sort((a, b) => Number(a.type - b.type))) }));
    expect(invoiceRule(withOffer(rec(2, new Uint8Array(32).fill(6))))).toBe(ruleOf(12, 2));
    expect(invoiceRule(withOffer(rec(12, Uint8Array.of(0))))).toBe(ruleOf(12, 12));
    expect(invoiceRule(withOffer(rec(20, tu(3))))).toBe(ruleOf(12, 20));
    expect(invoiceRule(buildInvoice(spec({ invreqOwn: [] })))).toBe(ruleOf(12, 82));
    expect(ruleSentence(ruleOf(12, 20))).toMatch(/^rule 12: the invoice_request has no offer.*\(offer_quantity_max\)$/);
  });
  it('rule 2 before anything else: a broken payer signature, a field changed after signing', () => {
    const b = buildInvoice(spec());
    const bad = b.invreqSignature.slice();
    bad[7] ^= 1;
    expect(invoiceRule(b, { invreqSignature: bad })).toBe(ruleOf(2, 240));
    expect(invoiceRule(b, { invoiceTlv: setRec(b.invoice, 82, tu(AMOUNT * 2n)) })).toBe(ruleOf(2, 240));
    // Even on a request that also breaks rule 12.
    const q = buildInvoice(spec({ offer: stream([rec(10, ascii('refund')), rec(20, tu(3))]) }));
    expect(invoiceRule(q, { invreqSignature: bad })).toBe(ruleOf(2, 240));
  });
  it('rule 4: invoice_node_id other than our node id', () => {
    expect(invoiceRule(buildInvoice(spec({ nodeId: PEER })))).toBe(ruleOf(4, 176));
  });
  it('rule 5: the offer derivation, or a hash the host chose', () => {
    const b = buildInvoice(spec());
    const offerHash = sha256(preimageOf(b.invreqRoot));
    expect(invoiceRule(buildInvoice(spec({ paymentHash: offerHash })))).toBe(ruleOf(5, 168));
    expect(invoiceRule(buildInvoice(spec({ paymentHash: sha256(ascii('mine')) })))).toBe(ruleOf(5, 168));
  });
  it('rule 6: any amount but invreq_amount (BOLT 12 writer: invoice_amount = invreq_amount), zero, a quantity', () => {
    expect(invoiceRule(buildInvoice(spec({ amount: AMOUNT + 1n })))).toBe(ruleOf(6, 170));
    expect(invoiceRule(buildInvoice(spec({ amount: AMOUNT - 1n })))).toBe(ruleOf(6, 170));
    expect(invoiceRule(buildInvoice(spec({ amount: 0n })))).toBe(ruleOf(6, 170));
    expect(invoiceRule(buildInvoice(spec({ invreqOwn: [rec(82, new Uint8Array(0))], amount: 0n })))).toBe(ruleOf(6, 170));
    expect(invoiceRule(buildInvoice(spec({ invreqOwn: [rec(82, tu(AMOUNT)), rec(86, tu(1))] })))).toBe(ruleOf(6, 86));
  });
  it('rule 7: recurrence of any kind (CLN: "FIXME: handle recurring invreq?")', () => {
    const recurring = stream([rec(10, ascii('sub')), rec(1000000024, Uint8Array.of(0, 60))]);
    expect(invoiceRule(buildInvoice(spec({ offer: recurring })))).toBe(7);
    expect(invoiceRule(buildInvoice(spec({ offer: recurring, invreqOwn: [rec(82, tu(AMOUNT)), rec(2000000092, tu(0))] })))).toBe(7);
    expect(invoiceRule(buildInvoice(spec({ invreqOwn: [rec(82, tu(AMOUNT)), rec(2000000092, tu(0))] })))).toBe(7);
  });
  it('rule 8: created_at off the clock, an expired request (offer_absolute_expiry), a long expiry', () => {
    expect(invoiceRule(buildInvoice(spec({ createdAt: NOW - 7300 })))).toBe(ruleOf(8, 164));
    expect(invoiceRule(buildInvoice(spec({ offer: stream([rec(10, ascii('old')), rec(14, tu(NOW - 1))]) })))).toBe(ruleOf(8, 14));
    expect(invoiceRule(buildInvoice(spec({ relativeExpiry: 8 * 86400 })))).toBe(ruleOf(8, 166));
  });
  it('rule 9: a path to another node, a wrong path_id, no proof', () => {
    expect(invoiceRule(buildInvoice(spec({ paths: [{ nodes: [PEER, PEER2], e0: e0('x') }] })))).toBe(ruleOf(9, 160));
    expect(invoiceRule(buildInvoice(spec({ paths: [{ nodes: [NODE_ID], e0: e0('x'), pathId: pathIdOf(new Uint8Array(32)) }] })))).toBe(ruleOf(9, 160));
    const b = buildInvoice(spec());
    expect(invoiceRule(b, { proofs: [] })).toBe(ruleOf(9, 162));
  });
  it('an invoice for one of our offers cannot pass as bare: its invreq part is signed with offer_issuer_id in it', () => {
    // Strip 22 from a payer's request for an offer: the payer's signature no longer verifies (rule 2).
    const offer = stream([rec(8, tu(5000)), rec(10, ascii('coffee')), rec(22, NODE_ID)]);
    const r = invoiceRequest(offer, [rec(82, tu(5000))]);
    const b = buildInvoice(spec({ offer: stream([rec(8, tu(5000)), rec(10, ascii('coffee'))]), invreqOwn: [rec(82, tu(5000))], amount: 5000n }));
    expect(invoiceRule(b, { invreqSignature: r.signature })).toBe(ruleOf(2, 240));
  });
});

describe('payment_hash for a bare invoice_request', () => {
  const rule = (payload: Uint8Array) => { const e = refusal(() => call(P.MSG_PAYMENT_HASH, payload)); expect(e.code).toBe(P.ERR_INVOICE_RULE); return e.detail; };
  const signedBare = (own = [rec(82, tu(AMOUNT))], offer = LNR_OFFER_PART) => {
    const r = invoiceRequest(offer, own);
    return { ...r, signed: setRec(r.invreq, 240, r.signature) };
  };
  it('the signed request with the invoice created_at (164) and amount (170): hash = SHA256(no-offer preimage), path_id = HMAC(path_id_key, hash)', () => {
    const r = signedBare();
    const payload = setRec(setRec(r.signed, 164, tu(NOW)), 170, tu(AMOUNT));
    const hash = sha256(preimageNoOfferOf(r.root, NOW, AMOUNT));
    expect(x(call(P.MSG_PAYMENT_HASH, payload))).toBe(x(cat(hash, pathIdOf(hash))));
    // The invoice built from it signs (same hash as the device gave).
    const b = buildInvoice(spec({ createdAt: NOW }));
    expect(x(b.paymentHash)).toBe(x(hash));
    signInvoice(b);
  });
  it('refused: no created_at or amount (rule 5), offer fields (rule 12), another amount than invreq_amount (rule 6), recurrence (rule 7), tampered (rule 2)', () => {
    const r = signedBare();
    expect(rule(setRec(r.signed, 170, tu(AMOUNT)))).toBe(ruleOf(5, 164));
    expect(rule(setRec(r.signed, 164, tu(NOW)))).toBe(ruleOf(6, 170));
    expect(rule(setRec(setRec(r.signed, 164, tu(NOW)), 170, tu(AMOUNT + 1n)))).toBe(ruleOf(6, 170));
    expect(rule(setRec(setRec(r.signed, 164, tu(NOW)), 170, tu(AMOUNT - 1n)))).toBe(ruleOf(6, 170));
    const q = signedBare(undefined, stream([rec(10, ascii('r')), rec(20, tu(2))]));
    expect(rule(setRec(setRec(q.signed, 164, tu(NOW)), 170, tu(AMOUNT)))).toBe(ruleOf(12, 20));
    const c = signedBare([rec(82, tu(AMOUNT)), rec(2000000092, tu(1))]);
    expect(rule(setRec(setRec(c.signed, 164, tu(NOW)), 170, tu(AMOUNT)))).toBe(7);
    expect(rule(setRec(setRec(setRec(r.signed, 89, ascii('x')), 164, tu(NOW)), 170, tu(AMOUNT)))).toBe(ruleOf(2, 240));
  });
});

describe('release_preimage for a bare invoice', () => {
  let b: BuiltInvoice;
  let signed: Uint8Array;
  beforeAll(() => {
    b = buildInvoice(spec({ relativeExpiry: 600 }));
    signed = signInvoice(b).signedInvoice;
  });
  const release = (amount: bigint, invoiceTlv = signed) =>
    verifyPreimage(invoiceTlv, call(P.MSG_RELEASE_PREIMAGE, encodeReleasePreimage({ amountMsat: amount, invoiceTlv })));
  const ruleRefusal = (amount: bigint, invoiceTlv = signed) => {
    const e = refusal(() => release(amount, invoiceTlv));
    expect(e.code).toBe(P.ERR_INVOICE_RULE);
    return e.detail;
  };
  it('releases the no-offer preimage for the amount (up to twice it)', () => {
    expect(x(release(AMOUNT))).toBe(x(b.preimage));
    expect(x(release(2n * AMOUNT))).toBe(x(b.preimage));
  });
  it('rules 10, 11: too little, too much, expired', () => {
    expect(ruleRefusal(AMOUNT - 1n)).toBe(10);
    expect(ruleRefusal(2n * AMOUNT + 1n)).toBe(10);
    clock = NOW - 5 + 600;
    try { expect(ruleRefusal(AMOUNT)).toBe(11); } finally { clock = NOW; }
  });
  it('rule 4: a bare invoice signed by another key (for another node id), or not by the node key; rule 12: offer fields', () => {
    const other = sha256(ascii('someone else'));
    const theirs = setRec(setRec(b.invoice, 176, secp.getPublicKey(other, true)), 240, null);
    const sig = secp.schnorr.sign(signatureMessage('invoice', 'signature', merkleRoot(theirs)), other, new Uint8Array(32));
    expect(ruleRefusal(AMOUNT, setRec(theirs, 240, sig))).toBe(ruleOf(4, 176));
    const forged = secp.schnorr.sign(signatureMessage('invoice', 'signature', merkleRoot(b.invoice)), other, new Uint8Array(32));
    expect(ruleRefusal(AMOUNT, setRec(signed, 240, forged))).toBe(ruleOf(4, 240));
    expect(ruleRefusal(AMOUNT, setRec(signed, 20, tu(2)))).toBe(ruleOf(12, 20));
    expect(ruleRefusal(AMOUNT, b.invoice)).toBe(ruleOf(4, 240));
  });
});

describe('robustness', () => {
  it('mutated bare sign_invoice / payment_hash / release requests never trap; whatever is signed verifies', () => {
    const b = buildInvoice(spec({ paths: [{ nodes: [PEER, NODE_ID], e0: e0('m') }] }));
    const payload = encodeSignInvoice({ invreqSignature: b.invreqSignature, proofs: b.proofs, invoiceTlv: b.invoice });
    const at0 = payload.length - b.invoice.length;
    const signed = signInvoice(b).signedInvoice;
    const r = invoiceRequest(LNR_OFFER_PART, [rec(82, tu(AMOUNT))]);
    const ph = setRec(setRec(setRec(r.invreq, 240, r.signature), 164, tu(NOW)), 170, tu(AMOUNT));
    fc.assert(fc.property(fc.nat(payload.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const m = payload.slice();
      m[at] ^= xor;
      const f = chip.request(P.MSG_SIGN_INVOICE, m);
      expect([P.MSG_SIGN_INVOICE | P.MSG_REPLY, P.MSG_ERROR]).toContain(f.type);
      if (f.type !== P.MSG_ERROR) verifySignInvoiceReply(m.subarray(at0), f.payload);
      const s = signed.slice();
      s[at % s.length] ^= xor;
      expect(chip.request(P.MSG_RELEASE_PREIMAGE, encodeReleasePreimage({ amountMsat: AMOUNT, invoiceTlv: s })).type).toBe(P.MSG_ERROR);
      const h = ph.slice();
      h[at % h.length] ^= xor;
      expect([P.MSG_PAYMENT_HASH | P.MSG_REPLY, P.MSG_ERROR]).toContain(chip.request(P.MSG_PAYMENT_HASH, h).type);
    }), { numRuns: 120 });
    // Still signs after all that.
    signInvoice(b);
  });
  it('no key or unreleased preimage stays in RAM after bare payment_hash / sign_invoice / refusals', () => {
    const windows = (mem: Uint8Array, secret: Uint8Array) => {
      const hay = Buffer.from(mem.buffer, mem.byteOffset, mem.length);
      let hits = 0;
      for (let i = 0; i + 16 <= secret.length; i++) if (hay.indexOf(Buffer.from(secret.subarray(i, i + 16))) >= 0) hits++;
      return hits;
    };
    const b = buildInvoice(spec({ createdAt: NOW - 3 }));
    const r = invoiceRequest(LNR_OFFER_PART, [rec(82, tu(AMOUNT))]);
    call(P.MSG_PAYMENT_HASH, setRec(setRec(setRec(r.invreq, 240, r.signature), 164, tu(NOW - 3)), 170, tu(AMOUNT)));
    const signed = signInvoice(b).signedInvoice;
    refusal(() => signInvoice(buildInvoice(spec({ amount: 1n }))));
    const secrets = [NODE_PRIV, OFFER_ROOT, MAC_KEY, PREIMAGE_KEY, PATH_ID_KEY, b.preimage];
    for (const k of secrets) expect(windows(chip.fw.bytes(), k)).toBe(0);
    call(P.MSG_RELEASE_PREIMAGE, encodeReleasePreimage({ amountMsat: AMOUNT, invoiceTlv: signed }));
    for (const k of secrets.slice(0, 5)) expect(windows(chip.fw.bytes(), k)).toBe(0);
    // Not vacuous: the released preimage is in the reply buffer now.
    expect(windows(chip.fw.bytes(), b.preimage)).toBeGreaterThan(0);
  });
});

// The merchant requests on the firmware over the in-process chip
// (test/helpers/chip.ts): offer_create in both key modes, with the MAC checked
// independently (@noble HMAC under keys recomputed here from the node key of
// the hsm_secret the test provisions); sign_invoice for fixed, quantity,
// any-amount and recurring offers with 1-3 hop payment paths built with
// host/blinding; one refusal per rule with its detail; release_preimage; the
// review's `{168, 176}` exploit refused by both sign_invoice and sign_bolt12;
// random payloads never trap. Rules: docs/firmware/merchant.md (issue 11).
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { autoPrompt } from '../host/firmware/load.js';
import { encodeProvision, encodeSignBolt12 } from '../host/device-client/requests.js';
import {
  encodeOfferCreate, encodeReleasePreimage, encodeSignInvoice, verifyOfferCreateReply, verifyPreimage, verifySignInvoiceReply,
  type SignInvoiceRequest,
} from '../host/device-client/merchant-requests.js';
import { ruleSentence } from '../host/device-client/merchant-rules.js';
import { SignatureVerificationError } from '../host/device-client/requests.js';
import { merkleRoot, signatureMessage } from '../host/bolt12/merkle.js';
import { secp } from '../host/crypto/noble.js';
import { chipCall, powerUp, refusalOf as refusal, type Chip } from './helpers/chip.js';
import { ascii, cat, x } from './helpers/bytes.js';
import {
  HSM_SECRET, MAC_KEY, NODE_ID, NODE_PRIV, OFFER_ROOT, PATH_ID_KEY, PREIMAGE_KEY, PEER, PEER2, buildInvoice, e0, getRec, invoiceRequest, issuerId, issuerPriv, offerMacRef,
  pathIdOf, preimageOf, rec, records, setRec, stream, tu, type BuiltInvoice, type InvoiceSpec,
} from './helpers/merchant.js';

const NOW = 1_765_000_000; // 2025-12-06
let clock = NOW;
let chip: Chip;
const call = (type: number, payload: Uint8Array): Uint8Array => chipCall(chip, type, payload);
const ruleOf = (rule: number, type = 0) => (type < 0x1000000 ? rule | (type << 8) : rule);

beforeAll(() => {
  chip = powerUp(new MemoryFlash(), autoPrompt(), () => clock);
  const id = call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET })).slice(0, 33);
  // The CLN derivation of the test's hsm_secret is the device's node id.
  expect(x(id)).toBe(x(NODE_ID));
});

const desc = rec(10, ascii('coffee'));
function createOffer(deviceKey: boolean, recs: ReturnType<typeof rec>[]) {
  const offerTlv = stream(recs);
  const reply = call(P.MSG_OFFER_CREATE, encodeOfferCreate({ deviceKey, offerTlv }));
  return verifyOfferCreateReply({ deviceKey, offerTlv }, reply, NODE_ID);
}
function signInvoice(b: BuiltInvoice, over: Partial<SignInvoiceRequest> = {}) {
  const req = { invreqSignature: b.invreqSignature, proofs: b.proofs, invoiceTlv: b.invoice, ...over };
  return verifySignInvoiceReply(req.invoiceTlv, call(P.MSG_SIGN_INVOICE, encodeSignInvoice(req)));
}
const invoiceRule = (b: BuiltInvoice, over: Partial<SignInvoiceRequest> = {}) => {
  const e = refusal(() => signInvoice(b, over));
  expect(e.code).toBe(P.ERR_INVOICE_RULE);
  return e.detail;
};

describe('offer_create', () => {
  for (const deviceKey of [false, true]) {
    it(`${deviceKey ? 'device' : 'node'}-key mode: records kept, 4 and 22 inserted, metadata = nonce ‖ MAC verified with @noble`, () => {
      const recs = [rec(2, new Uint8Array(32).fill(6)), rec(8, tu(5000)), desc, rec(18, ascii('shop')), rec(20, tu(0)), rec(1000000001, ascii('x'))];
      const o = createOffer(deviceKey, recs);
      const types = records(o.offerTlv).map((r) => r.type);
      expect(types).toEqual([2n, 4n, 8n, 10n, 18n, 20n, 22n, 1000000001n]);
      expect(x(o.issuerId)).toBe(x(deviceKey ? issuerId(o.nonce) : NODE_ID));
      expect(x(o.metadata.slice(16))).toBe(x(offerMacRef(o.nonce, o.offerTlv)));
      // The MAC covers the issuer id: with another id it would differ.
      expect(x(offerMacRef(o.nonce, setRec(o.offerTlv, 22, PEER)))).not.toBe(x(o.metadata.slice(16)));
    });
  }
  it('an empty offer stream gets just 4 and 22; different requests get different nonces', () => {
    const a = createOffer(true, []);
    expect(records(a.offerTlv).map((r) => r.type)).toEqual([4n, 22n]);
    const b = createOffer(true, [desc]);
    expect(x(a.nonce)).not.toBe(x(b.nonce));
    expect(x(a.issuerId)).not.toBe(x(b.issuerId));
  });
  it('refusals: a type the device sets or outside the offer ranges (ERR_OFFER_FIELD), framing (ERR_SIGN_STREAM), flags', () => {
    for (const t of [4, 22, 80, 0, 88, 2000000000]) {
      const e = refusal(() => call(P.MSG_OFFER_CREATE, cat(Uint8Array.of(1), stream([desc, rec(t, new Uint8Array(33))]))));
      expect([e.code, e.detail]).toEqual([P.ERR_OFFER_FIELD, t]);
    }
    const bad = refusal(() => call(P.MSG_OFFER_CREATE, cat(Uint8Array.of(0), Uint8Array.of(10, 5, 1))));
    expect(bad.code).toBe(P.ERR_SIGN_STREAM);
    expect(refusal(() => call(P.MSG_OFFER_CREATE, Uint8Array.of(2))).code).toBe(P.ERR_BAD_PAYLOAD);
    expect(refusal(() => call(P.MSG_OFFER_CREATE, new Uint8Array(0))).code).toBe(P.ERR_BAD_PAYLOAD);
  });
});

function offerFixed(deviceKey: boolean, more: ReturnType<typeof rec>[] = []) {
  return createOffer(deviceKey, [rec(8, tu(5000)), desc, ...more]).offerTlv;
}
const spec = (offer: Uint8Array, s: Partial<InvoiceSpec> = {}): InvoiceSpec => ({ offer, amount: 5000n, createdAt: NOW - 10, ...s });

describe('sign_invoice: what the device signs', () => {
  for (const deviceKey of [false, true]) {
    it(`fixed amount, ${deviceKey ? 'device key (issuer_key(nonce))' : 'node key'}: signature = BIP-340 with zero aux under the offer's key`, () => {
      const offer = offerFixed(deviceKey);
      const b = buildInvoice(spec(offer));
      const s = signInvoice(b);
      expect(s.keyKind).toBe(deviceKey ? 'issuer' : 'node');
      const nonce = getRec(offer, 4)!.slice(0, 16);
      expect(x(s.publicKey)).toBe(x(deviceKey ? issuerId(nonce) : NODE_ID));
      const msg = signatureMessage('invoice', 'signature', merkleRoot(b.invoice));
      expect(x(s.signature)).toBe(x(secp.schnorr.sign(msg, deviceKey ? issuerPriv(nonce) : NODE_PRIV, new Uint8Array(32))));
      expect(x(getRec(s.signedInvoice, 240)!)).toBe(x(s.signature));
      // payment hash = SHA256(HMAC(preimage_key, invreq root)); path_id = HMAC(path_id_key, hash).
      expect(x(getRec(b.invoice, 168)!)).toBe(x(sha256(preimageOf(b.invreqRoot))));
    });
  }
  it('quantity: offer_amount × invreq_quantity', () => {
    const offer = createOffer(true, [rec(8, tu(1000)), desc, rec(20, tu(10))]).offerTlv;
    expect(signInvoice(buildInvoice(spec(offer, { invreqOwn: [rec(86, tu(3))], amount: 3000n }))).keyKind).toBe('issuer');
    // quantity_max 0 = unlimited.
    const unl = createOffer(false, [rec(8, tu(1000)), desc, rec(20, new Uint8Array(0))]).offerTlv;
    expect(signInvoice(buildInvoice(spec(unl, { invreqOwn: [rec(86, tu(500))], amount: 500000n }))).keyKind).toBe('node');
  });
  it('any amount: invoice_amount = invreq_amount; with offer_amount, invreq_amount in [expected, 5 × expected]', () => {
    const any = createOffer(true, [desc]).offerTlv;
    signInvoice(buildInvoice(spec(any, { invreqOwn: [rec(82, tu(12345))], amount: 12345n })));
    const fixed = offerFixed(true);
    signInvoice(buildInvoice(spec(fixed, { invreqOwn: [rec(82, tu(5000 * 5 + 4))], amount: 25004n })));
  });
  it('currency offer: any positive amount (converted by the host)', () => {
    const cur = createOffer(true, [rec(6, ascii('USD')), rec(8, tu(100)), desc]).offerTlv;
    signInvoice(buildInvoice(spec(cur, { amount: 123456n })));
  });
  it('recurrence: counter (+ start) within the limit, basetime present', () => {
    const off = createOffer(true, [rec(8, tu(1000)), desc, rec(1000000024, Uint8Array.of(0, 0x0e, 0x10)), rec(1000000029, tu(5))]).offerTlv;
    for (const counter of [0, 3, 5]) {
      signInvoice(buildInvoice(spec(off, { amount: 1000n, invreqOwn: [rec(2000000092, tu(counter))], extra: [rec(3000000177, tu(NOW - 100))] })));
    }
    signInvoice(buildInvoice(spec(off, { amount: 1000n, invreqOwn: [rec(2000000092, tu(2)), rec(2000000093, tu(3))] })));
  });
  it('payment paths of 1, 2 and 3 hops ending at our node, and several paths in one invoice', () => {
    const offer = offerFixed(true);
    for (const nodes of [[NODE_ID], [PEER, NODE_ID], [PEER2, PEER, NODE_ID]]) {
      signInvoice(buildInvoice(spec(offer, { paths: [{ nodes, e0: e0(`hops ${nodes.length}`) }] })));
    }
    signInvoice(buildInvoice(spec(offer, {
      paths: [{ nodes: [PEER, NODE_ID], e0: e0('a') }, { nodes: [PEER2, NODE_ID], e0: e0('b') }, { nodes: [NODE_ID], e0: e0('c') }],
    })));
  });
  it('the host sentence names every rule', () => {
    expect(ruleSentence(ruleOf(6, 170))).toBe('rule 6: invoice amount does not obey the offer (invoice_amount)');
    for (let r = 1; r <= 11; r++) expect(ruleSentence(r)).not.toMatch(/unknown rule/);
  });
});

describe('sign_invoice: refusals, one per rule (ERR_INVOICE_RULE, detail rule | type << 8)', () => {
  let offer: Uint8Array;
  let good: BuiltInvoice;
  beforeAll(() => {
    offer = offerFixed(true);
    good = buildInvoice(spec(offer));
  });

  it("the review's exploit: a bare {168: payment_hash, 176: node_id} stream is refused (rule 2), and sign_bolt12 no longer signs invoices", () => {
    const bare = stream([rec(168, sha256(ascii('host chosen'))), rec(176, NODE_ID)]);
    expect(invoiceRule(good, { invoiceTlv: bare, proofs: [] })).toBe(ruleOf(2, 0));
    const e = refusal(() => call(P.MSG_SIGN_BOLT12, encodeSignBolt12('invoice', 'signature', bare)));
    expect([e.code, e.detail]).toEqual([P.ERR_SIGN_NAME, 1]);
  });
  it('rule 1: signature records, unknown even types, non-invoice types, bad field encodings, framing', () => {
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 240, new Uint8Array(64)) })).toBe(ruleOf(1, 240));
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 200, new Uint8Array(1)) })).toBe(ruleOf(1, 200));
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 2000000094, new Uint8Array(0)) })).toBe(1);
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 4000000000, new Uint8Array(0)) })).toBe(1);
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 170, Uint8Array.of(0, 1)) })).toBe(ruleOf(1, 170));
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 176, NODE_ID.slice(1)) })).toBe(ruleOf(1, 176));
    expect(invoiceRule(good, { invoiceTlv: cat(good.invoice, Uint8Array.of(0xff)) })).toBe(1);
    // Unknown odd types are fine (copied and signed as given).
    signInvoice(buildInvoice(spec(offer, { extra: [rec(201, ascii('odd'))] })));
  });
  it('rule 2: an invreq field changed after the payer signed, or a wrong payer signature', () => {
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 89, ascii('note added')) })).toBe(ruleOf(2, 240));
    expect(invoiceRule(good, { invreqSignature: new Uint8Array(64).fill(1) })).toBe(ruleOf(2, 240));
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 0, null) })).toBe(ruleOf(2, 0));
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 88, null) })).toBe(ruleOf(2, 88));
  });
  it('rule 3: an offer that is not ours (MAC changed, foreign metadata, a field changed after offer_create)', () => {
    const meta = getRec(offer, 4)!.slice();
    meta[40] ^= 1;
    expect(invoiceRule(buildInvoice(spec(setRec(offer, 4, meta))))).toBe(ruleOf(3, 4));
    expect(invoiceRule(buildInvoice(spec(setRec(offer, 4, new Uint8Array(48).fill(7)))))).toBe(ruleOf(3, 4));
    expect(invoiceRule(buildInvoice(spec(setRec(offer, 4, meta.slice(0, 47)))))).toBe(ruleOf(3, 4));
    expect(invoiceRule(buildInvoice(spec(setRec(offer, 4, null))))).toBe(ruleOf(3, 4));
    expect(invoiceRule(buildInvoice(spec(setRec(offer, 10, ascii('tea')))))).toBe(ruleOf(3, 4));
    // A node-key offer relabelled as someone else's: the MAC covers offer_issuer_id.
    expect(invoiceRule(buildInvoice(spec(setRec(offerFixed(false), 22, PEER))))).toBe(ruleOf(3, 4));
  });
  it('rule 4: invoice_node_id other than the offer issuer id', () => {
    expect(invoiceRule(buildInvoice(spec(offer, { nodeId: NODE_ID })))).toBe(ruleOf(4, 176));
    expect(invoiceRule(buildInvoice(spec(offerFixed(false), { nodeId: PEER })))).toBe(ruleOf(4, 176));
  });
  it('rule 5: a payment hash chosen by the host', () => {
    expect(invoiceRule(buildInvoice(spec(offer, { paymentHash: sha256(ascii('mine')) })))).toBe(ruleOf(5, 168));
  });
  it('rule 6: amount and quantity', () => {
    expect(invoiceRule(buildInvoice(spec(offer, { amount: 4999n })))).toBe(ruleOf(6, 170));
    expect(invoiceRule(buildInvoice(spec(offer, { amount: 5001n })))).toBe(ruleOf(6, 170));
    expect(invoiceRule(buildInvoice(spec(offer, { invreqOwn: [rec(86, tu(2))], amount: 10000n })))).toBe(ruleOf(6, 86));
    expect(invoiceRule(buildInvoice(spec(offer, { invreqOwn: [rec(82, tu(4999))], amount: 4999n })))).toBe(ruleOf(6, 82));
    expect(invoiceRule(buildInvoice(spec(offer, { invreqOwn: [rec(82, tu(25005))], amount: 25005n })))).toBe(ruleOf(6, 82));
    expect(invoiceRule(buildInvoice(spec(offer, { invreqOwn: [rec(82, tu(6000))], amount: 5000n })))).toBe(ruleOf(6, 170));
    const q = createOffer(true, [rec(8, tu(1000)), desc, rec(20, tu(10))]).offerTlv;
    expect(invoiceRule(buildInvoice(spec(q, { amount: 1000n })))).toBe(ruleOf(6, 86));
    expect(invoiceRule(buildInvoice(spec(q, { invreqOwn: [rec(86, new Uint8Array(0))], amount: 0n })))).toBe(ruleOf(6, 86));
    expect(invoiceRule(buildInvoice(spec(q, { invreqOwn: [rec(86, tu(11))], amount: 11000n })))).toBe(ruleOf(6, 86));
    expect(invoiceRule(buildInvoice(spec(q, { invreqOwn: [rec(86, tu(3))], amount: 1000n })))).toBe(ruleOf(6, 170));
    const any = createOffer(true, [desc]).offerTlv;
    expect(invoiceRule(buildInvoice(spec(any, { amount: 1000n })))).toBe(ruleOf(6, 82));
    const huge = createOffer(true, [rec(8, tu(1n << 62n)), desc, rec(20, tu(0))]).offerTlv;
    expect(invoiceRule(buildInvoice(spec(huge, { invreqOwn: [rec(86, tu(4))], amount: 1n })))).toBe(ruleOf(6, 86));
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 170, null) })).toBe(ruleOf(6, 170));
  });
  it('rule 7: recurrence fields on a non-recurring offer, a missing counter, a period past the limit', () => {
    expect(invoiceRule(buildInvoice(spec(offer, { invreqOwn: [rec(2000000092, tu(0))] })))).toBe(7);
    expect(invoiceRule(buildInvoice(spec(offer, { extra: [rec(3000000177, tu(NOW))] })))).toBe(7);
    const rec24 = rec(1000000024, Uint8Array.of(0, 0x0e, 0x10));
    const off = createOffer(true, [rec(8, tu(1000)), desc, rec24, rec(1000000029, tu(5))]).offerTlv;
    expect(invoiceRule(buildInvoice(spec(off, { amount: 1000n })))).toBe(7);
    expect(invoiceRule(buildInvoice(spec(off, { amount: 1000n, invreqOwn: [rec(2000000092, tu(6))] })))).toBe(7);
    expect(invoiceRule(buildInvoice(spec(off, { amount: 1000n, invreqOwn: [rec(2000000092, tu(3)), rec(2000000093, tu(3))] })))).toBe(7);
  });
  it('rule 8: created_at far off the board clock, a long expiry, an expired offer', () => {
    expect(invoiceRule(buildInvoice(spec(offer, { createdAt: NOW - 7201 })))).toBe(ruleOf(8, 164));
    expect(invoiceRule(buildInvoice(spec(offer, { createdAt: NOW + 7300 })))).toBe(ruleOf(8, 164));
    expect(invoiceRule(buildInvoice(spec(offer, { relativeExpiry: 7 * 86400 + 1 })))).toBe(ruleOf(8, 166));
    signInvoice(buildInvoice(spec(offer, { relativeExpiry: 7 * 86400 })));
    const exp = createOffer(true, [rec(8, tu(5000)), desc, rec(14, tu(NOW - 1))]).offerTlv;
    expect(invoiceRule(buildInvoice(spec(exp, { createdAt: NOW - 100 })))).toBe(ruleOf(8, 14));
    // A board without a clock (0) does not check created_at.
    clock = 0;
    try { signInvoice(buildInvoice(spec(offer, { createdAt: 1000 }))); } finally { clock = NOW; }
  });
  it('rule 9: a path to another node, a path_id for another hash, tampered data, wrong e0, proof count mismatch', () => {
    expect(invoiceRule(buildInvoice(spec(offer, { paths: [{ nodes: [PEER, PEER2], e0: e0('x') }] })))).toBe(ruleOf(9, 160));
    expect(invoiceRule(buildInvoice(spec(offer, { paths: [{ nodes: [PEER, NODE_ID], e0: e0('x'), pathId: pathIdOf(new Uint8Array(32)) }] })))).toBe(ruleOf(9, 160));
    // A byte of the first hop's encrypted data flipped (160's value: 33 + 33 + 1 + 33 + 2 bytes before it).
    const paths = getRec(good.invoice, 160)!.slice();
    paths[33 + 33 + 1 + 33 + 2 + 5] ^= 1;
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 160, paths) })).toBe(ruleOf(9, 160));
    expect(invoiceRule(good, { proofs: [{ ...good.proofs[0], e0: e0('other') }] })).toBe(ruleOf(9, 160));
    expect(invoiceRule(good, { proofs: [{ ...good.proofs[0], nodeIds: [PEER2, NODE_ID] }] })).toBe(ruleOf(9, 160));
    expect(invoiceRule(good, { proofs: [] })).toBe(ruleOf(9, 162));
    expect(invoiceRule(good, { proofs: [good.proofs[0], good.proofs[0]] })).toBe(ruleOf(9, 162));
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 162, null) })).toBe(ruleOf(9, 162));
    expect(invoiceRule(good, { invoiceTlv: setRec(good.invoice, 160, null) })).toBe(ruleOf(9, 160));
    // Two paths but three payinfos.
    const two = buildInvoice(spec(offer, { paths: [{ nodes: [NODE_ID], e0: e0('1') }, { nodes: [PEER, NODE_ID], e0: e0('2') }] }));
    expect(invoiceRule(two, { invoiceTlv: setRec(two.invoice, 162, new Uint8Array(28 * 3)) })).toBe(ruleOf(9, 162));
    // A hop that sends the payment elsewhere than the next proven node, or by scid.
    const relay = { cltvExpiryDelta: 40, feeProportionalMillionths: 100, feeBaseMsat: 1000 };
    expect(invoiceRule(buildInvoice(spec(offer, { paths: [{ nodes: [PEER, NODE_ID], e0: e0('z'), firstHopData: { nextNodeId: PEER2, paymentRelay: relay } }] })))).toBe(ruleOf(9, 160));
    expect(invoiceRule(buildInvoice(spec(offer, { paths: [{ nodes: [PEER, NODE_ID], e0: e0('z'), firstHopData: { shortChannelId: { block: 1, txIndex: 2, outputIndex: 3 }, paymentRelay: relay } }] })))).toBe(ruleOf(9, 160));
    signInvoice(buildInvoice(spec(offer, { paths: [{ nodes: [PEER, NODE_ID], e0: e0('z'), firstHopData: { nextNodeId: NODE_ID, paymentRelay: relay } }] })));
    // A path whose last hop names a next node (not the end).
    expect(invoiceRule(buildInvoice(spec(offer, { paths: [{ nodes: [NODE_ID, PEER], e0: e0('y') }] })))).toBe(ruleOf(9, 160));
    // The untouched invoice still signs.
    signInvoice(good);
  });
  it('malformed proofs are ERR_BAD_PAYLOAD', () => {
    const p = encodeSignInvoice({ invreqSignature: good.invreqSignature, proofs: good.proofs, invoiceTlv: new Uint8Array(0) });
    expect(refusal(() => call(P.MSG_SIGN_INVOICE, p.slice(0, p.length - 1))).code).toBe(P.ERR_BAD_PAYLOAD);
    expect(refusal(() => call(P.MSG_SIGN_INVOICE, new Uint8Array(64))).code).toBe(P.ERR_BAD_PAYLOAD);
  });
});

describe('payment_hash (what the host needs to build the invoice and its paths)', () => {
  it('a signed invoice_request for our offer: payment_hash = SHA256(preimage(invreq root)), path_id = HMAC(path_id_key, hash)', () => {
    for (const deviceKey of [true, false]) {
      const offer = offerFixed(deviceKey);
      const r = invoiceRequest(offer, [rec(89, ascii('hi'))]);
      const reply = call(P.MSG_PAYMENT_HASH, setRec(r.invreq, 240, r.signature));
      const hash = sha256(preimageOf(r.root));
      expect(x(reply)).toBe(x(cat(hash, pathIdOf(hash))));
    }
  });
  it('refused: unsigned or tampered request (rule 2), an offer not ours (rule 3), a non-invoice type (rule 1)', () => {
    const offer = offerFixed(true);
    const r = invoiceRequest(offer);
    const signedReq = setRec(r.invreq, 240, r.signature);
    const rule = (payload: Uint8Array) => { const e = refusal(() => call(P.MSG_PAYMENT_HASH, payload)); expect(e.code).toBe(P.ERR_INVOICE_RULE); return e.detail; };
    expect(rule(r.invreq)).toBe(ruleOf(2, 240));
    expect(rule(setRec(signedReq, 89, ascii('changed')))).toBe(ruleOf(2, 240));
    const foreign = invoiceRequest(setRec(offer, 4, new Uint8Array(48)));
    expect(rule(setRec(foreign.invreq, 240, foreign.signature))).toBe(ruleOf(3, 4));
    expect(rule(setRec(signedReq, 4000000001, new Uint8Array(0)))).toBe(1);
    expect(rule(new Uint8Array(0))).toBe(ruleOf(2, 240));
  });
});

describe('release_preimage', () => {
  let signed: Uint8Array;
  let b: BuiltInvoice;
  beforeAll(() => {
    b = buildInvoice(spec(offerFixed(true)));
    signed = signInvoice(b).signedInvoice;
  });
  const release = (amount: bigint, invoiceTlv = signed) =>
    verifyPreimage(invoiceTlv, call(P.MSG_RELEASE_PREIMAGE, encodeReleasePreimage({ amountMsat: amount, invoiceTlv })));
  const ruleRefusal = (amount: bigint, invoiceTlv = signed) => {
    const e = refusal(() => release(amount, invoiceTlv));
    expect(e.code).toBe(P.ERR_INVOICE_RULE);
    return e.detail;
  };
  it('the right amount (up to twice it) releases the preimage, SHA256(preimage) = payment hash', () => {
    expect(x(release(5000n))).toBe(x(b.preimage));
    expect(x(release(10000n))).toBe(x(b.preimage));
    // Node-key invoices too.
    const n = buildInvoice(spec(offerFixed(false)));
    const s = signInvoice(n).signedInvoice;
    expect(x(release(5000n, s))).toBe(x(n.preimage));
  });
  it('rule 10: under the amount or over twice it', () => {
    expect(ruleRefusal(4999n)).toBe(10);
    expect(ruleRefusal(10001n)).toBe(10);
    expect(ruleRefusal(0n)).toBe(10);
  });
  it('rule 11: after expiry by the board clock', () => {
    clock = NOW - 10 + 7200;
    try { expect(ruleRefusal(5000n)).toBe(11); } finally { clock = NOW; }
    clock = NOW - 10 + 7199;
    try { expect(x(release(5000n))).toBe(x(b.preimage)); } finally { clock = NOW; }
  });
  it('rule 4: an invoice signed by another key, or for another key; rule 3: not our offer; rule 1: unsigned', () => {
    const other = sha256(ascii('not the device'));
    const msg = signatureMessage('invoice', 'signature', merkleRoot(b.invoice));
    expect(ruleRefusal(5000n, setRec(signed, 240, secp.schnorr.sign(msg, other, new Uint8Array(32))))).toBe(ruleOf(4, 240));
    const elsewhere = setRec(setRec(b.invoice, 176, secp.getPublicKey(other, true)), 240, null);
    const msg2 = signatureMessage('invoice', 'signature', merkleRoot(elsewhere));
    expect(ruleRefusal(5000n, setRec(elsewhere, 240, secp.schnorr.sign(msg2, other, new Uint8Array(32))))).toBe(ruleOf(4, 176));
    expect(ruleRefusal(5000n, setRec(signed, 4, new Uint8Array(48)))).toBe(ruleOf(3, 4));
    expect(ruleRefusal(5000n, b.invoice)).toBe(ruleOf(4, 240));
    expect(ruleRefusal(5000n, setRec(signed, 241, new Uint8Array(1)))).toBe(ruleOf(1, 241));
  });
});

describe('the host re-checks every reply before using it', () => {
  it('a sign_invoice reply with a flipped signature, root or key, an offer reply with a changed record, a wrong preimage: SignatureVerificationError', () => {
    const offerTlv = stream([rec(8, tu(5000)), desc]);
    const oreply = call(P.MSG_OFFER_CREATE, encodeOfferCreate({ deviceKey: true, offerTlv }));
    const offer = verifyOfferCreateReply({ deviceKey: true, offerTlv }, oreply, NODE_ID).offerTlv;
    expect(() => verifyOfferCreateReply({ deviceKey: true, offerTlv }, setRec(oreply, 10, ascii('tea')), NODE_ID)).toThrow(SignatureVerificationError);
    expect(() => verifyOfferCreateReply({ deviceKey: false, offerTlv }, oreply, NODE_ID)).toThrow(SignatureVerificationError);
    const b = buildInvoice(spec(offer));
    const reply = call(P.MSG_SIGN_INVOICE, encodeSignInvoice({ invreqSignature: b.invreqSignature, proofs: b.proofs, invoiceTlv: b.invoice }));
    expect(verifySignInvoiceReply(b.invoice, reply).keyKind).toBe('issuer');
    for (const at of [P.SIGN_REPLY_OFF_SIG + 3, P.SIGN_REPLY_OFF_ROOT + 1, P.SIGN_REPLY_OFF_KEY + 7, P.SIGN_REPLY_OFF_KEY_KIND]) {
      const bad = reply.slice();
      bad[at] ^= 4;
      expect(() => verifySignInvoiceReply(b.invoice, bad)).toThrow(SignatureVerificationError);
    }
    expect(() => verifySignInvoiceReply(setRec(b.invoice, 174, Uint8Array.of(1)), reply)).toThrow(SignatureVerificationError);
    const signed = verifySignInvoiceReply(b.invoice, reply).signedInvoice;
    const pre = call(P.MSG_RELEASE_PREIMAGE, encodeReleasePreimage({ amountMsat: 5000n, invoiceTlv: signed }));
    expect(x(verifyPreimage(signed, pre))).toBe(x(b.preimage));
    const badPre = pre.slice();
    badPre[0] ^= 1;
    expect(() => verifyPreimage(signed, badPre)).toThrow(SignatureVerificationError);
  });
});

describe('robustness', () => {
  it('random payloads to offer_create, sign_invoice, release_preimage and payment_hash never trap', () => {
    const types = [P.MSG_OFFER_CREATE, P.MSG_SIGN_INVOICE, P.MSG_RELEASE_PREIMAGE, P.MSG_PAYMENT_HASH];
    fc.assert(fc.property(fc.nat(3), fc.uint8Array({ maxLength: 600 }), (i, payload) => {
      const f = chip.request(types[i], payload);
      expect([types[i] | P.MSG_REPLY, P.MSG_ERROR]).toContain(f.type);
    }), { numRuns: 150 });
  });
  it('mutated valid requests never trap; a mutated invoice is refused or what is signed is exactly that invoice', () => {
    const b = buildInvoice(spec(offerFixed(true)));
    const payload = encodeSignInvoice({ invreqSignature: b.invreqSignature, proofs: b.proofs, invoiceTlv: b.invoice });
    const at0 = payload.length - b.invoice.length;
    const signed = signInvoice(b).signedInvoice;
    fc.assert(fc.property(fc.nat(payload.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const m = payload.slice();
      m[at] ^= xor;
      const f = chip.request(P.MSG_SIGN_INVOICE, m);
      expect([P.MSG_SIGN_INVOICE | P.MSG_REPLY, P.MSG_ERROR]).toContain(f.type);
      // Signed after a change: only a byte the merchant rules leave to the
      // host (e.g. invoice_features, payinfo) — the signature is over exactly those bytes.
      if (f.type !== P.MSG_ERROR) verifySignInvoiceReply(m.subarray(at0), f.payload);
      const s = signed.slice();
      s[at % s.length] ^= xor;
      const r = chip.request(P.MSG_RELEASE_PREIMAGE, encodeReleasePreimage({ amountMsat: 5000n, invoiceTlv: s }));
      // Any change to a signed invoice breaks its signature (or its parse).
      expect(r.type).toBe(P.MSG_ERROR);
    }), { numRuns: 120 });
  });
  it('no key stays in RAM: node key, offer root, MAC / preimage / path_id keys, issuer key, an unreleased preimage', () => {
    const windows = (mem: Uint8Array, secret: Uint8Array) => {
      const hay = Buffer.from(mem.buffer, mem.byteOffset, mem.length);
      let hits = 0;
      for (let i = 0; i + 16 <= secret.length; i++) if (hay.indexOf(Buffer.from(secret.subarray(i, i + 16))) >= 0) hits++;
      return hits;
    };
    const offer = offerFixed(true);
    const nonce = getRec(offer, 4)!.slice(0, 16);
    const b = buildInvoice(spec(offer));
    const signed = signInvoice(b).signedInvoice;
    refusal(() => signInvoice(buildInvoice(spec(offer, { amount: 1n }))));
    signInvoice(buildInvoice(spec(offerFixed(false))));
    const secrets = [NODE_PRIV, OFFER_ROOT, MAC_KEY, PREIMAGE_KEY, PATH_ID_KEY, issuerPriv(nonce), b.preimage];
    for (const k of secrets) expect(windows(chip.fw.bytes(), k)).toBe(0);
    call(P.MSG_RELEASE_PREIMAGE, encodeReleasePreimage({ amountMsat: 5000n, invoiceTlv: signed }));
    for (const k of secrets.slice(0, 6)) expect(windows(chip.fw.bytes(), k)).toBe(0);
    // Not vacuous: the released preimage is in the reply buffer now.
    expect(windows(chip.fw.bytes(), b.preimage)).toBeGreaterThan(0);
  });
  it('after all that the device still signs and releases', () => {
    const b = buildInvoice(spec(offerFixed(true)));
    const s = signInvoice(b);
    expect(x(verifyPreimage(s.signedInvoice, call(P.MSG_RELEASE_PREIMAGE, encodeReleasePreimage({ amountMsat: 5000n, invoiceTlv: s.signedInvoice }))))).toBe(x(b.preimage));
  });
});

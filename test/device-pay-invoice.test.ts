// pay_invoice / pay_failed on the firmware over the in-process chip
// (test/helpers/chip.ts), issue 12 item 3: invoice_requests signed by the
// device itself (sign_bolt12 with the payer key of their metadata), invoices
// made and signed by an independent @noble merchant with blinded paths from
// host/blinding, routes from host/blinding/payment-onion.ts. The reply is the
// onion and the part ref only; every hop peels the onion with @noble
// (host/onion/sphinx.ts) with the key the test gave it; build_onion for the
// same route makes another onion (its secrets do not open a pay part); every
// rule refuses with its detail; MPP; one invoice per one-off invoice_request
// for an offer (also after a reboot; lnr1 requests exempt; a format-0 pay log
// read); failure onions made at the erring hop
// (from the secret the hop itself finds) release a part (the 24-hour window
// keeps counting it), forged ones are refused; the pay log survives a reboot;
// random payloads never trap.
// Rules: docs/firmware/payer.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import * as P from '../shared/protocol.js';
import { FLASH_PAYLOG_OFF, FLASH_SECTOR, PROMPT_APPROVED, PROMPT_DENIED } from '../shared/board.js';
import { CRC32C_INIT, crc32cByte, crc32cFinish } from '../shared/crc32c.js';
import { encodeHopPayload, withLength } from '../host/onion/payload.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { autoPrompt } from '../host/firmware/load.js';
import {
  decodePolicy, encodeBuildOnion, encodeProvision, encodeSetPolicy,
} from '../host/device-client/requests.js';
import {
  decodePayFailedReply, decodePayInvoiceReply, encodePayFailed, payRuleSentence, type BuiltPart, type PayInvoicePart,
} from '../host/device-client/payer-requests.js';
import { explainDeviceStatus } from '../host/device-client/explain.js';
import { merkleRoot } from '../host/bolt12/merkle.js';
import { secp } from '../host/crypto/noble.js';
import { buildBlindedPath, encodeBlindedPath } from '../host/blinding/index.js';
import type { BlindedPaymentRoute } from '../host/blinding/payment-onion.js';
import { peelOnion } from '../host/onion/sphinx.js';
import { chipCall, powerUp, refusalOf, type Chip } from './helpers/chip.js';
import { ascii, cat, x } from './helpers/bytes.js';
import { HSM_SECRET, NODE_ID, rec, stream, tu, type Rec } from './helpers/merchant.js';
import {
  DEST, DEST_PRIV, INTRO, INTRO_PRIV, MERCHANT_ID, blindedPriv, desc, OTHER_PRIV, PEER, PEER_PRIV, failureAt, hopPrivs, hopSecrets, invoice as invoiceAt, key, makePath,
  offerRecs, payPayload, request as requestOn, route,
  type Inv, type InvOpts, type Req,
} from './helpers/payer.js';

const NOW = 1_765_000_000;
let clock = NOW;
const flash = new MemoryFlash();
const shown: string[] = [];
let chip: Chip;
const call = (type: number, payload: Uint8Array): Uint8Array => chipCall(chip, type, payload);

const NO_LIMITS = { maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null };

beforeAll(() => {
  chip = powerUp(flash, autoPrompt(PROMPT_APPROVED, shown), () => clock);
  const id = call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET })).slice(0, 33);
  expect(x(id)).toBe(x(NODE_ID));
  call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
});

const request = (offer: Rec[], own: Rec[] = [], o: Parameters<typeof requestOn>[3] = {}) => requestOn(call, offer, own, o);
const invoice = (req: Req, amount: bigint, o: InvOpts = {}) => invoiceAt(req, amount, o, clock);
function pay(inv: Inv, req: Req, r = route(inv.path, inv.amount), partId = 0n): BuiltPart {
  return decodePayInvoiceReply(call(P.MSG_PAY_INVOICE, payPayload(inv, req, r, partId)));
}
/** The ERR_PAY_RULE detail of a refused pay_invoice. */
function payRule(inv: Inv, req: Req, r = route(inv.path, inv.amount), partId = 0n): number {
  const e = refusalOf(() => call(P.MSG_PAY_INVOICE, payPayload(inv, req, r, partId)));
  expect(e.code, explainDeviceStatus(e.code, e.detail)).toBe(P.ERR_PAY_RULE);
  return e.detail;
}
const rule = (r: number, arg = 0) => r | (arg << 8);

// ---- what the device builds ----------------------------------------------------------

describe('pay_invoice: the onion of a valid invoice', () => {
  it('is onion ‖ part ref (no shared secret); every hop of the route peels it with its own key; build_onion for the same route makes another onion', () => {
    const req = request(offerRecs(5000n));
    const inv = invoice(req, 5000n);
    const r = route(inv.path, 5000n);
    const raw = call(P.MSG_PAY_INVOICE, payPayload(inv, req, r, 7n));
    expect(raw.length).toBe(P.ONION_PACKET_SIZE + 16);
    const part = decodePayInvoiceReply(raw);
    expect(part.partRef).toHaveLength(16);
    // Part ref = SHA256(invoice root ‖ partid ‖ SHA256(first-hop amount ‖ hops))[0..16].
    const le = (v: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); return b; };
    const routeHash = sha256(cat(le(r.firstAmountMsat), ...r.hops.flatMap((h) => [h.pubkey, h.payload])));
    // A domain tag of its own: no build_onion part key (payment hash ‖ partid ‖ route hash) can equal it.
    expect(x(part.partRef)).toBe(x(sha256(cat(new TextEncoder().encode('lnsigner pay part'), inv.root, le(7n), routeHash)).slice(0, 16)));
    // The first peer peels its payload (amount, cltv, scid), the introduction
    // node its own (encrypted data, current_path_key), the final node (behind
    // its blinded id) the final payload.
    const strip = (p: Uint8Array) => { expect(p[0]).toBe(p.length - 1); return p.slice(1); };
    const [k0, k1, k2] = hopPrivs(inv.path);
    const p0 = peelOnion(part.onion, k0, inv.paymentHash);
    expect(x(p0.payload)).toBe(x(strip(r.hops[0].payload)));
    const p1 = peelOnion(p0.next!, k1, inv.paymentHash);
    expect(x(p1.payload)).toBe(x(strip(r.hops[1].payload)));
    const p2 = peelOnion(p1.next!, k2, inv.paymentHash);
    expect(x(p2.payload)).toBe(x(strip(r.hops[2].payload)));
    expect(p2.next).toBeNull();
    // build_onion with the same route, hash and partid returns an onion AND
    // its shared secrets: the pay part's session key is another one (its own
    // tag over the part key), so those secrets are not the pay part's.
    const b = call(P.MSG_BUILD_ONION, encodeBuildOnion({
      hops: r.hops.map((h) => ({ pubkey: h.pubkey, payload: strip(h.payload) })), paymentHash: inv.paymentHash, partId: 7n, firstHopAmountMsat: r.firstAmountMsat,
    }));
    expect(x(b.slice(1, 34))).not.toBe(x(part.onion.slice(1, 34)));
    expect(x(b.slice(P.ONION_PACKET_SIZE, P.ONION_PACKET_SIZE + 32))).not.toBe(x(p0.sharedSecret));
  });

  it('a request signed with the node key (invreq_payer_id = node id) is ours too', () => {
    const req = request(offerRecs(3000n), [], { nodeKey: true });
    pay(invoice(req, 3000n), req);
  });

  it('quantity: offer_amount × invreq_quantity; any-amount offer: invreq_amount', () => {
    const q = request(offerRecs(1000n, [rec(20, tu(10))]), [rec(86, tu(3))]);
    pay(invoice(q, 3000n), q);
    const any = request(offerRecs(null), [rec(82, tu(12345))]);
    pay(invoice(any, 12345n), any);
  });

  it('an invoice answering our own invoice_request (no offer fields) may be signed by any key', () => {
    const req = request([], [rec(82, tu(4444))]);
    pay(invoice(req, 4444n, { nodeId: secp.getPublicKey(OTHER_PRIV, true), signerPriv: OTHER_PRIV }), req);
  });

  it('our own invoice_request with offer_description / offer_issuer / offer_absolute_expiry but no issuer id or paths (CLN invoicerequest\'s lnr1…): any key may sign', () => {
    const req = request([desc, rec(14, tu(4_000_000_000)), rec(18, ascii('us'))], [rec(82, tu(5555))], { nodeKey: true });
    pay(invoice(req, 5555n, { nodeId: secp.getPublicKey(OTHER_PRIV, true), signerPriv: OTHER_PRIV }), req);
  });

  it('our invoicerequest as Core Lightning makes it (offer_description, no issuer id, no paths): any signer', () => {
    const req = request([desc], [rec(82, tu(4444))]);
    pay(invoice(req, 4444n, { nodeId: secp.getPublicKey(OTHER_PRIV, true), signerPriv: OTHER_PRIV }), req);
  });

  it('offer without issuer id: signed by the final blinded node of one of offer_paths', () => {
    const offerPath = buildBlindedPath([{ nodeId: INTRO, data: { nextNodeId: DEST } }, { nodeId: DEST, data: { pathId: key('offer path') } }], { sessionKey: key('offer e0') });
    const finalId = offerPath.hops[1].blindedNodeId;
    const offer = [rec(8, tu(2000n)), desc, rec(16, encodeBlindedPath(offerPath.path))];
    const req = request(offer);
    // The final node signs with its blinded key: HMAC("blinded_node_id", ss)·dest_priv.
    const n = secp.Point.CURVE().n;
    const big = (b: Uint8Array) => BigInt('0x' + x(b));
    const tweak = big(hmac(sha256, ascii('blinded_node_id'), offerPath.hops[1].sharedSecret));
    const blindedPriv = Uint8Array.from(Buffer.from(((tweak * big(key('dest'))) % n).toString(16).padStart(64, '0'), 'hex'));
    expect(x(secp.getPublicKey(blindedPriv, true))).toBe(x(finalId));
    pay(invoice(req, 2000n, { nodeId: finalId, signerPriv: blindedPriv }), req);
    // Any other key, or the path's introduction node, is refused.
    const wrong = invoice(req, 2000n, { nodeId: secp.getPublicKey(OTHER_PRIV, true), signerPriv: OTHER_PRIV });
    expect(payRule(wrong, req)).toBe(rule(P.PAY_RULE_SIGNER, 176));
    expect(payRule(invoice(req, 2000n, { nodeId: INTRO, signerPriv: INTRO_PRIV }), req)).toBe(rule(P.PAY_RULE_SIGNER, 176));
  });
});

describe('pay_invoice: each rule refuses, naming itself', () => {
  it('rule 1: missing invoice fields, or a payinfo count that does not match the paths', () => {
    const req = request(offerRecs(5000n));
    for (const t of [162, 164, 168, 170]) expect(payRule(invoice(req, 5000n, { drop: t }), req)).toBe(rule(P.PAY_RULE_PARSE, t));
    const inv = invoice(req, 5000n);
    // The signature removed: the invoice is not a signed invoice.
    const noSig = { ...inv, tlv: inv.tlv.slice(0, inv.tlv.length - 66) };
    expect(payRule(noSig, req)).toBe(rule(P.PAY_RULE_PARSE, 240));
    expect(payRuleSentence(rule(P.PAY_RULE_PARSE, 168))).toContain('invoice_payment_hash');
  });

  it('rule 2: a broken signature', () => {
    const req = request(offerRecs(5000n));
    const inv = invoice(req, 5000n);
    const tlv = Uint8Array.from(inv.tlv);
    tlv[tlv.length - 1] ^= 1;
    expect(payRule({ ...inv, tlv }, req)).toBe(rule(P.PAY_RULE_SIGNATURE, 240));
  });

  it('rule 3: a request another payer key signed; an invreq field the merchant changed', () => {
    const theirs = request(offerRecs(5000n), [], { payerPriv: key('stranger') });
    expect(payRule(invoice(theirs, 5000n), theirs)).toBe(rule(P.PAY_RULE_OURS, 88));
    const req = request(offerRecs(5000n), [rec(89, ascii('for alice'))]);
    const changed = req.recs.map((r) => (r.type === 89n ? rec(89, ascii('for mallory')) : r));
    expect(payRule(invoice(req, 5000n, { invreqRecs: changed }), req)).toBe(rule(P.PAY_RULE_OURS, 240));
    // The invreq signature of another request.
    const other = request(offerRecs(5000n));
    expect(payRule(invoice(req, 5000n), other)).toBe(rule(P.PAY_RULE_OURS, 240));
  });

  it('rule 4: signed by a key other than offer_issuer_id', () => {
    const req = request(offerRecs(5000n));
    const inv = invoice(req, 5000n, { nodeId: secp.getPublicKey(OTHER_PRIV, true), signerPriv: OTHER_PRIV });
    expect(payRule(inv, req)).toBe(rule(P.PAY_RULE_SIGNER, 176));
  });

  it('rule 5: an invoice amount other than the offer\'s / invreq_amount; a route total other than the invoice amount', () => {
    const req = request(offerRecs(5000n));
    const more = invoice(req, 6000n);
    expect(payRule(more, req)).toBe(rule(P.PAY_RULE_AMOUNT, 170));
    const any = request(offerRecs(null), [rec(82, tu(7000))]);
    expect(payRule(invoice(any, 7001n), any)).toBe(rule(P.PAY_RULE_AMOUNT, 170));
    const inv = invoice(req, 5000n);
    expect(payRule(inv, req, route(inv.path, 5000n, 10000n))).toBe(rule(P.PAY_RULE_AMOUNT, 18));
    expect(payRule(inv, req, route(inv.path, 4000n, 4000n))).toBe(rule(P.PAY_RULE_AMOUNT, 18));
  });

  it('rule 6: expired by the board clock (created_at + relative expiry, default 7200)', () => {
    const req = request(offerRecs(5000n));
    expect(payRule(invoice(req, 5000n, { createdAt: NOW - 7201 }), req)).toBe(rule(P.PAY_RULE_EXPIRED, 164));
    expect(payRule(invoice(req, 5000n, { createdAt: NOW - 100, relExpiry: 99 }), req)).toBe(rule(P.PAY_RULE_EXPIRED, 164));
    pay(invoice(req, 5000n, { createdAt: NOW - 7200 }), req); // exactly at the expiry: still payable
    // A board without a set clock cannot tell: refused (detail 0).
    const saved = chip;
    try {
      chip = powerUp(new MemoryFlash(), autoPrompt(PROMPT_APPROVED), () => 0);
      call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET }));
      expect(payRule(invoice(req, 5000n), req)).toBe(rule(P.PAY_RULE_EXPIRED, 0));
    } finally {
      chip = saved;
    }
  });

  it('rule 7: a blinded tail that is not one of the invoice\'s paths; unknown even features', () => {
    const req = request(offerRecs(5000n));
    const inv = invoice(req, 5000n);
    expect(payRule(inv, req, route(makePath('elsewhere'), 5000n))).toBe(rule(P.PAY_RULE_PATH, 1));
    // A route with no blinded tail at all.
    const clear = { hops: [{ pubkey: PEER, payload: withLength(encodeHopPayload({ amountMsat: 5000n, cltv: 800_000 })) }], firstAmountMsat: 5000n } as BlindedPaymentRoute;
    expect(payRule(inv, req, clear)).toBe(rule(P.PAY_RULE_PATH, 0));
    // payinfo features: every even bit is unknown; invoice_features: all but basic_mpp (16).
    expect(payRule(invoice(req, 5000n, { payinfoFeatures: Uint8Array.of(1) }), req)).toBe(rule(P.PAY_RULE_PATH, 162));
    expect(payRule(invoice(req, 5000n, { features: Uint8Array.of(4, 0, 0) }), req)).toBe(rule(P.PAY_RULE_PATH, 174));
    pay(invoice(req, 5000n, { payinfoFeatures: Uint8Array.of(2), features: Uint8Array.of(1, 0, 0) }), req);
  });
});

describe('pay_invoice: once per invoice, once per period', () => {
  it('a second full payment is refused; a resend of the same part returns the same onion and counts nothing', () => {
    const req = request(offerRecs(5000n));
    const inv = invoice(req, 5000n);
    const before = decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0)));
    const a = pay(inv, req, undefined, 1n);
    const mid = decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0)));
    expect(mid.logUsed).toBe(before.logUsed + 1);
    const again = pay(inv, req, undefined, 1n);
    expect(x(again.onion)).toBe(x(a.onion));
    expect(x(again.partRef)).toBe(x(a.partRef));
    expect(decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0))).logUsed).toBe(mid.logUsed);
    expect(payRule(inv, req, undefined, 2n)).toBe(P.PAY_RULE_ONCE);
    expect(explainDeviceStatus(P.ERR_PAY_RULE, P.PAY_RULE_ONCE)).toContain('already paid');
  });

  it('MPP: two parts summing to the amount are accepted, a third is refused', () => {
    const req = request(offerRecs(10000n));
    const inv = invoice(req, 10000n);
    pay(inv, req, route(inv.path, 6000n, 10000n), 1n);
    pay(inv, req, route(inv.path, 4000n, 10000n), 2n);
    expect(payRule(inv, req, route(inv.path, 1n, 10000n), 3n)).toBe(P.PAY_RULE_ONCE);
  });

  it('a second invoice for the same recurrence period is refused; the next period is paid', () => {
    const recOffer = offerRecs(1000n, [rec(1000000024, Uint8Array.of(0, 0x0e, 0x10))]);
    const meta = key('recurring metadata').slice(0, 16);
    const req0 = request(recOffer, [rec(2000000092, tu(0))], { meta });
    pay(invoice(req0, 1000n), req0);
    const again = request(recOffer, [rec(2000000092, tu(0)), rec(89, ascii('again'))], { meta });
    // (detail: the rule alone: counter type 2000000092 does not fit the detail's 24 bits)
    expect(payRule(invoice(again, 1000n), again)).toBe(P.PAY_RULE_PERIOD);
    expect(payRule(invoice(req0, 1000n), req0)).toBe(P.PAY_RULE_PERIOD);
    const req1 = request(recOffer, [rec(2000000092, tu(1))], { meta });
    pay(invoice(req1, 1000n), req1);
  });
});

describe('pay_invoice: one invoice per one-off invoice_request for an offer (PAY_RULE_PERIOD, reason PAY_PERIOD_REQUEST)', () => {
  const REQUEST_HELD = rule(P.PAY_RULE_PERIOD, P.PAY_PERIOD_REQUEST);
  // A device of its own (the shared log holds 24 invoices), restored after.
  const heldFlash = new MemoryFlash();
  let saved: Chip;
  beforeAll(() => {
    saved = chip;
    chip = powerUp(heldFlash, autoPrompt(PROMPT_APPROVED), () => clock);
    call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET }));
    call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
  });
  afterAll(() => { chip = saved; });

  it('a second invoice (another payment hash) for the same request is refused, also after a reboot; the first invoice\'s resend and its MPP parts are still fine', () => {
    const req = request(offerRecs(6000n));
    const first = invoice(req, 6000n);
    const a = pay(first, req, route(first.path, 4000n, 6000n), 1n);
    const second = invoice(req, 6000n);
    expect(x(second.paymentHash)).not.toBe(x(first.paymentHash));
    // Refused while the first is only partly paid, before any part of it is built.
    expect(payRule(second, req)).toBe(REQUEST_HELD);
    expect(explainDeviceStatus(P.ERR_PAY_RULE, REQUEST_HELD)).toContain('this invoice request');
    // The first invoice: the same part again is the same onion, the rest of its amount is paid.
    expect(x(pay(first, req, route(first.path, 4000n, 6000n), 1n).onion)).toBe(x(a.onion));
    pay(first, req, route(first.path, 2000n, 6000n), 2n);
    expect(payRule(first, req, route(first.path, 1n, 6000n), 3n)).toBe(P.PAY_RULE_ONCE);
    // A power cycle: the pay log still holds the request.
    chip = powerUp(heldFlash, autoPrompt(PROMPT_APPROVED), () => clock);
    expect(payRule(second, req)).toBe(REQUEST_HELD);
    expect(payRule(invoice(req, 6000n), req, undefined, 5n)).toBe(REQUEST_HELD);
    expect(x(pay(first, req, route(first.path, 4000n, 6000n), 1n).onion)).toBe(x(a.onion));
    // Another request for the same offer (another invreq_metadata) is another request.
    const next = request(offerRecs(6000n));
    pay(invoice(next, 6000n), next);
  });

  it('the request stays held after pay_failed releases the first invoice\'s part (its entry stays in the pay log): a retry pays that invoice', () => {
    const req = request(offerRecs(3000n));
    const first = invoice(req, 3000n);
    const r = route(first.path, 3000n);
    const built = pay(first, req, r);
    const part = { invoice: first.tlv, invreqSignature: req.signature, partId: 0n, firstHopAmountMsat: r.firstAmountMsat, hops: r.hops };
    const reply = failureAt(hopSecrets(built.onion, hopPrivs(first.path), first.paymentHash), 2, Uint8Array.of(0x40, 0x0f));
    expect(decodePayFailedReply(call(P.MSG_PAY_FAILED, encodePayFailed(part, reply)), 3).erringIndex).toBe(2);
    expect(payRule(invoice(req, 3000n), req)).toBe(REQUEST_HELD);
    pay(first, req, r, 1n);
  });

  it('an offer with offer_paths and no issuer id: its request is held too', () => {
    const offerPath = buildBlindedPath([{ nodeId: INTRO, data: { nextNodeId: DEST } }, { nodeId: DEST, data: { pathId: key('held offer path') } }], { sessionKey: key('held offer e0') });
    const req = request([rec(8, tu(2200n)), desc, rec(16, encodeBlindedPath(offerPath.path))]);
    const signer = { nodeId: offerPath.hops[1].blindedNodeId, signerPriv: blindedPriv(offerPath, 1, DEST_PRIV) };
    pay(invoice(req, 2200n, signer), req);
    expect(payRule(invoice(req, 2200n, signer), req)).toBe(REQUEST_HELD);
  });

  it('a recurring offer is held per period (reason 0), not per request: the next period is paid', () => {
    const recOffer = offerRecs(1500n, [rec(1000000024, Uint8Array.of(0, 0x0e, 0x10))]);
    const meta = key('held recurring metadata').slice(0, 16);
    const req0 = request(recOffer, [rec(2000000092, tu(0))], { meta });
    pay(invoice(req0, 1500n), req0);
    expect(payRule(invoice(req0, 1500n), req0)).toBe(P.PAY_RULE_PERIOD);
    expect(explainDeviceStatus(P.ERR_PAY_RULE, P.PAY_RULE_PERIOD)).toContain('recurrence period');
    const req1 = request(recOffer, [rec(2000000092, tu(1))], { meta });
    pay(invoice(req1, 1500n), req1);
  });

  it('our own invoice_request with no offer (lnr1…, maybe multi-use: the host keeps single-use ones single) pays two distinct invoices', () => {
    const other = { nodeId: secp.getPublicKey(OTHER_PRIV, true), signerPriv: OTHER_PRIV };
    for (const offer of [[], [desc]]) {
      const req = request(offer, [rec(82, tu(4100))]);
      const one = invoice(req, 4100n, other);
      const two = invoice(req, 4100n, other);
      pay(one, req);
      pay(two, req);
      expect(payRule(two, req, undefined, 1n)).toBe(P.PAY_RULE_ONCE);
    }
  });

  it('a pay log of the previous format (0: no requests table, CRC at 3856) is read: its invoices stay paid, the next commit writes format 1', () => {
    const before = chip;
    const mem = new MemoryFlash();
    try {
      chip = powerUp(mem, autoPrompt(PROMPT_APPROVED), () => clock);
      call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET }));
      call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
      const req = request(offerRecs(1200n));
      const paid = invoice(req, 1200n);
      const a = pay(paid, req);
      // The record as the previous firmware wrote it: the current one (seq 1,
      // sector 1) cut at 3856, format byte 0, CRC-32C of bytes 4..3855 at 3856,
      // erased after; the other sector erased.
      const sec = new Uint8Array(FLASH_SECTOR);
      mem.read(FLASH_PAYLOG_OFF + FLASH_SECTOR, sec);
      expect(x(sec.subarray(0, 4))).toBe(x(ascii('PAYL')));
      expect(sec[11]).toBe(1);
      const old = sec.slice(0, 3860);
      old[11] = 0;
      let c = CRC32C_INIT;
      for (let i = 4; i < 3856; i++) c = crc32cByte(c, old[i]);
      new DataView(old.buffer).setUint32(3856, crc32cFinish(c) >>> 0, true);
      mem.erase(FLASH_PAYLOG_OFF, 2 * FLASH_SECTOR);
      mem.write(FLASH_PAYLOG_OFF + FLASH_SECTOR, old);
      chip = powerUp(mem, autoPrompt(PROMPT_APPROVED), () => clock);
      // Still paid: another part refused, the same part the same onion.
      expect(payRule(paid, req, undefined, 1n)).toBe(P.PAY_RULE_ONCE);
      expect(x(pay(paid, req).onion)).toBe(x(a.onion));
      // The next commit (another invoice) writes format 1 (seq 2, sector 0), the old invoice kept.
      const next = request(offerRecs(1300n));
      const n1 = invoice(next, 1300n);
      pay(n1, next);
      mem.read(FLASH_PAYLOG_OFF, sec);
      expect([x(sec.subarray(0, 4)), sec[4], sec[8], sec[11]]).toEqual([x(ascii('PAYL')), 2, 2, 1]);
      chip = powerUp(mem, autoPrompt(PROMPT_APPROVED), () => clock);
      expect(payRule(paid, req, undefined, 1n)).toBe(P.PAY_RULE_ONCE);
      expect(payRule(invoice(next, 1300n), next)).toBe(REQUEST_HELD);
      // (An invoice recorded by format 0 holds no request: documented, docs/firmware/payer.md "Pay log".)
      const third = invoice(req, 1200n);
      pay(third, req);
      // A copy with an unknown format byte (here 2, with a matching CRC) is
      // not trusted: the other (seq 2) is read, where `third` is not recorded.
      mem.read(FLASH_PAYLOG_OFF + FLASH_SECTOR, sec);
      expect([sec[4], sec[11]]).toEqual([3, 1]);
      const unknown = sec.slice(0, 4052);
      unknown[11] = 2;
      c = CRC32C_INIT;
      for (let i = 4; i < 4048; i++) c = crc32cByte(c, unknown[i]);
      new DataView(unknown.buffer).setUint32(4048, crc32cFinish(c) >>> 0, true);
      mem.erase(FLASH_PAYLOG_OFF + FLASH_SECTOR, FLASH_SECTOR);
      mem.write(FLASH_PAYLOG_OFF + FLASH_SECTOR, unknown);
      chip = powerUp(mem, autoPrompt(PROMPT_APPROVED), () => clock);
      pay(third, req, undefined, 1n);
      expect(payRule(third, req, undefined, 2n)).toBe(P.PAY_RULE_ONCE);
    } finally {
      chip = before;
    }
  });
});

describe('pay_failed: a failure made at a hop of the route releases the part; the 24-hour window keeps it', () => {
  const partOf = (inv: Inv, req: Req, r = route(inv.path, inv.amount), partId = 0n): PayInvoicePart =>
    ({ invoice: inv.tlv, invreqSignature: req.signature, partId, firstHopAmountMsat: r.firstAmountMsat, hops: r.hops });
  /** What the route's hops see: each finds its shared secret by peeling with its own key. */
  const atHops = (inv: Inv, built: BuiltPart) => hopSecrets(built.onion, hopPrivs(inv.path), inv.paymentHash);
  const failed = (part: PayInvoicePart, onionreply: Uint8Array) =>
    decodePayFailedReply(call(P.MSG_PAY_FAILED, encodePayFailed(part, onionreply)), part.hops.length);
  const failRule = (part: PayInvoicePart, onionreply: Uint8Array) => {
    const e = refusalOf(() => call(P.MSG_PAY_FAILED, encodePayFailed(part, onionreply)));
    expect(e.code, explainDeviceStatus(e.code, e.detail)).toBe(P.ERR_PAY_RULE);
    return e.detail;
  };
  const policy = () => decodePolicy(call(P.MSG_GET_POLICY, new Uint8Array(0)));

  it('the erring hop and the failure message come back, the amount is released and the spend log entry removed; forged failures are refused', () => {
    const req = request(offerRecs(8000n));
    const inv = invoice(req, 8000n);
    const r = route(inv.path, 8000n);
    const part = partOf(inv, req, r, 1n);
    const built = pay(inv, req, r, 1n);
    const before = policy();
    expect(payRule(inv, req, undefined, 2n)).toBe(P.PAY_RULE_ONCE);
    const ss = atHops(inv, built);
    expect(ss).toHaveLength(3);
    // temporary_channel_failure (0x1007) with a channel_update-like tail.
    const msg = cat(Uint8Array.of(0x10, 0x07, 0, 4), key('update').slice(0, 4));
    // Forged: random bytes; a failure made with a wrong key at the
    // introduction hop (a host that does not hold the hop's key); build_onion's
    // secrets for the same route; an unknown part (other partid); a changed
    // payload (other first-hop amount: another part key).
    expect(failRule(part, new Uint8Array(292).fill(7))).toBe(rule(P.PAY_RULE_FAILURE, 3));
    const wrong = hopSecrets(built.onion, [hopPrivs(inv.path)[0], OTHER_PRIV], inv.paymentHash);
    expect(failRule(part, failureAt(wrong, 1, msg))).toBe(rule(P.PAY_RULE_FAILURE, 3));
    const strip = (p: Uint8Array) => p.slice(1);
    const b = call(P.MSG_BUILD_ONION, encodeBuildOnion({
      hops: r.hops.map((h) => ({ pubkey: h.pubkey, payload: strip(h.payload) })), paymentHash: inv.paymentHash, partId: 1n, firstHopAmountMsat: r.firstAmountMsat,
    }));
    const bss = [0, 1, 2].map((i) => b.slice(P.ONION_PACKET_SIZE + 32 * i, P.ONION_PACKET_SIZE + 32 * (i + 1)));
    expect(failRule(part, failureAt(bss, 1, msg))).toBe(rule(P.PAY_RULE_FAILURE, 3));
    expect(failRule({ ...part, partId: 9n }, failureAt(ss, 1, msg))).toBe(rule(P.PAY_RULE_FAILURE, 1));
    expect(failRule({ ...part, firstHopAmountMsat: part.firstHopAmountMsat + 1n }, failureAt(ss, 1, msg))).toBe(rule(P.PAY_RULE_FAILURE, 1));
    // Still live: no retry yet.
    expect(payRule(inv, req, undefined, 2n)).toBe(P.PAY_RULE_ONCE);
    const mid = policy();
    // The real failure from the introduction node.
    const f = failed(part, failureAt(ss, 1, msg));
    expect(f.erringIndex).toBe(1);
    expect(f.failcode).toBe(0x1007);
    expect(x(f.failureMessage)).toBe(x(msg));
    // The 24-hour window is NOT credited (a hop the host chose could forge the
    // failure after forwarding): the entry of the part stays.
    const after = policy();
    expect(after.logUsed).toBe(mid.logUsed);
    expect(after.spentLast24hMsat).toBe(mid.spentLast24hMsat);
    expect(before.logUsed).toBe(mid.logUsed - 1); // (build_onion's part above)
    // The retry counts again: a daily limit with room for one more part pays it, one without refuses it.
    const retry = route(inv.path, 8000n);
    call(P.MSG_SET_POLICY, encodeSetPolicy({ ...NO_LIMITS, dailyLimitMsat: after.spentLast24hMsat + retry.firstAmountMsat - 1n }));
    const short = refusalOf(() => call(P.MSG_PAY_INVOICE, payPayload(inv, req, retry, 2n)));
    expect([short.code, short.detail]).toEqual([P.ERR_POLICY, P.POLICY_LIMIT_DAILY]);
    call(P.MSG_SET_POLICY, encodeSetPolicy({ ...NO_LIMITS, dailyLimitMsat: after.spentLast24hMsat + retry.firstAmountMsat }));
    pay(inv, req, retry, 2n);
    call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
    // The failed part is gone: its failure cannot be replayed.
    expect(failRule(part, failureAt(ss, 1, msg))).toBe(rule(P.PAY_RULE_FAILURE, 1));
  });

  it('a failure from the final node (incorrect_or_unknown_payment_details, behind its blinded id) decodes at hop 2; from the first peer at hop 0', () => {
    const req = request(offerRecs(900n));
    const inv = invoice(req, 900n);
    const part = partOf(inv, req);
    const ss = atHops(inv, pay(inv, req));
    const msg = cat(Uint8Array.of(0x40, 0x0f), new Uint8Array(8).fill(0), Uint8Array.of(0, 0, 0, 0x2a));
    expect(failed(part, failureAt(ss, 2, msg))).toEqual({ erringIndex: 2, failcode: 0x400f, failureMessage: msg });
    const req2 = request(offerRecs(901n));
    const inv2 = invoice(req2, 901n);
    const part2 = partOf(inv2, req2);
    const ss2 = atHops(inv2, pay(inv2, req2));
    expect(failed(part2, failureAt(ss2, 0, Uint8Array.of(0x20, 0x0a)))).toEqual({ erringIndex: 0, failcode: 0x200a, failureMessage: Uint8Array.of(0x20, 0x0a) });
  });

  it('random onionreply bytes after a valid payload, and cut payloads, are refused, never a trap', () => {
    const req = request(offerRecs(700n));
    const inv = invoice(req, 700n);
    const part = partOf(inv, req);
    pay(inv, req);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      const e = refusalOf(() => call(P.MSG_PAY_FAILED, encodePayFailed(part, b)));
      expect(e.code).toBe(P.ERR_PAY_RULE);
    }), { numRuns: 30 });
    const good = encodePayFailed(part, new Uint8Array(292));
    for (const cut of [0, 10, 84, good.length - 300, good.length - 1]) {
      const f = chip.request(P.MSG_PAY_FAILED, good.slice(0, cut));
      expect(f.type).toBe(P.MSG_ERROR);
    }
    expect(x(call(P.MSG_PING, Uint8Array.of(4)))).toBe('04');
  });
});

describe('the pay log survives a reboot', () => {
  it('a paid invoice stays paid and a recorded part resends the same onion on a new power-up of the same flash', () => {
    const req = request(offerRecs(2500n));
    const inv = invoice(req, 2500n);
    const part = pay(inv, req, undefined, 4n);
    chip = powerUp(flash, autoPrompt(PROMPT_APPROVED, shown), () => clock);
    expect(payRule(inv, req, undefined, 5n)).toBe(P.PAY_RULE_ONCE);
    expect(x(pay(inv, req, undefined, 4n).onion)).toBe(x(part.onion));
    // After a power cycle pay_failed finds the part from the payload alone
    // (nothing of the pay_invoice request is left in RAM).
    chip = powerUp(flash, autoPrompt(PROMPT_APPROVED, shown), () => clock);
    const r = route(inv.path, 2500n);
    const pf = { invoice: inv.tlv, invreqSignature: req.signature, partId: 4n, firstHopAmountMsat: r.firstAmountMsat, hops: r.hops };
    const reply = failureAt(hopSecrets(part.onion, hopPrivs(inv.path), inv.paymentHash), 1, Uint8Array.of(0x10, 0x07));
    expect(decodePayFailedReply(call(P.MSG_PAY_FAILED, encodePayFailed(pf, reply)), 3).erringIndex).toBe(1);
    pay(inv, req, undefined, 5n);
  });
});

describe('confirmation', () => {
  it('above confirm_above_msat the device shows amount, description, issuer and payer note before it builds', () => {
    call(P.MSG_SET_POLICY, encodeSetPolicy({ ...NO_LIMITS, confirmAboveMsat: 1000n }));
    const req = request(offerRecs(3000n), [rec(89, ascii('lunch with bob'))]);
    shown.length = 0;
    pay(invoice(req, 3000n), req);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toBe(`Pay 3000 msat\ncoffee beans\nto ${x(MERCHANT_ID.slice(0, 8))}...\nnote: lunch with bob\n`);
    // A denied press builds nothing and records nothing.
    const denied = powerUp(flash, autoPrompt(PROMPT_DENIED), () => clock);
    const r2 = request(offerRecs(3000n));
    const inv2 = invoice(r2, 3000n);
    const e = refusalOf(() => chipCall(denied, P.MSG_PAY_INVOICE, payPayload(inv2, r2, route(inv2.path, 3000n))));
    expect(e.code).toBe(P.ERR_CONFIRM_DENIED);
    chip = powerUp(flash, autoPrompt(PROMPT_APPROVED, shown), () => clock);
    pay(inv2, r2);
    call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
  });
});

describe('malformed input never traps', () => {
  it('random pay_invoice / pay_failed payloads are refused or answered, and the chip keeps serving', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), fc.boolean(), (b, failedReq) => {
      const f = chip.request(failedReq ? P.MSG_PAY_FAILED : P.MSG_PAY_INVOICE, b);
      expect([P.MSG_ERROR, (failedReq ? P.MSG_PAY_FAILED : P.MSG_PAY_INVOICE) | P.MSG_REPLY]).toContain(f.type);
    }), { numRuns: 200 });
    expect(x(call(P.MSG_PING, Uint8Array.of(1, 2)))).toBe('0102');
  });

  it('a valid request with random bytes changed or cut is refused or answered, never a trap', () => {
    const req = request(offerRecs(1500n));
    const inv = invoice(req, 1500n);
    const good = payPayload(inv, req, route(inv.path, 1500n));
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(good.length), (edits, cut) => {
      const b = Uint8Array.from(good);
      for (const [i, v] of edits) b[i] ^= v;
      const f = chip.request(P.MSG_PAY_INVOICE, b.slice(0, Math.max(cut, good.length - 40)));
      expect([P.MSG_ERROR, P.MSG_PAY_INVOICE | P.MSG_REPLY]).toContain(f.type);
    }), { numRuns: 40 });
    expect(x(call(P.MSG_PING, Uint8Array.of(3)))).toBe('03');
  });
});

describe('allowlist and the pay log\'s room', () => {
  it('an allowlisted offer (allowlist 0x28, offer_id = merkle root of the offer fields) is paid without a press', () => {
    const offer = offerRecs(3000n, [rec(18, ascii('roaster'))]);
    const offerId = merkleRoot(stream(offer));
    call(P.MSG_SET_POLICY, encodeSetPolicy({ ...NO_LIMITS, confirmAboveMsat: 1000n }));
    call(P.MSG_ALLOWLIST, cat(Uint8Array.of(P.ALLOWLIST_OP_ADD), offerId));
    shown.length = 0;
    const req = request(offer);
    pay(invoice(req, 3000n), req);
    expect(shown).toEqual([]);
    // Another offer still asks.
    const other = request(offerRecs(3000n));
    pay(invoice(other, 3000n), other);
    expect(shown).toHaveLength(1);
    call(P.MSG_ALLOWLIST, cat(Uint8Array.of(P.ALLOWLIST_OP_REMOVE), offerId));
    call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
  });

  it('a full log refuses (PAY_RULE_LOG_FULL) until invoices are 24 h past their expiry, which then make room', () => {
    const saved = chip;
    chip = powerUp(new MemoryFlash(), autoPrompt(PROMPT_APPROVED), () => clock);
    call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET }));
    call(P.MSG_SET_POLICY, encodeSetPolicy(NO_LIMITS));
    const t0 = clock;
    try {
      for (let i = 0; i < 24; i++) {
        const req = request(offerRecs(100n));
        pay(invoice(req, 100n), req);
      }
      const req = request(offerRecs(100n));
      const inv = invoice(req, 100n);
      expect(payRule(inv, req)).toBe(P.PAY_RULE_LOG_FULL);
      // 2 h (expiry) + 24 h later, the old invoices may go.
      clock = t0 + 7200 + 86400 + 120;
      const late = request(offerRecs(100n));
      pay(invoice(late, 100n), late);
    } finally {
      clock = t0;
      chip = saved;
    }
  });
});

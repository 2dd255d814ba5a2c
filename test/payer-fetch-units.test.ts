// The parts of fetchinvoice that need no network (host/payer/, docs/host/payer.md):
// the payer key against Core Lightning's own vector, the request builder
// (offer records copied byte for byte, CLN's parameter errors), the reply
// checks of cln-offers-flow-digest §4.3 in order, the pending-reply matcher,
// feature bits, the payer_requests store, and the standalone daemon's error.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { secp } from '../host/crypto/noble.js';
import { encodeBolt12String, merkleRootOfRecords, offerToString, readTlvRecords, signatureMessage, encodeTlvRecord, invreqId } from '../host/bolt12/index.js';
import { derivePayerId, recurrenceMetadata } from '../host/payer/payer-key.js';
import { bip353Value, buildFetchRequest, checkFetchParams, readPayerOffer, withSignature } from '../host/payer/fetch-request.js';
import { checkReply, invreqSpan } from '../host/payer/fetch-check.js';
import { PendingReplies, replyHandler } from '../host/payer/flow.js';
import { hasFeatureBit } from '../host/payer/reply-path.js';
import { fetchInvoice, NEEDS_PLUGIN } from '../host/payer/fetch.js';
import { commandMap } from '../host/commands/index.js';
import { Store } from '../host/store/index.js';
import { RpcError } from '../host/rpc/errors.js';
import type { CommandContext } from '../host/commands/context.js';
import { keyVectors } from './helpers/e2e.js';

const CASE = keyVectors.key_cases[0];
const EX = CASE.payer_key_examples[0];
const NODE_ID = hexToBytes(CASE.node_id);
const BASE = hexToBytes(CASE.makesecret['node-alias-base']);
const REGTEST = hexToBytes('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f');

const offerText = (f: Record<string, unknown>) => offerToString({ offer_chains: [REGTEST], offer_description: 'd', ...f } as never);
const rpcErr = (f: () => unknown): RpcError => {
  try {
    f();
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('expected an RpcError');
};

describe('payer key (cln-rpc-digest §7.4)', () => {
  it("is Core Lightning's: node_id + SHA256(node-alias-base ‖ metadata)·G reproduces its fetchinvoice payer id", () => {
    expect(bytesToHex(derivePayerId(NODE_ID, BASE, hexToBytes(EX.invreq_metadata_hex)))).toBe(EX.invreq_payer_id);
  });
  it('recurring metadata = SHA256(base ‖ offer_id ‖ label): one per (offer, label)', () => {
    const id = sha256(new Uint8Array([1]));
    expect(bytesToHex(recurrenceMetadata(BASE, id, 'rent'))).toBe(bytesToHex(sha256(concatBytes(BASE, id, new TextEncoder().encode('rent')))));
    expect(bytesToHex(recurrenceMetadata(BASE, id, 'rent'))).not.toBe(bytesToHex(recurrenceMetadata(BASE, id, 'gym')));
  });
});

describe('the invoice_request (§4.1)', () => {
  const issuerKey = sha256(new TextEncoder().encode('issuer'));
  const issuer = secp.getPublicKey(issuerKey, true);
  const unknownOdd = encodeTlvRecord(1000000001n, new Uint8Array([7, 7]));

  it('copies every offer record byte for byte (unknown odd ones too) and adds the invreq fields in type order', () => {
    const plain = offerText({ offer_amount: 1000n, offer_issuer_id: issuer });
    // an offer with an unknown odd record in the offer range
    const o = readPayerOffer(encodeBolt12String('lno', concatBytes(readPayerOffer(plain, 'regtest').bytes, unknownOdd)), 'regtest');
    const r = buildFetchRequest(o, { offer: '', payerNote: 'hi' }, { network: 'regtest', nodeId: NODE_ID, aliasBase: BASE, random: () => hexToBytes(EX.invreq_metadata_hex) });
    const recs = readTlvRecords(r.unsigned);
    for (const or of o.records) expect(bytesToHex(recs.find((x) => x.type === or.type)!.raw)).toBe(bytesToHex(or.raw));
    expect(recs.map((x) => x.type)).toEqual([0n, 2n, 8n, 10n, 22n, 80n, 84n, 88n, 89n, 1000000001n]);
    expect(recs.find((x) => x.type === 84n)!.value.length).toBe(0);
    expect(bytesToHex(r.payerId)).toBe(EX.invreq_payer_id);
    // the signature goes between 89 and the experimental range
    const signed = withSignature(r.unsigned, new Uint8Array(64).fill(1));
    expect(readTlvRecords(signed).map((x) => x.type)).toEqual([0n, 2n, 8n, 10n, 22n, 80n, 84n, 88n, 89n, 240n, 1000000001n]);
    expect(bytesToHex(invreqSpan(readTlvRecords(signed)))).toBe(bytesToHex(r.unsigned));
  });

  it("CLN's parameter errors and 1002", () => {
    const any = readPayerOffer(offerText({ offer_issuer_id: issuer }), 'regtest');
    expect(rpcErr(() => checkFetchParams(any, { offer: '' }, 0)).message).toBe('amount_msat parameter required');
    const q = readPayerOffer(offerText({ offer_amount: 5n, offer_quantity_max: 0n, offer_issuer_id: issuer }), 'regtest');
    expect(rpcErr(() => checkFetchParams(q, { offer: '', quantity: 0n }, 0)).message).toBe('quantity parameter must be non-zero');
    expect(() => checkFetchParams(q, { offer: '', quantity: 99n }, 0)).not.toThrow();
    const exp = readPayerOffer(offerText({ offer_amount: 5n, offer_absolute_expiry: 100n, offer_issuer_id: issuer }), 'regtest');
    const e = rpcErr(() => checkFetchParams(exp, { offer: '' }, 101));
    expect([e.code, e.message]).toEqual([1002, 'Offer expired']);
    expect(() => checkFetchParams(exp, { offer: '' }, 100)).not.toThrow();
    const rec = readPayerOffer(offerText({ offer_amount: 5n, offer_issuer_id: issuer, offer_recurrence_compulsory: { timeUnit: 0, period: 60 } }), 'regtest');
    expect(rpcErr(() => checkFetchParams(rec, { offer: '', recurrenceCounter: 0, recurrenceLabel: 'l', recurrenceStart: 1 }, 0)).message).toBe('unnecessary recurrence_start');
    expect(rpcErr(() => checkFetchParams(rec, { offer: '', recurrenceCounter: 0, recurrenceLabel: 'l', payerMetadata: new Uint8Array(16) }, 0)).code).toBe(-32602);
    // another chain: Unparsable offer
    const main = offerToString({ offer_description: 'd', offer_amount: 5n, offer_issuer_id: issuer } as never);
    expect(rpcErr(() => readPayerOffer(main, 'regtest')).message).toMatch(/^Unparsable offer: /);
    expect(bytesToHex(bip353Value('₿alice@example.com'))).toBe(bytesToHex(concatBytes(Uint8Array.of(5), new TextEncoder().encode('alice'), Uint8Array.of(11), new TextEncoder().encode('example.com'))));
    expect(rpcErr(() => bip353Value('alice')).message).toBe('bip353: missing @');
  });

  describe('checks on the reply (§4.3), in order', () => {
    const o = readPayerOffer(offerText({ offer_amount: 1000n, offer_issuer_id: issuer }), 'regtest');
    const req = buildFetchRequest(o, { offer: '' }, { network: 'regtest', nodeId: NODE_ID, aliasBase: BASE, random: () => new Uint8Array(16).fill(3) });
    const signed = withSignature(req.unsigned, new Uint8Array(64));
    const sent = { signed, expectedSigner: issuer };
    const tu = (v: bigint) => { const o2: number[] = []; for (let x = v; x > 0n; x >>= 8n) o2.unshift(Number(x & 0xffn)); return Uint8Array.from(o2); };
    function invoice(span: Uint8Array, extra: [bigint, Uint8Array][], key = issuerKey): string {
      const recs = [...readTlvRecords(span).map((r) => ({ type: r.type, raw: r.raw })), ...extra.map(([t, v]) => ({ type: t, raw: encodeTlvRecord(t, v) }))].sort((a, b) => (a.type < b.type ? -1 : 1));
      const body = concatBytes(...recs.map((r) => r.raw));
      const sig = secp.schnorr.sign(signatureMessage('invoice', 'signature', merkleRootOfRecords(readTlvRecords(body))), key, new Uint8Array(32));
      return bytesToHex(withSignature(body, sig));
    }
    const fields = (amount = 1000n, node = issuer): [bigint, Uint8Array][] => [[164n, tu(1700000000n)], [168n, new Uint8Array(32).fill(9)], [170n, tu(amount)], [176n, node]];

    it('accepts the right invoice; changes.amount_msat only for another amount', () => {
      expect(checkReply(o, sent, { invoice: invoice(req.unsigned, fields()) }).changes).toEqual({});
      expect(checkReply(o, sent, { invoice: invoice(req.unsigned, fields(1500n)) }).changes).toEqual({ amount_msat: 1500n });
    });
    it('refuses, with CLN\'s texts: invoice_error, nothing, bad TLV, changed span, missing field, other signer, bad signature', () => {
      const err = rpcErr(() => checkReply(o, sent, { invoice_error: bytesToHex(concatBytes(encodeTlvRecord(1n, tu(82n)), encodeTlvRecord(5n, new TextEncoder().encode('no')))) }));
      expect([err.code, err.message, err.data]).toEqual([1004, 'Remote node sent failure message', { erroneous_field: 82, error: 'no' }]);
      expect(rpcErr(() => checkReply(o, sent, { invoice_error: 'ff' })).data).toEqual({ invoice_error_hex: 'ff' });
      expect(rpcErr(() => checkReply(o, sent, {})).message).toMatch(/^Neither invoice nor invoice_request_failed in reply/);
      expect(rpcErr(() => checkReply(o, sent, { invoice: '0201' })).message).toBe('Incorrect invoice field in 0201');
      const changed = buildFetchRequest(o, { offer: '', payerNote: 'x' }, { network: 'regtest', nodeId: NODE_ID, aliasBase: BASE, random: () => new Uint8Array(16).fill(3) });
      expect(rpcErr(() => checkReply(o, sent, { invoice: invoice(changed.unsigned, fields()) })).message).toMatch(/^Incorrect invoice_request match field in /);
      expect(rpcErr(() => checkReply(o, sent, { invoice: invoice(req.unsigned, fields().filter(([t]) => t !== 168n)) })).message).toMatch(/^Incorrect invoice_payment_hash field/);
      expect(rpcErr(() => checkReply(o, sent, { invoice: invoice(req.unsigned, fields().filter(([t]) => t !== 164n)) })).message).toMatch(/^Incorrect invoice_amount field/);
      const otherKey = sha256(new Uint8Array([5]));
      expect(rpcErr(() => checkReply(o, sent, { invoice: invoice(req.unsigned, fields(1000n, secp.getPublicKey(otherKey, true)), otherKey) })).message).toMatch(/^Incorrect invoice_node_id field/);
      expect(rpcErr(() => checkReply(o, sent, { invoice: invoice(req.unsigned, fields(), otherKey) })).message).toMatch(/^Incorrect signature field/);
      expect(rpcErr(() => checkReply(o, { ...sent, recurrenceCounter: 0 }, { invoice: invoice(req.unsigned, fields()) })).message).toMatch(/^Incorrect invoice_recurrence_basetime field/);
    });
  });
});

describe('replies are matched by reply secret only', () => {
  it('a pending secret is matched (and consumed), any other secret or none passes on; forget removes it', () => {
    const pending = new PendingReplies();
    const got: unknown[] = [];
    const a = new Uint8Array(32).fill(1);
    const forget = pending.expect(a, (om) => got.push(om));
    pending.expect(new Uint8Array(32).fill(2), () => got.push('b'));
    const h = replyHandler(pending);
    expect(h({ onion_message: { pathsecret: bytesToHex(new Uint8Array(32).fill(3)), invoice: '00' } })).toBeUndefined();
    expect(h({ onion_message: { invoice: '00' } })).toBeUndefined();
    expect(h({ onion_message: { pathsecret: 'zz', invoice: '00' } })).toBeUndefined();
    expect(h({ onion_message: { pathsecret: bytesToHex(a), invoice: '00' } })).toEqual({ result: 'lnsigner' });
    expect(got).toEqual([{ pathsecret: bytesToHex(a), invoice: '00' }]);
    forget();
    expect(pending.match(a)).toBeUndefined();
    expect(pending.size).toBe(1);
  });
  it('feature bits: option_onion_messages (39) in a CLN node feature string', () => {
    expect(hasFeatureBit('88a0800a0a69a2', 39)).toBe(true);
    expect(hasFeatureBit('88a0000a0a69a2', 39)).toBe(false);
    expect(hasFeatureBit('', 39)).toBe(false);
  });
});

describe('payer_requests store and the standalone daemon', () => {
  it('stores a request, updates its status, finds it by invreq_id (payerRequestByInvreqId)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lns-payreq-'));
    const store = Store.open(join(dir, 's.sqlite3'));
    try {
      const id = bytesToHex(invreqId(readTlvRecords(encodeTlvRecord(0n, new Uint8Array([1])))));
      const rec = { invreqId: id, offerId: 'ab'.repeat(32), bolt12: 'lnr1xyz', replySecret: 'cd'.repeat(32), recurrenceCounter: 1, recurrenceLabel: 'l' };
      expect(store.payerRequests.create(rec)).toEqual(expect.objectContaining({ status: 'pending', recurrenceCounter: 1 }));
      store.payerRequests.setStatus(id, 'answered', 'lni1abc');
      expect(store.payerRequestByInvreqId(id)).toEqual(expect.objectContaining({ status: 'answered', invoice: 'lni1abc', bolt12: 'lnr1xyz' }));
      // the same request sent again (a retried period): new secret, pending again
      expect(store.payerRequests.create({ ...rec, replySecret: 'ef'.repeat(32) })).toEqual(expect.objectContaining({ status: 'pending', replySecret: 'ef'.repeat(32) }));
      expect(store.payerRequests.get(id)?.invoice).toBeUndefined();
      expect(() => store.payerRequests.setStatus(id, 'answered', 'not an invoice')).toThrow();
      expect(store.payerRequestByInvreqId('00'.repeat(32))).toBeUndefined();
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('without the plugin, fetchinvoice and cancelrecurringinvoice say they need it', async () => {
    const ctx = { network: 'regtest' } as CommandContext;
    await expect(fetchInvoice(ctx, { offer: 'lno1' })).rejects.toThrow(NEEDS_PLUGIN);
    await expect(commandMap().get('cancelrecurringinvoice')!.run({ values: { offer: 'lno1', recurrence_counter: 1, recurrence_label: 'x' } } as never, ctx, { id: '1', method: 'cancelrecurringinvoice' })).rejects.toThrow(/^cancelrecurringinvoice needs lnsigner running as a Core Lightning plugin/);
  });
});

// invoice_request and invoice reader rules, one targeted case each, with the
// strict reader (throws) and `decode` JSON (CLN's fatal errors vs warnings).
// The host only verifies; these tests sign with @noble/secp256k1 themselves.
import { describe, expect, it } from 'vitest';
import { bech32, hex } from '@scure/base';
import * as secp from '@noble/secp256k1';
import {
  Bolt12Error, Bolt12SignatureError, decodeInvoice, decodeInvoiceRequest, decodeOffer, decodeToJson, encodeBolt12String,
  encodeInvoice, encodeInvoiceRequest, invoiceRequestForOffer, invreqId, merkleRoot, offerId, offerToString,
  parseTlvMessage, signatureMessage, type BlindedPath, type InvoiceFields, type InvoiceRequestFields, type ReaderOptions, type TlvEntry,
} from '../host/bolt12/index.js';

const sk = (b: number) => new Uint8Array(32).fill(b);
const ALICE_SK = sk(0x41), BOB_SK = sk(0x42), CAROL_SK = sk(0x43);
const pub = (s: Uint8Array) => secp.getPublicKey(s, true);
const ALICE = pub(ALICE_SK), BOB = pub(BOB_SK);
const KEY2 = new Uint8Array(33).fill(2);
const TESTNET = hex.decode('43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000');
const ZERO_AUX = new Uint8Array(32);

const sign = (name: 'invoice_request' | 'invoice', unsigned: Uint8Array, key: Uint8Array) =>
  secp.schnorr.sign(signatureMessage(name, 'signature', merkleRoot(unsigned)), key, ZERO_AUX);

function lnr(f: InvoiceRequestFields, unknown: TlvEntry[] = [], key: Uint8Array | null = BOB_SK): string {
  const signature = key ? sign('invoice_request', encodeInvoiceRequest(f, unknown), key) : undefined;
  return encodeBolt12String('lnr', encodeInvoiceRequest({ ...f, signature }, unknown));
}
function lni(f: InvoiceFields, unknown: TlvEntry[] = [], key: Uint8Array | null = ALICE_SK): string {
  const signature = key ? sign('invoice', encodeInvoice(f, unknown), key) : undefined;
  return encodeBolt12String('lni', encodeInvoice({ ...f, signature }, unknown));
}

const PATH: BlindedPath = { firstNodeId: { pubkey: ALICE }, firstPathKey: KEY2, hops: [{ blindedNodeId: KEY2, encryptedRecipientData: Uint8Array.of(1, 2, 3) }] };
const PAYINFO = { feeBaseMsat: 1, feeProportionalMillionths: 2, cltvExpiryDelta: 3, htlcMinimumMsat: 4n, htlcMaximumMsat: 5n, features: new Uint8Array() };
const REQ: InvoiceRequestFields = {
  offer_description: 'coffee', offer_amount: 1000n, offer_issuer_id: ALICE,
  invreq_metadata: Uint8Array.of(1, 2, 3, 4), invreq_payer_id: BOB, invreq_amount: 1000n,
};
const INV: InvoiceFields = {
  ...REQ, invoice_paths: [PATH], invoice_blindedpay: [PAYINFO], invoice_created_at: 1700000000n,
  invoice_payment_hash: new Uint8Array(32).fill(7), invoice_amount: 1000n, invoice_node_id: ALICE,
};

function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof Bolt12Error) return `${e.layer}: ${e.message}`;
    throw e;
  }
}
/** Strict reader result and the `decode` JSON (or its error) for one string. */
function both(text: string, opts: ReaderOptions = {}) {
  const strict = outcome(() => (text.startsWith('lnr') ? decodeInvoiceRequest(text, opts) : decodeInvoice(text, opts)));
  let json: Record<string, unknown> | string;
  try {
    json = decodeToJson(text).json;
  } catch (e) {
    json = `${(e as Bolt12Error).layer}: ${(e as Error).message}`;
  }
  return { strict, json };
}

describe('invoice_request', () => {
  it('a request answering an offer decodes; decode prints offer_id and the signature', () => {
    const text = lnr(REQ);
    const { strict, json } = both(text);
    expect(strict).toBe('ok');
    const j = json as Record<string, unknown>;
    expect(j.valid).toBe(true);
    expect(j.offer_id).toBe(hex.encode(offerId(decodeOffer(offerToString({ offer_description: 'coffee', offer_amount: 1000n, offer_issuer_id: ALICE })).bytes)));
    expect(Object.keys(j)).toEqual(['type', 'offer_id', 'offer_amount_msat', 'offer_description', 'offer_issuer_id',
      'invreq_metadata', 'invreq_payer_id', 'invreq_amount_msat', 'signature', 'valid']);
  });
  it('missing invreq_metadata / invreq_payer_id: reject; decode warns (CLN)', () => {
    const a = both(lnr({ ...REQ, invreq_metadata: undefined }));
    expect(a.strict).toMatch(/^semantic: invreq_metadata/);
    expect(a.json).toMatchObject({ warning_missing_invreq_metadata: 'invreq_metadata required', valid: false });
    const b = both(lnr({ ...REQ, invreq_payer_id: undefined }));
    expect(b.strict).toMatch(/^semantic: invreq_payer_id/);
    expect(b.json).toMatchObject({ warning_missing_invreq_payer_id: 'invreq_payer_id required', valid: false });
  });
  it('signature: wrong key or missing: reject at the signature layer; decode warns (CLN)', () => {
    const a = both(lnr(REQ, [], CAROL_SK));
    expect(a.strict).toMatch(/^signature: .*does not verify/);
    expect(a.json).toMatchObject({ warning_invalid_invoice_request_signature: 'Bad signature', valid: false });
    const b = both(lnr(REQ, [], null));
    expect(b.strict).toMatch(/^signature: .*missing signature/);
    expect(b.json).toMatchObject({ warning_missing_invoice_request_signature: 'Missing signature', valid: false });
    expect(() => decodeInvoiceRequest(lnr(REQ, [], null))).toThrow(Bolt12SignatureError);
  });
  it('non-signature fields outside 0-159 / 1e9-2999999999 reject (CLN too); odd types in range are kept', () => {
    expect(both(lnr(REQ, [{ type: 161n, value: Uint8Array.of(1) }])).json).toMatch(/^semantic: .*type 161 is outside/);
    expect(both(lnr(REQ, [{ type: 3000000001n, value: Uint8Array.of(1) }])).strict).toMatch(/type 3000000001 is outside/);
    const ok = both(lnr(REQ, [{ type: 241n, value: Uint8Array.of(9) }, { type: 2000000001n, value: Uint8Array.of(1) }]));
    expect(ok.strict).toBe('ok');
    expect((ok.json as Record<string, unknown>).unknown_invoice_request_tlvs).toEqual([
      { type: 241n, length: 1, value: '09' }, { type: 2000000001n, length: 1, value: '01' }]);
  });
  it('unknown even invreq_features bit and zero-hop invreq_paths reject', () => {
    expect(both(lnr({ ...REQ, invreq_features: Uint8Array.of(1) })).json).toMatch(/unknown even feature bit 0/);
    expect(both(lnr({ ...REQ, invreq_features: Uint8Array.of(2) })).strict).toBe('ok');
    expect(both(lnr({ ...REQ, invreq_paths: [{ ...PATH, hops: [] }] })).strict).toMatch(/invreq_paths has 0 hops/);
  });
  it('unsupported invreq_chain rejects when the reader names its chains', () => {
    expect(both(lnr({ ...REQ, invreq_chain: TESTNET }), { chains: [TESTNET] }).strict).toBe('ok');
    expect(both(lnr(REQ), { chains: [TESTNET] }).strict).toMatch(/not a supported chain/);
  });
  it('bip353 name with bytes outside 0-9 a-z A-Z - _ .', () => {
    const name = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    expect(both(lnr({ ...REQ, invreq_bip_353_name: { name: name('alice_1.x-y'), domain: name('example.com') } })).strict).toBe('ok');
    const bad = both(lnr({ ...REQ, invreq_bip_353_name: { name: name('al ice'), domain: name('example.com') } }));
    expect(bad.strict).toMatch(/bip353 name/);
    expect(bad.json).toMatchObject({ invreq_bip_353_name: { name: 'al ice', domain: 'example.com' }, warning_invreq_bip_353_name_name_invalid: expect.any(String), valid: false });
  });
  it('quantity rules against offer_quantity_max', () => {
    const q = (max: bigint | undefined, qty: bigint | undefined) => both(lnr({ ...REQ, offer_quantity_max: max, invreq_quantity: qty, invreq_amount: 1000000n })).strict;
    expect(q(5n, 5n)).toBe('ok');
    expect(q(0n, 99n)).toBe('ok');
    expect(q(5n, undefined)).toMatch(/invreq_quantity is missing/);
    expect(q(5n, 6n)).toMatch(/not in 1..5/);
    expect(q(5n, 0n)).toMatch(/not in 1..5/);
    expect(q(undefined, 1n)).toMatch(/no offer_quantity_max/);
    // CLN's decode does not check these: ours adds a warning and valid:false.
    expect(both(lnr({ ...REQ, offer_quantity_max: 5n, invreq_quantity: 6n, invreq_amount: 6000n })).json).toMatchObject({ warning_invalid_invreq_quantity: expect.any(String), valid: false });
  });
  it('amount rules: below offer_amount x quantity, or no amount at all', () => {
    expect(both(lnr({ ...REQ, invreq_amount: 999n })).strict).toMatch(/less than the expected 1000/);
    expect(both(lnr({ ...REQ, offer_quantity_max: 0n, invreq_quantity: 3n, invreq_amount: 2999n })).strict).toMatch(/expected 3000/);
    expect(both(lnr({ ...REQ, invreq_amount: undefined })).strict).toBe('ok'); // offer_amount is enough
    expect(both(lnr({ ...REQ, offer_amount: undefined, offer_description: 'tip', invreq_amount: undefined })).strict).toMatch(/neither offer_amount nor invreq_amount/);
    // with a currency the expected amount needs a rate: not checked
    expect(both(lnr({ ...REQ, offer_currency: 'USD', invreq_amount: 1n })).strict).toBe('ok');
  });
  it('offer-less requests: no offer_chains/features/quantity_max, invreq_amount required', () => {
    const base: InvoiceRequestFields = { offer_description: 'refund', invreq_metadata: Uint8Array.of(1), invreq_payer_id: BOB, invreq_amount: 5n };
    expect(both(lnr(base)).strict).toBe('ok');
    expect((both(lnr(base)).json as Record<string, unknown>).offer_id).toBeUndefined();
    expect(both(lnr({ ...base, offer_chains: [TESTNET] })).strict).toMatch(/offer_chains is not allowed/);
    expect(both(lnr({ ...base, offer_quantity_max: 1n })).strict).toMatch(/offer_quantity_max is not allowed/);
    expect(both(lnr({ ...base, invreq_amount: undefined })).strict).toMatch(/invreq_amount is required/);
  });
  it('recurrence cancel needs a non-zero counter', () => {
    const rec = { ...REQ, offer_recurrence_compulsory: { timeUnit: 1, period: 30 } };
    expect(both(lnr({ ...rec, invreq_recurrence_counter: 1, invreq_recurrence_cancel: true })).strict).toBe('ok');
    const a = both(lnr({ ...rec, invreq_recurrence_cancel: true }));
    expect(a.json).toMatchObject({ invreq_recurrence_cancel: true, warning_invreq_recurrence_cancel_without_counter: expect.any(String), valid: false });
    expect(both(lnr({ ...rec, invreq_recurrence_counter: 0, invreq_recurrence_cancel: true })).strict).toMatch(/counter zero/);
  });
  it('writer for an offer copies the offer records (unknown ones too) byte for byte', () => {
    const offerText = offerToString({ offer_description: 'coffee', offer_amount: 1000n, offer_issuer_id: ALICE }, [{ type: 1000000033n, value: Uint8Array.of(0xab) }]);
    const offer = decodeOffer(offerText);
    const unsigned = invoiceRequestForOffer(offer, { invreq_metadata: Uint8Array.of(9), invreq_payer_id: BOB, invreq_amount: 1000n });
    const sig = secp.schnorr.sign(signatureMessage('invoice_request', 'signature', merkleRoot(unsigned)), BOB_SK, ZERO_AUX);
    const parsed = parseTlvMessage('invoice_request', unsigned);
    const text = encodeBolt12String('lnr', encodeInvoiceRequest({ ...parsed.fields, signature: sig }, parsed.unknown));
    const req = decodeInvoiceRequest(text);
    expect(hex.encode(offerId(req.records))).toBe(hex.encode(offerId(offer.bytes)));
    expect(req.unknown.map((r) => hex.encode(r.raw))).toEqual(['fe3b9aca2101ab']);
  });
});

describe('invoice', () => {
  it('a full invoice decodes; its invreq_id is that of the request it answers', () => {
    const { strict, json } = both(lni(INV));
    expect(strict).toBe('ok');
    const j = json as Record<string, any>;
    expect(j.valid).toBe(true);
    expect(j.invoice_relative_expiry).toBe(7200);
    expect(j.invoice_paths[0].payinfo).toEqual({ fee_base_msat: 1, fee_proportional_millionths: 2, cltv_expiry_delta: 3, htlc_minimum_msat: 4n, htlc_maximum_msat: 5n, features: '' });
    const req = decodeInvoiceRequest(lnr(REQ));
    expect(hex.encode(invreqId(decodeInvoice(lni(INV)).records))).toBe(hex.encode(invreqId(req.records)));
  });
  // Core Lightning's decode (plugins/offers.c json_add_b12_invoice) prints these as warnings.
  for (const [name, warning, text] of [
    ['invoice_amount', 'warning_missing_invoice_amount', 'invoices without an amount are invalid'],
    ['invoice_created_at', 'warning_missing_invoice_created_at', 'invoices without created_at are invalid'],
    ['invoice_payment_hash', 'warning_missing_invoice_payment_hash', 'invoices without a payment_hash are invalid'],
  ] as const) {
    it(`missing ${name} rejects; decode prints ${warning} as CLN`, () => {
      const r = both(lni({ ...INV, [name]: undefined }));
      expect(r.strict).toMatch(new RegExp(`${name} is missing`));
      expect(r.json).toMatchObject({ [warning]: text, valid: false });
    });
  }
  it('missing invoice_node_id: rejected; decode warns and cannot check the signature', () => {
    const j = both(lni({ ...INV, invoice_node_id: undefined })).json as Record<string, unknown>;
    expect(j).toMatchObject({ warning_missing_invoice_node_id: 'invoices without an invoice_node_id are invalid', valid: false });
    expect(j.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(both(lni({ ...INV, invoice_node_id: undefined })).strict).toMatch(/invoice_node_id is missing/);
  });
  it('bad or missing signature rejects; decode prints warning_invalid/missing_invoice_signature', () => {
    const bad = both(lni(INV, [], CAROL_SK));
    expect(bad.strict).toMatch(/^signature: .*does not verify/);
    expect(bad.json).toMatchObject({ warning_invalid_invoice_signature: 'Bad signature', valid: false });
    expect(bad.json).not.toHaveProperty('signature');
    const none = both(lni(INV, [], null));
    expect(none.strict).toMatch(/^signature: .*missing signature/);
    expect(none.json).toMatchObject({ warning_missing_invoice_signature: 'Missing signature', valid: false });
  });
  it('invoice_features: unknown even bit 18 rejects, MPP bit 16 is known', () => {
    expect(both(lni({ ...INV, invoice_features: Uint8Array.of(4, 0, 0) })).strict).toMatch(/unknown even feature bit 18/);
    expect(both(lni({ ...INV, invoice_features: Uint8Array.of(1, 0, 0) })).strict).toBe('ok');
  });
  it('paths: missing, empty, zero hops; blindedpay: missing or wrong count', () => {
    const noPaths = both(lni({ ...INV, invoice_paths: undefined, invoice_blindedpay: [] }));
    expect(noPaths.strict).toMatch(/invoice_paths is missing or empty/);
    expect(noPaths.json).toMatchObject({ warning_missing_invoice_paths: 'invoices without a invoice_paths are invalid', valid: false });
    const empty = both(lni({ ...INV, invoice_paths: [], invoice_blindedpay: [] }));
    expect(empty.strict).toMatch(/invoice_paths is missing or empty/);
    expect(empty.json).toMatchObject({ warning_missing_invoice_paths: expect.any(String), valid: false });
    expect(both(lni({ ...INV, invoice_paths: [{ ...PATH, hops: [] }] })).json).toMatchObject({ warning_empty_blinded_path: 'blinded path 0 has 0 hops', valid: false });
    const noPay = both(lni({ ...INV, invoice_blindedpay: undefined }));
    expect(noPay.strict).toMatch(/invoice_blindedpay is missing/);
    expect(noPay.json).toMatchObject({ warning_missing_invoice_blindedpay: 'invoices with paths without blindedpay are invalid', valid: false });
    expect(both(lni({ ...INV, invoice_blindedpay: [PAYINFO, PAYINFO] })).json)
      .toMatchObject({ warning_invalid_invoice_blindedpay: 'invoice has 2 blinded_payinfo but 1 paths', valid: false });
  });
  it('no usable path when every payinfo has unknown even features', () => {
    const r = both(lni({ ...INV, invoice_blindedpay: [{ ...PAYINFO, features: Uint8Array.of(1) }] }));
    expect(r.strict).toMatch(/no usable path/);
    expect(r.json).toMatchObject({ warning_no_usable_invoice_paths: expect.any(String), valid: false });
  });
  it('invoice_amount must equal invreq_amount', () => {
    expect(both(lni({ ...INV, invoice_amount: 1001n })).strict).toMatch(/differs from invreq_amount/);
  });
  it('expiry: created_at + relative_expiry (7200 by default), checked when the reader gives the time', () => {
    expect(both(lni(INV), { now: 1700007200n }).strict).toBe('ok');
    expect(both(lni(INV), { now: 1700007201n }).strict).toMatch(/expired at 1700007200/);
    expect(both(lni({ ...INV, invoice_relative_expiry: 60 }), { now: 1700000061n }).strict).toMatch(/expired at 1700000060/);
  });
  it('fallbacks: segwit addresses for the chain, warnings for the ones to ignore', () => {
    const j = both(lni({ ...INV, invoice_fallbacks: [
      { version: 0, address: new Uint8Array(20) },
      { version: 1, address: new Uint8Array(32).fill(1) },
      { version: 17, address: new Uint8Array(20) },
      { version: 0, address: new Uint8Array(21) },
    ] })).json as Record<string, any>;
    expect(j.invoice_fallbacks[0]).toEqual({ version: 0, hex: '00'.repeat(20), address: bech32.encode('bc', [0, ...bech32.toWords(new Uint8Array(20))]) });
    expect(j.invoice_fallbacks[0].address).toMatch(/^bc1q[02-9ac-hj-np-z]{38}$/);
    expect(j.invoice_fallbacks[1].address).toMatch(/^bc1p/);
    expect(j.invoice_fallbacks[2].warning_invalid_invoice_fallbacks_version).toBe('invoice fallback version > 16');
    expect(j.invoice_fallbacks[3].warning_invalid_invoice_fallbacks_address).toBe('invalid fallback address for this version');
    expect(j.valid).toBe(false);
  });
  it('recurring invoice without invoice_recurrence_basetime: decode warns', () => {
    const rec = { ...INV, offer_recurrence_compulsory: { timeUnit: 0, period: 60 }, invreq_recurrence_counter: 0 };
    expect(both(lni({ ...rec, invoice_recurrence_basetime: 1700000000n })).strict).toBe('ok');
    expect(both(lni(rec)).json).toMatchObject({ warning_missing_invoice_recurrence_basetime: expect.any(String), valid: false });
  });
  it('invreq_recurrence_cancel is not an invoice field: unknown even', () => {
    const bytes = encodeInvoice(INV);
    const withCancel = Uint8Array.from([...bytes, ...hex.decode('fe7735945e00')]);
    expect(outcome(() => decodeInvoice(encodeBolt12String('lni', withCancel)))).toMatch(/^tlv: unknown even record type 2000000094/);
  });
});

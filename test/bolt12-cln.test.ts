// Core Lightning's own strings: the offers, invoice_requests and invoices in its
// schema examples (cln-rpc-examples.json) and in the seed man page
// (cln-seed-002-invoicerequest.txt). Their ids and signatures must match.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import {
  decodeBolt12, decodeInvoice, decodeInvoiceRequest, decodeOffer, decodeToJson, invoiceExpiry, invreqId, offerId,
  verifyBolt12Signature,
} from '../host/bolt12/index.js';

interface Example { command: string; request: { params: Record<string, unknown> | unknown[] }; response: Record<string, any> }
const examples: Example[] = JSON.parse(readFileSync(new URL('./vectors/cln-rpc-examples.json', import.meta.url), 'utf8'));
const seed = readFileSync(new URL('./vectors/cln-seed-002-invoicerequest.txt', import.meta.url), 'utf8');
const byCommand = (c: string) => examples.filter((e) => e.command === c);
const H = hex.encode;

describe('cln-rpc-examples.json', () => {
  it('every bolt12 string in the examples decodes under every reader rule', () => {
    const all = new Set([...JSON.stringify(examples).matchAll(/ln[oir]1[0-9a-z]+/g)].map((m) => m[0]));
    expect(all.size).toBeGreaterThanOrEqual(9);
    for (const s of all) {
      const m = decodeBolt12(s);
      expect(decodeToJson(s).valid).toBe(true);
      if (m.kind !== 'offer') expect(m.fields.signature).toBeDefined();
    }
  });

  it('offer: offer_id is what `offer`, `listoffers`, `disableoffer` print', () => {
    const pairs = [...byCommand('offer'), ...byCommand('disableoffer'), ...byCommand('enableoffer')].map((e) => e.response);
    for (const e of byCommand('listoffers')) pairs.push(...e.response.offers);
    expect(pairs.length).toBeGreaterThanOrEqual(7);
    for (const p of pairs) {
      const offer = decodeOffer(p.bolt12);
      expect(H(offerId(offer.bytes))).toBe(p.offer_id);
      if (p.description) expect(offer.fields.offer_description).toBe(p.description);
    }
  });

  it('offer #1 decodes to the digest\'s derived `decode` output exactly', () => {
    const d = decodeToJson(byCommand('offer')[0].response.bolt12);
    expect(d.json).toEqual({
      type: 'bolt12 offer',
      offer_id: 'c5cde0292d56941940f8b10a4c9bdd1f8846d6041a61b3f7e0f87e105aa88121',
      offer_chains: ['06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f'],
      offer_amount_msat: 10000n,
      offer_description: 'Fish sale!',
      offer_issuer_id: '033845802d25b4e074ccfd7cd8b339a41dc75bf9978a034800444b51d42b07799a',
      valid: true,
    });
    expect(Object.keys(decodeToJson(byCommand('offer')[1].response.bolt12).json)).toEqual([
      'type', 'offer_id', 'offer_chains', 'offer_amount_msat', 'offer_description', 'offer_quantity_max', 'offer_issuer_id', 'valid',
    ]);
  });

  it('invoicerequest: invreq_id matches and the signature verifies under the node id', () => {
    const reqs = [...byCommand('invoicerequest'), ...byCommand('disableinvoicerequest')].map((e) => e.response);
    for (const e of byCommand('listinvoicerequests')) reqs.push(...e.response.invoicerequests);
    expect(reqs.length).toBeGreaterThanOrEqual(5);
    for (const r of reqs) {
      const req = decodeInvoiceRequest(r.bolt12);
      expect(H(invreqId(req.bytes))).toBe(r.invreq_id);
      expect(verifyBolt12Signature('invoice_request', req.records, req.fields.invreq_payer_id!, req.fields.signature!)).toBe(true);
      // the signature covers the fields: flipping one bit of it fails
      const sig = Uint8Array.from(req.fields.signature!);
      sig[5] ^= 1;
      expect(verifyBolt12Signature('invoice_request', req.records, req.fields.invreq_payer_id!, sig)).toBe(false);
    }
    const first = decodeInvoiceRequest(byCommand('invoicerequest')[0].response.bolt12);
    expect(first.fields.invreq_amount).toBe(1000000n);
    expect(first.fields.offer_description).toBe('Simple test');
  });

  it('fetchinvoice: the invoice carries the offer (same offer_id) and a valid signature', () => {
    for (const e of byCommand('fetchinvoice')) {
      const offer = decodeOffer((e.request.params as Record<string, string>).offer);
      const inv = decodeInvoice(e.response.invoice);
      expect(H(offerId(inv.records))).toBe(H(offerId(offer.bytes)));
      expect(inv.fields.invoice_node_id).toEqual(offer.fields.offer_issuer_id);
      const params = e.request.params as Record<string, unknown>;
      if (params.payer_note) expect(inv.fields.invreq_payer_note).toBe(params.payer_note);
      if (params.quantity) expect(inv.fields.invreq_quantity).toBe(BigInt(params.quantity as number));
      if (params.amount_msat) expect(inv.fields.invoice_amount).toBe(BigInt(params.amount_msat as number));
    }
  });

  it('sendinvoice: the invoice answers the invreq (same invreq_id), hash, amount and expiry match', () => {
    const e = byCommand('sendinvoice')[0];
    const req = decodeInvoiceRequest((e.request.params as Record<string, string>).invreq);
    const inv = decodeInvoice(e.response.bolt12);
    expect(H(invreqId(inv.records))).toBe(H(invreqId(req.bytes)));
    expect(H(invreqId(inv.records))).toBe(byCommand('invoicerequest')[0].response.invreq_id);
    expect(H(inv.fields.invoice_payment_hash!)).toBe(e.response.payment_hash);
    expect(inv.fields.invoice_amount).toBe(BigInt(e.response.amount_msat));
    expect(invoiceExpiry(inv.fields)).toBe(BigInt(e.response.expires_at));
  });
});

describe('cln-seed-002-invoicerequest.txt', () => {
  const pairs = [...seed.matchAll(/"invreq_id":\s*"([0-9a-f]{64})"[\s\S]*?"bolt12":\s*"(lnr1[0-9a-z]+)"/g)].map((m) => ({ id: m[1], bolt12: m[2] }));
  it('holds two examples', () => expect(pairs).toHaveLength(2));
  for (const p of pairs) {
    it(`invreq ${p.id.slice(0, 8)}: id and signature`, () => {
      const req = decodeInvoiceRequest(p.bolt12);
      expect(H(invreqId(req.bytes))).toBe(p.id);
      const d = decodeToJson(p.bolt12);
      expect(d.valid).toBe(true);
      expect(d.json.signature).toBe(H(req.fields.signature!));
      expect(d.json.offer_id).toBeUndefined(); // no offer_issuer_id or offer_paths: CLN prints no offer_id
    });
  }
});

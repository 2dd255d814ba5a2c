// Properties: decode∘encode is the identity for valid offers / invoice_requests
// / invoices, and random or mutated strings never crash the decoders: they give
// a valid result or a Bolt12Error, nothing else.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import * as secp from '@noble/secp256k1';
import {
  Bolt12Error, decodeBolt12, decodeInvoice, decodeInvoiceRequest, decodeOffer, decodeToJson, encodeBolt12String,
  encodeInvoice, encodeInvoiceRequest, merkleRoot, offerToString, signatureMessage,
  type BlindedPath, type InvoiceFields, type OfferFields,
} from '../host/bolt12/index.js';

const vectors = ['offers-test.json', 'format-string-test.json', 'signature-test.json', 'cln-rpc-examples.json']
  .map((f) => readFileSync(new URL(`./vectors/${f}`, import.meta.url), 'utf8'))
  .join('\n');
const SEEDS = [...new Set([...vectors.matchAll(/ln[oir]1[0-9a-z]+/gi)].map((m) => m[0]))];

const KEYS = [0x41, 0x42, 0x43, 0x44].map((b) => secp.getPublicKey(new Uint8Array(32).fill(b), true));
const point = fc.constantFrom(...KEYS);
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const pos64 = fc.bigInt({ min: 1n, max: (1n << 64n) - 1n });
const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', 'Zürich ☕', '日本語', '\u{1F600}'));
/** Feature bitmaps with only odd bits set (acceptable to every reader), no leading zero needed. */
const oddFeatures = bytes(4).map((b) => b.map((x) => x & 0xaa));
const path: fc.Arbitrary<BlindedPath> = fc.record({
  firstNodeId: fc.oneof(
    point.map((pubkey) => ({ pubkey })),
    fc.record({ direction: fc.constantFrom(0 as const, 1 as const), scid: fc.record({ block: fc.integer({ min: 0, max: 0xffffff }), txIndex: fc.integer({ min: 0, max: 0xffffff }), outputIndex: fc.integer({ min: 0, max: 0xffff }) }) }),
  ),
  firstPathKey: point,
  hops: fc.array(fc.record({ blindedNodeId: point, encryptedRecipientData: bytes(40) }), { minLength: 1, maxLength: 3 }),
});

const offerFields: fc.Arbitrary<OfferFields> = fc
  .record({
    offer_chains: fc.option(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    offer_metadata: fc.option(bytes(20), { nil: undefined }),
    priced: fc.option(fc.record({ amount: pos64, currency: fc.option(fc.constantFrom('USD', 'EUR', 'JPY', 'XYZ'), { nil: undefined }) }), { nil: undefined }),
    offer_description: fc.option(text, { nil: undefined }),
    offer_features: fc.option(oddFeatures, { nil: undefined }),
    offer_absolute_expiry: fc.option(u64, { nil: undefined }),
    offer_paths: fc.option(fc.array(path, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    offer_issuer: fc.option(text, { nil: undefined }),
    offer_quantity_max: fc.option(u64, { nil: undefined }),
    offer_issuer_id: fc.option(point, { nil: undefined }),
    recurrence: fc.option(fc.record({ timeUnit: fc.integer({ min: 0, max: 2 }), period: fc.integer({ min: 1, max: 0xffffffff }) }), { nil: undefined }),
  })
  .map(({ priced, recurrence, ...f }) => ({
    ...f,
    offer_amount: priced?.amount,
    offer_currency: priced?.currency,
    offer_description: priced ? (f.offer_description ?? 'paid') : f.offer_description,
    offer_issuer_id: f.offer_issuer_id ?? (f.offer_paths ? undefined : KEYS[0]),
    offer_recurrence_compulsory: recurrence,
  }))
  .map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as OfferFields);

function mutate(s: string, edits: { at: number; kind: number; c: string }[]): string {
  let out = s;
  for (const e of edits) {
    const i = e.at % (out.length + 1);
    if (e.kind === 0) out = out.slice(0, i) + e.c + out.slice(i + 1);
    else if (e.kind === 1) out = out.slice(0, i) + e.c + out.slice(i);
    else if (e.kind === 2) out = out.slice(0, i) + out.slice(i + 1);
    else if (e.kind === 3) out = out.slice(0, i) + out.slice(i).toUpperCase();
    else out = out.slice(0, i) + '+ \n' + out.slice(i);
  }
  return out;
}

/** Runs both decoders; anything thrown must be a Bolt12Error. */
function neverCrashes(s: string): void {
  for (const f of [() => decodeBolt12(s), () => decodeToJson(s)]) {
    try {
      f();
    } catch (e) {
      if (!(e instanceof Bolt12Error)) throw new Error(`non-Bolt12Error ${String(e)} for ${JSON.stringify(s)}`);
    }
  }
}

describe('decode∘encode', () => {
  it('offers', () => {
    fc.assert(fc.property(offerFields, (f) => {
      const s = offerToString(f);
      const o = decodeOffer(s);
      expect(o.fields).toEqual(f);
      expect(offerToString(o.fields, o.unknown)).toBe(s);
    }), { numRuns: 300 });
  });
  it('invoice_requests and invoices (signed in the test)', () => {
    const sign = (name: 'invoice_request' | 'invoice', b: Uint8Array, key: number) =>
      secp.schnorr.sign(signatureMessage(name, 'signature', merkleRoot(b)), new Uint8Array(32).fill(key), new Uint8Array(32));
    fc.assert(fc.property(offerFields, bytes(32), pos64, text, fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }), (of, metadata, amount, note, counter) => {
      const req = {
        ...of, offer_quantity_max: undefined, invreq_metadata: metadata, invreq_payer_id: KEYS[1],
        invreq_amount: of.offer_amount ?? amount, invreq_payer_note: note,
        invreq_recurrence_counter: of.offer_recurrence_compulsory ? counter : undefined,
      };
      if (req.offer_chains && !of.offer_issuer_id && !of.offer_paths) return;
      const clean = Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined));
      const unsigned = encodeInvoiceRequest(clean);
      const r = encodeBolt12String('lnr', encodeInvoiceRequest({ ...clean, signature: sign('invoice_request', unsigned, 0x42) }));
      const back = decodeInvoiceRequest(r);
      expect(back.fields).toEqual({ ...clean, signature: back.fields.signature });
      expect(encodeBolt12String('lnr', encodeInvoiceRequest(back.fields, back.unknown))).toBe(r);
      const inv: InvoiceFields = {
        ...clean, invoice_paths: [{ firstNodeId: { pubkey: KEYS[0] }, firstPathKey: KEYS[2], hops: [{ blindedNodeId: KEYS[3], encryptedRecipientData: metadata }] }],
        invoice_blindedpay: [{ feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 9, htlcMinimumMsat: 0n, htlcMaximumMsat: amount, features: new Uint8Array() }],
        invoice_created_at: 1n, invoice_payment_hash: new Uint8Array(32), invoice_amount: clean.invreq_amount as bigint, invoice_node_id: KEYS[0],
        invoice_recurrence_basetime: of.offer_recurrence_compulsory ? 5n : undefined,
      };
      const cleanInv = Object.fromEntries(Object.entries(inv).filter(([, v]) => v !== undefined)) as InvoiceFields;
      const i = encodeBolt12String('lni', encodeInvoice({ ...cleanInv, signature: sign('invoice', encodeInvoice(cleanInv), 0x41) }));
      const ib = decodeInvoice(i);
      expect(encodeBolt12String('lni', encodeInvoice(ib.fields, ib.unknown))).toBe(i);
      expect(decodeToJson(i).valid).toBe(true);
    }), { numRuns: 100 });
  });
});

describe('random and mutated strings never crash', () => {
  it(`mutations of the ${SEEDS.length} vector strings`, () => {
    const edit = fc.record({ at: fc.nat(2000), kind: fc.integer({ min: 0, max: 4 }), c: fc.constantFrom(...'qpzry9x8gf2tvdw0s3jn54khce6mua7l1+ bioQ\u00e9') });
    fc.assert(fc.property(fc.constantFrom(...SEEDS), fc.array(edit, { minLength: 1, maxLength: 4 }), (s, edits) => neverCrashes(mutate(s, edits))), { numRuns: 3000 });
  });
  it('random bech32 data after each prefix', () => {
    const data = fc.array(fc.constantFrom(...'qpzry9x8gf2tvdw0s3jn54khce6mua7l'), { maxLength: 300 }).map((a) => a.join(''));
    fc.assert(fc.property(fc.constantFrom('lno1', 'lnr1', 'lni1', 'LNO1'), data, (p, d) => neverCrashes(p + (p === 'LNO1' ? d.toUpperCase() : d))), { numRuns: 3000 });
  });
  it('random TLV bytes, and valid streams with flipped bytes', () => {
    fc.assert(fc.property(fc.constantFrom('lno', 'lnr', 'lni') as fc.Arbitrary<'lno' | 'lnr' | 'lni'>, fc.uint8Array({ maxLength: 200 }), (p, b) => neverCrashes(encodeBolt12String(p, b))), { numRuns: 3000 });
    const valid = SEEDS.map((s) => {
      try {
        return decodeBolt12(s);
      } catch {
        return undefined;
      }
    }).filter((m) => m !== undefined);
    fc.assert(fc.property(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, x) => {
      const b = Uint8Array.from(m.bytes);
      b[at % b.length] ^= x;
      neverCrashes(encodeBolt12String(m.kind === 'offer' ? 'lno' : m.kind === 'invoice' ? 'lni' : 'lnr', b));
    }), { numRuns: 3000 });
  });
  it('arbitrary unicode strings', () => {
    // Any code points, lone surrogates included. (Built from code points rather than
    // fc.string({ unit: 'binary' }), whose generator was seen looping forever.)
    const anyText = fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 100 }).map((cps) => String.fromCodePoint(...cps));
    fc.assert(fc.property(anyText, (s) => neverCrashes(s)), { numRuns: 500 });
    fc.assert(fc.property(anyText, (s) => neverCrashes('lno1' + s)), { numRuns: 500 });
  });
});

it('seed strings are the official ones', () => {
  expect(SEEDS.length).toBeGreaterThan(60);
  expect(hex.encode(decodeBolt12(SEEDS[0]).bytes).length).toBeGreaterThan(0);
});

// invoice_requests (`lnr1...`): semantic layer (BOLT 12 reader rules), the
// signature layer, and the writer.
import { decodeBolt12String, encodeBolt12String } from './bech32-string.js';
import { Bolt12StringError } from './errors.js';
import { encodeTlvMessage, parseTlvMessage, type InvoiceRequest, type InvoiceRequestFields, type Offer } from './message.js';
import { recurrenceProblems } from './offer.js';
import { emptyPathIndex, isBip353String, sameBytes, throwFirst, unknownEvenFeature, type Problem, type ReaderOptions } from './rules.js';
import { checkSignature } from './signature.js';
import type { TlvEntry } from './tlv.js';
import { BITCOIN_CHAIN_HEX, INVREQ_RANGES, fieldName, inRanges, isSignatureType } from './tlv-types.js';
import { hex } from '@scure/base';

export type { InvoiceRequest, InvoiceRequestFields };

/** invoice_request features this reader understands (BOLT 9 defines none). */
export const KNOWN_INVREQ_FEATURES: readonly number[] = [];

const BITCOIN = hex.decode(BITCOIN_CHAIN_HEX);

/** Does it answer an offer (BOLT 12: `offer_issuer_id` or `offer_paths` present)? */
export const respondsToOffer = (f: InvoiceRequestFields) => f.offer_issuer_id !== undefined || f.offer_paths !== undefined;

/** Every context-free invoice_request reader rule `req` breaks (the signature is its own layer). */
export function invoiceRequestProblems(req: InvoiceRequest, opts: ReaderOptions = {}): Problem[] {
  const f = req.fields;
  const out: Problem[] = [];
  const fatal = (message: string, field?: Problem['field']) => out.push({ field, message, cln: 'fatal', warning: '' });
  const silent = (warning: string, message: string, field?: Problem['field']) => out.push({ field, message, cln: 'silent', warning });

  // BOLT #12: MUST reject the invoice request if `invreq_payer_id` or `invreq_metadata` are not present.
  if (f.invreq_metadata === undefined) out.push({ field: 'invreq_metadata', cln: 'warning', warning: 'warning_missing_invreq_metadata', message: 'invreq_metadata is missing' });
  if (f.invreq_payer_id === undefined) out.push({ field: 'invreq_payer_id', cln: 'warning', warning: 'warning_missing_invreq_payer_id', message: 'invreq_payer_id is missing' });
  // BOLT #12: MUST reject the invoice request if any non-signature TLV fields are
  // outside the inclusive ranges: 0 to 159 and 1000000000 to 2999999999
  for (const r of req.records) {
    if (!isSignatureType(r.type) && !inRanges(r.type, INVREQ_RANGES)) {
      fatal(`record type ${r.type}${fieldName(r.type) ? ` (${fieldName(r.type)})` : ''} is outside the invoice_request ranges 0-159 and 1000000000-2999999999`);
    }
  }
  // BOLT #12: if `invreq_features` contains unknown _even_ bits that are non-zero: MUST reject.
  const bit = unknownEvenFeature(f.invreq_features, KNOWN_INVREQ_FEATURES);
  if (bit !== undefined) fatal(`unknown even feature bit ${bit}`, 'invreq_features');
  // BOLT #12: if `num_hops` is 0 in any `blinded_path` in `invreq_paths`: MUST reject.
  const empty = emptyPathIndex(f.invreq_paths);
  if (empty >= 0) fatal(`blinded path ${empty} in invreq_paths has 0 hops`, 'invreq_paths');
  const emptyOffer = emptyPathIndex(f.offer_paths);
  if (emptyOffer >= 0) out.push({ field: 'offer_paths', cln: 'warning', warning: 'warning_empty_blinded_path', message: `blinded path ${emptyOffer} in offer_paths has 0 hops` });
  // BOLT #12: MUST reject the invoice request if `invreq_chain`.`chain` (bitcoin if absent) is not supported.
  if (opts.chains && !opts.chains.some((c) => sameBytes(c, f.invreq_chain ?? BITCOIN))) fatal('invreq_chain is not a supported chain', 'invreq_chain');
  // BOLT #12: if `invreq_bip_353_name` is present: MUST reject the invoice request if
  // `name` or `domain` contain any bytes which are not `0`-`9`, `a`-`z`, `A`-`Z`, `-`, `_` or `.`.
  const bip353 = f.invreq_bip_353_name;
  if (bip353 && !isBip353String(bip353.name)) out.push({ field: 'invreq_bip_353_name', cln: 'warning', warning: 'warning_invreq_bip_353_name_name_invalid', message: 'bip353 name contains invalid characters' });
  if (bip353 && !isBip353String(bip353.domain)) out.push({ field: 'invreq_bip_353_name', cln: 'warning', warning: 'warning_invreq_bip_353_name_domain_invalid', message: 'bip353 domain contains invalid characters' });

  if (respondsToOffer(f)) {
    // BOLT #12: if `offer_quantity_max` is present: MUST reject if there is no `invreq_quantity`;
    // if non-zero: MUST reject if `invreq_quantity` is zero, OR greater than `offer_quantity_max`.
    // otherwise: MUST reject the invoice request if there is an `invreq_quantity` field.
    const max = f.offer_quantity_max, q = f.invreq_quantity;
    if (max !== undefined) {
      if (q === undefined) silent('warning_missing_invreq_quantity', 'offer_quantity_max is set but invreq_quantity is missing', 'invreq_quantity');
      else if (max !== 0n && (q === 0n || q > max)) silent('warning_invalid_invreq_quantity', `invreq_quantity ${q} is not in 1..${max}`, 'invreq_quantity');
    } else if (q !== undefined) {
      silent('warning_unexpected_invreq_quantity', 'invreq_quantity is set but the offer has no offer_quantity_max', 'invreq_quantity');
    }
    if (f.offer_amount !== undefined) {
      // BOLT #12: MUST reject the invoice request if `invreq_amount`.`msat` is less than the
      // *expected amount* (offer_amount x quantity; only checkable here without a currency).
      if (f.offer_currency === undefined && f.invreq_amount !== undefined) {
        const expected = f.offer_amount * (q ?? 1n);
        if (f.invreq_amount < expected) silent('warning_invreq_amount_too_low', `invreq_amount ${f.invreq_amount} is less than the expected ${expected} msat`, 'invreq_amount');
      }
    } else if (f.invreq_amount === undefined) {
      // BOLT #12: otherwise (no `offer_amount`): MUST reject if it does not contain `invreq_amount`.
      silent('warning_missing_invreq_amount', 'neither offer_amount nor invreq_amount is set', 'invreq_amount');
    }
  } else {
    // BOLT #12: (not a response to our offer) MUST reject the invoice request if any of
    // `offer_chains`, `offer_features` or `offer_quantity_max` are present, or if
    // `invreq_amount` is not present.
    for (const name of ['offer_chains', 'offer_features', 'offer_quantity_max'] as const) {
      if (f[name] !== undefined) silent(`warning_unexpected_${name}`, `${name} is not allowed in an invoice_request without an offer`, name);
    }
    if (f.invreq_amount === undefined) silent('warning_missing_invreq_amount', 'invreq_amount is required in an invoice_request without an offer', 'invreq_amount');
  }
  // BOLT-recurrence #12: MUST reject a `invreq_recurrence_cancel` with no or a zero counter.
  if (f.invreq_recurrence_cancel) {
    if (f.invreq_recurrence_counter === undefined) out.push({ field: 'invreq_recurrence_cancel', cln: 'warning', warning: 'warning_invreq_recurrence_cancel_without_counter', message: 'invreq_recurrence_cancel is invalid without invreq_recurrence_counter' });
    else if (f.invreq_recurrence_counter === 0) out.push({ field: 'invreq_recurrence_cancel', cln: 'warning', warning: 'warning_invreq_recurrence_cancel_with_zero_counter', message: 'invreq_recurrence_cancel is invalid with invreq_recurrence_counter zero' });
  }
  out.push(...recurrenceProblems(f, 'silent'));
  return out;
}

/** TLV + semantic + signature layers over the bytes of an invoice_request. */
export function parseInvoiceRequest(bytes: Uint8Array, opts: ReaderOptions = {}): InvoiceRequest {
  const req = parseTlvMessage('invoice_request', bytes);
  throwFirst(invoiceRequestProblems(req, opts));
  // BOLT #12: MUST reject the invoice request if `signature` is not correct ... using the `invreq_payer_id`.
  checkSignature(req);
  return req;
}

/** All layers: `lnr1...` text to an invoice_request passing every reader rule (throws a Bolt12Error). */
export function decodeInvoiceRequest(text: string, opts: ReaderOptions = {}): InvoiceRequest {
  const { prefix, bytes } = decodeBolt12String(text);
  if (prefix !== 'lnr') throw new Bolt12StringError(`expected an invoice_request (lnr1...), got prefix ${prefix}`);
  return parseInvoiceRequest(bytes, opts);
}

/** Canonical TLV stream; `unknown` odd records are written byte for byte. */
export function encodeInvoiceRequest(fields: InvoiceRequestFields, unknown: readonly TlvEntry[] = []): Uint8Array {
  return encodeTlvMessage('invoice_request', fields, unknown);
}

export function invoiceRequestToString(fields: InvoiceRequestFields, unknown: readonly TlvEntry[] = [], opts: { upper?: boolean } = {}): string {
  return encodeBolt12String('lnr', encodeInvoiceRequest(fields, unknown), opts);
}

/**
 * Writer for a request answering `offer`: BOLT 12 "MUST copy all fields from
 * the offer (including unknown fields)" - every offer record is kept byte for
 * byte, then the invreq fields are added (unsigned; the device signs).
 */
export function invoiceRequestForOffer(offer: Offer, fields: InvoiceRequestFields, unknown: readonly TlvEntry[] = []): Uint8Array {
  for (const k of Object.keys(fields)) if (k.startsWith('offer_')) throw new RangeError(`${k} comes from the offer, not the caller`);
  const copied: TlvEntry[] = offer.unknown.map((r) => ({ type: r.type, value: r.value }));
  return encodeInvoiceRequest({ ...offer.fields, ...fields }, [...copied, ...unknown]);
}

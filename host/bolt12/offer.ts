// Offers (`lno1...`): semantic layer (BOLT 12 reader rules) and the writer.
import { decodeBolt12String, encodeBolt12String } from './bech32-string.js';
import { Bolt12StringError } from './errors.js';
import { encodeTlvMessage, parseTlvMessage, type Offer, type OfferFields } from './message.js';
import { emptyPathIndex, throwFirst, unknownEvenFeature, sameBytes, type Problem, type ReaderOptions } from './rules.js';
import type { TlvEntry } from './tlv.js';
import { BITCOIN_CHAIN_HEX, OFFER_RANGES, fieldName, inRanges } from './tlv-types.js';
import { timeUnitName } from './recurrence.js';
import { hex } from '@scure/base';

export type { Offer, OfferFields };

/** Offer features this reader understands (BOLT 9 defines none for offers). */
export const KNOWN_OFFER_FEATURES: readonly number[] = [];

const BITCOIN = hex.decode(BITCOIN_CHAIN_HEX);

/**
 * PR #1240 recurrence rules for the offer fields (also mirrored in
 * invoice_requests and invoices). `cln` is how Core Lightning's decoder treats
 * them in an offer ('fatal'); in mirrored copies it does not check them.
 */
export function recurrenceProblems(f: OfferFields, cln: Problem['cln']): Problem[] {
  const out: Problem[] = [];
  const rec = f.offer_recurrence_compulsory ?? f.offer_recurrence_optional;
  if (rec) {
    // BOLT-recurrence #12: if `time_unit` is not one of 0, 1, or 2: MUST NOT respond to the offer.
    if (timeUnitName(rec.timeUnit) === undefined) {
      out.push({ field: 'offer_recurrence_compulsory', cln, warning: 'warning_invalid_offer_recurrence', message: `invalid recurrence time_unit ${rec.timeUnit}` });
    }
    // BOLT-recurrence #12: if `period` is 0: MUST NOT respond to the offer.
    if (rec.period === 0) {
      out.push({ field: 'offer_recurrence_compulsory', cln, warning: 'warning_invalid_offer_recurrence', message: 'recurrence period is 0' });
    }
    // BOLT-recurrence #12: if `offer_recurrence_limit` is set and `max_period_index` is 0: MUST NOT respond.
    if (f.offer_recurrence_limit === 0) {
      out.push({ field: 'offer_recurrence_limit', cln, warning: 'warning_invalid_offer_recurrence_limit', message: 'recurrence limit (max_period_index) is 0' });
    }
    // PR #1240: exactly one of compulsory/optional; optional excludes a base.
    if (f.offer_recurrence_compulsory && f.offer_recurrence_optional) {
      out.push({ field: 'offer_recurrence_optional', cln: 'silent', warning: 'warning_invalid_offer_recurrence_optional', message: 'both offer_recurrence_compulsory and offer_recurrence_optional are set' });
    }
    if (f.offer_recurrence_optional && f.offer_recurrence_base) {
      out.push({ field: 'offer_recurrence_base', cln: 'silent', warning: 'warning_invalid_offer_recurrence_base', message: 'offer_recurrence_base is not allowed with offer_recurrence_optional' });
    }
  } else if (f.offer_recurrence_paywindow || f.offer_recurrence_limit !== undefined || f.offer_recurrence_base) {
    // BOLT-recurrence #12: otherwise (no recurrence): if it `offer_recurrence_paywindow`,
    // `offer_recurrence_limit` or `offer_recurrence_base` are set: MUST NOT respond to the offer.
    out.push({ cln, warning: 'warning_invalid_offer_recurrence', message: 'recurrence base, paywindow or limit set without offer_recurrence_compulsory/optional' });
  }
  return out;
}

/** Every offer reader rule `offer` breaks (empty if acceptable). */
export function offerProblems(offer: Offer, opts: ReaderOptions = {}): Problem[] {
  const f = offer.fields;
  const out: Problem[] = [];
  const fatal = (message: string, field?: Problem['field']) => out.push({ field, message, cln: 'fatal', warning: '' });

  // BOLT #12: if the offer contains any TLV fields outside the inclusive ranges:
  // 1 to 79 and 1000000000 to 1999999999: MUST NOT respond to the offer.
  for (const r of offer.records) {
    if (!inRanges(r.type, OFFER_RANGES)) fatal(`record type ${r.type}${fieldName(r.type) ? ` (${fieldName(r.type)})` : ''} is outside the offer ranges 1-79 and 1000000000-1999999999`);
  }
  // BOLT #12: if `offer_features` contains unknown _even_ bits that are non-zero: MUST NOT respond.
  const bit = unknownEvenFeature(f.offer_features, KNOWN_OFFER_FEATURES);
  if (bit !== undefined) fatal(`unknown even feature bit ${bit}`, 'offer_features');
  // BOLT #12: (`offer_chains` is set): if the node does not accept invoices for
  // at least one of the `chains`: MUST NOT respond (an empty list never matches).
  if (f.offer_chains && f.offer_chains.length === 0) fatal('offer_chains has zero entries', 'offer_chains');
  if (opts.chains) {
    const listed = f.offer_chains ?? [BITCOIN];
    if (!listed.some((c) => opts.chains!.some((s) => sameBytes(c, s)))) fatal('none of the offer chains is supported', 'offer_chains');
  }
  // BOLT #12: if `offer_amount` is set and `offer_description` is not set: MUST NOT respond.
  if (f.offer_amount !== undefined && f.offer_description === undefined) fatal('offer_amount is set but offer_description is not', 'offer_description');
  // BOLT #12: if `offer_amount` is set and is not greater than zero: MUST NOT respond.
  if (f.offer_amount === 0n) fatal('offer_amount is zero', 'offer_amount');
  // BOLT #12: if `offer_currency` is set and `offer_amount` is not set: MUST NOT respond.
  if (f.offer_currency !== undefined && f.offer_amount === undefined) fatal('offer_currency is set but offer_amount is not', 'offer_currency');
  // BOLT #12: if neither `offer_issuer_id` nor `offer_paths` are set: MUST NOT respond.
  // An empty offer_paths is no path (the writer MUST set at least one path; Eclair,
  // lightning-kmp and LDK refuse `lno1zqqq`).
  if (!f.offer_issuer_id && !f.offer_paths?.length) fatal('neither offer_issuer_id nor a path in offer_paths is set', 'offer_issuer_id');
  // BOLT #12: if `num_hops` is 0 in any `blinded_path` in `offer_paths`: MUST NOT respond.
  const empty = emptyPathIndex(f.offer_paths);
  if (empty >= 0) fatal(`blinded path ${empty} has 0 hops`, 'offer_paths');
  out.push(...recurrenceProblems(f, 'fatal'));
  // BOLT #12: if the current time is after `offer_absolute_expiry`: MUST NOT respond.
  if (opts.now !== undefined && f.offer_absolute_expiry !== undefined && opts.now > f.offer_absolute_expiry) {
    out.push({ field: 'offer_absolute_expiry', cln: 'silent', warning: 'warning_offer_expired', message: `offer expired at ${f.offer_absolute_expiry}` });
  }
  return out;
}

/** TLV + semantic layers over the bytes of an offer. */
export function parseOffer(bytes: Uint8Array, opts: ReaderOptions = {}): Offer {
  const offer = parseTlvMessage('offer', bytes);
  throwFirst(offerProblems(offer, opts));
  return offer;
}

/** All layers: `lno1...` text to an offer that passes every reader rule (throws a Bolt12Error). */
export function decodeOffer(text: string, opts: ReaderOptions = {}): Offer {
  const { prefix, bytes } = decodeBolt12String(text);
  if (prefix !== 'lno') throw new Bolt12StringError(`expected an offer (lno1...), got prefix ${prefix}`);
  return parseOffer(bytes, opts);
}

/** Canonical TLV stream of an offer; `unknown` odd records are written byte for byte. */
export function encodeOffer(fields: OfferFields, unknown: readonly TlvEntry[] = []): Uint8Array {
  return encodeTlvMessage('offer', fields, unknown);
}

export function offerToString(fields: OfferFields, unknown: readonly TlvEntry[] = [], opts: { upper?: boolean } = {}): string {
  return encodeBolt12String('lno', encodeOffer(fields, unknown), opts);
}

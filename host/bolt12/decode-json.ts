// `decode` output in Core Lightning's format (its `decode` RPC, BOLT 12 part):
// same field names, order, value formats and warnings. Strings CLN's decoders
// refuse throw a Bolt12Error; softer problems give `warning_*` and valid:false.
import { decodeBolt12String } from './bech32-string.js';
import { Bolt12SemanticError } from './errors.js';
import { invreqId, offerId } from './ids.js';
import { invoiceProblems, DEFAULT_RELATIVE_EXPIRY } from './invoice.js';
import { invoiceRequestProblems, respondsToOffer } from './invoice-request.js';
import { currencyMinorUnit } from './iso4217.js';
import { parseTlvMessage, type AnyBolt12, type Invoice, type InvoiceFields, type InvoiceRequestFields, type OfferFields } from './message.js';
import { offerProblems } from './offer.js';
import { timeUnitName, type Recurrence } from './recurrence.js';
import { isBip353String, type Problem } from './rules.js';
import { verifyBolt12Signature } from './signature.js';
import type { TlvRecord } from './tlv.js';
import { payerProofJson } from './payer-proof-json.js';
import { fallbacksJson, h, Out, pathsJson, type Decoded, type Json, type JsonObject } from './decode-json-parts.js';

export type { Decoded, Json, JsonObject } from './decode-json-parts.js';


const TYPE_NAME = { offer: 'bolt12 offer', invoice_request: 'bolt12 invoice_request', invoice: 'bolt12 invoice' } as const;
const latin = new TextDecoder('utf-8');




function recurrenceJson(f: OfferFields, rec: Recurrence, compulsory: boolean): JsonObject {
  const j: JsonObject = { compulsory_field: compulsory, time_unit: rec.timeUnit };
  const name = timeUnitName(rec.timeUnit);
  if (name) j.time_unit_name = name;
  j.period = rec.period;
  if (f.offer_recurrence_base) {
    j.basetime = f.offer_recurrence_base.basetime;
    if (f.offer_recurrence_base.proportionalAmount) j.proportional_amount = true;
  }
  if (f.offer_recurrence_limit !== undefined) j.limit = f.offer_recurrence_limit;
  if (f.offer_recurrence_paywindow) {
    j.paywindow = { seconds_before: f.offer_recurrence_paywindow.secondsBefore, seconds_after: f.offer_recurrence_paywindow.secondsAfter };
  }
  return j;
}

function offerFieldsJson(o: Out, f: OfferFields): void {
  const text = (key: 'offer_currency' | 'offer_description' | 'offer_issuer', v: string) => o.text(key, v);
  if (f.offer_chains) o.add('offer_chains', f.offer_chains.map(h));
  if (f.offer_metadata) o.add('offer_metadata', h(f.offer_metadata));
  if (f.offer_currency !== undefined) {
    text('offer_currency', f.offer_currency);
    o.add('offer_amount', f.offer_amount);
    const minor = currencyMinorUnit(f.offer_currency);
    // Not a reader rule: Core Lightning warns but keeps `valid`.
    if (minor !== undefined) o.add('currency_minor_unit', minor);
    else o.json.warning_unknown_offer_currency = 'unknown currency code';
  } else if (f.offer_amount !== undefined) o.add('offer_amount_msat', f.offer_amount);
  if (f.offer_description !== undefined) text('offer_description', f.offer_description);
  else if (f.offer_amount !== undefined) {
    o.warn('warning_missing_offer_description', 'description is required if offer_amount is set (for the user to know what it was they paid for)');
  }
  if (f.offer_issuer !== undefined) text('offer_issuer', f.offer_issuer);
  if (f.offer_features) o.add('offer_features', h(f.offer_features));
  o.add('offer_absolute_expiry', f.offer_absolute_expiry);
  if (f.offer_paths) pathsJson(o, 'offer_paths', f.offer_paths);
  o.add('offer_quantity_max', f.offer_quantity_max);
  // (Both recurrence fields at once is invalid; CLN would print the key twice, we print it once.)
  if (f.offer_recurrence_compulsory) o.add('offer_recurrence', recurrenceJson(f, f.offer_recurrence_compulsory, true));
  else if (f.offer_recurrence_optional) o.add('offer_recurrence', recurrenceJson(f, f.offer_recurrence_optional, false));
  if (f.offer_issuer_id) o.add('offer_issuer_id', h(f.offer_issuer_id));
}

function invreqFieldsJson(o: Out, f: InvoiceRequestFields | InvoiceFields): void {
  if (f.invreq_metadata) o.add('invreq_metadata', h(f.invreq_metadata));
  else o.warn('warning_missing_invreq_metadata', 'invreq_metadata required');
  if (f.invreq_payer_id) o.add('invreq_payer_id', h(f.invreq_payer_id));
  if (f.invreq_chain) o.add('invreq_chain', h(f.invreq_chain));
  o.add('invreq_amount_msat', f.invreq_amount);
  if (f.invreq_features) o.add('invreq_features', h(f.invreq_features));
  o.add('invreq_quantity', f.invreq_quantity);
  if (f.invreq_payer_note !== undefined) o.text('invreq_payer_note', f.invreq_payer_note);
  if (f.invreq_paths) pathsJson(o, 'invreq_paths', f.invreq_paths);
  const bip = f.invreq_bip_353_name;
  if (bip) {
    o.add('invreq_bip_353_name', { name: latin.decode(bip.name), domain: latin.decode(bip.domain) });
    if (!isBip353String(bip.name)) o.warn('warning_invreq_bip_353_name_name_invalid', 'bip353 name field contains invalid characters');
    if (!isBip353String(bip.domain)) o.warn('warning_invreq_bip_353_name_domain_invalid', 'bip353 domain field contains invalid characters');
  }
  if (f.invreq_recurrence_counter !== undefined) {
    o.add('invreq_recurrence_counter', f.invreq_recurrence_counter);
    o.add('invreq_recurrence_start', f.invreq_recurrence_start);
  }
  if ('invreq_recurrence_cancel' in f && f.invreq_recurrence_cancel) {
    o.add('invreq_recurrence_cancel', true);
    if (f.invreq_recurrence_counter === undefined) {
      o.warn('warning_invreq_recurrence_cancel_without_counter', 'invreq_recurrence_cancel is invalid without invreq_recurrence_counter');
    } else if (f.invreq_recurrence_counter === 0) {
      o.warn('warning_invreq_recurrence_cancel_with_zero_counter', 'invreq_recurrence_cancel is invalid with invreq_recurrence_counter zero');
    }
  }
}


/**
 * The invoice's own fields in Core Lightning's order (plugins/offers.c
 * json_add_b12_invoice): a missing required field is a `warning_missing_*`
 * and valid:false, not an error, as its decoder only checks the minimum.
 */
function invoiceFieldsJson(o: Out, inv: Invoice): void {
  const f = inv.fields;
  // BOLT #12: MUST reject the invoice if `invoice_paths` is not present or is
  // empty, if `invoice_blindedpay` is not present, or if it does not hold
  // exactly one `blinded_payinfo` per path (pathsJson), or a path has 0 hops.
  if (f.invoice_paths && f.invoice_paths.length > 0) {
    if (!f.invoice_blindedpay) o.warn('warning_missing_invoice_blindedpay', 'invoices with paths without blindedpay are invalid');
    pathsJson(o, 'invoice_paths', f.invoice_paths, f.invoice_blindedpay);
  } else {
    if (f.invoice_paths) o.add('invoice_paths', []);
    o.warn('warning_missing_invoice_paths', 'invoices without a invoice_paths are invalid');
  }
  // BOLT #12: MUST reject the invoice if `invoice_created_at` is not present.
  if (f.invoice_created_at !== undefined) o.add('invoice_created_at', f.invoice_created_at);
  else o.warn('warning_missing_invoice_created_at', 'invoices without created_at are invalid');
  // Always printed: 7200 when absent on the wire.
  o.add('invoice_relative_expiry', f.invoice_relative_expiry ?? DEFAULT_RELATIVE_EXPIRY);
  // BOLT #12: MUST reject the invoice if `invoice_payment_hash` is not present.
  if (f.invoice_payment_hash) o.add('invoice_payment_hash', h(f.invoice_payment_hash));
  else o.warn('warning_missing_invoice_payment_hash', 'invoices without a payment_hash are invalid');
  // BOLT #12: MUST reject the invoice if `invoice_amount` is not present.
  if (f.invoice_amount !== undefined) o.add('invoice_amount_msat', f.invoice_amount);
  else o.warn('warning_missing_invoice_amount', 'invoices without an amount are invalid');
  if (f.invoice_fallbacks) fallbacksJson(o, f.invreq_chain, f.invoice_fallbacks);
  if (f.invoice_features) o.add('invoice_features', h(f.invoice_features));
  // BOLT #12: MUST reject the invoice if `invoice_node_id` is not present.
  if (f.invoice_node_id) o.add('invoice_node_id', h(f.invoice_node_id));
  else o.warn('warning_missing_invoice_node_id', 'invoices without an invoice_node_id are invalid');
  // BOLT-recurrence #12: if the offer recurs: MUST reject the invoice if `invoice_recurrence_basetime` is not present.
  if (f.offer_recurrence_compulsory || f.offer_recurrence_optional) {
    if (f.invoice_recurrence_basetime !== undefined) o.add('invoice_recurrence_basetime', f.invoice_recurrence_basetime);
    else o.warn('warning_missing_invoice_recurrence_basetime', 'recurring invoices without a recurrence_basetime are invalid');
  }
  // BOLT #12: MUST reject the invoice if `signature` is not a valid signature
  // using `invoice_node_id` (checked when there is a key to check it with).
  if (f.signature) {
    if (f.invoice_node_id && !verifyBolt12Signature('invoice', inv.records, f.invoice_node_id, f.signature)) {
      o.warn('warning_invalid_invoice_signature', 'Bad signature');
    } else o.add('signature', h(f.signature));
  } else o.warn('warning_missing_invoice_signature', 'Missing signature');
}

/** Invoice reader rules printed as inline warnings above rather than refused. */
const INVOICE_WARNED = new Set(['invoice_amount', 'invoice_created_at', 'invoice_payment_hash', 'invoice_node_id', 'invoice_paths', 'invoice_blindedpay']);

function unknownJson(o: Out, key: string, unknown: TlvRecord[]): void {
  if (unknown.length) o.add(key, unknown.map((r) => ({ type: r.type, length: r.value.length, value: h(r.value) })));
}

/** Problems Core Lightning's decoder does not check: printed as extra warnings. */
function extraWarnings(o: Out, problems: Problem[]): void {
  for (const p of problems) if (p.cln === 'silent' && !(p.warning in o.json)) o.warn(p.warning, p.message);
}

function throwFatal(problems: Problem[]): void {
  const p = problems.find((x) => x.cln === 'fatal');
  if (p) throw new Bolt12SemanticError(p.message, p.field);
}

/**
 * Decodes `lno1`/`lnr1`/`lni1`/`lnp1` text (optionally prefixed by `lightning:`) into
 * Core Lightning's `decode` JSON. Throws a Bolt12Error for strings its decoder
 * would refuse.
 */
export function decodeToJson(input: string): Decoded {
  let text = input;
  if (text.startsWith('lightning:') || text.startsWith('LIGHTNING:')) text = text.slice('lightning:'.length);
  const { prefix, bytes } = decodeBolt12String(text);
  const o = new Out();
  if (prefix === 'lnp') return payerProofJson(bytes, o);
  if (prefix === 'lno') {
    const offer = parseTlvMessage('offer', bytes, { invalidUtf8: o.invalidUtf8 });
    const problems = offerProblems(offer).filter((p) => !(p.cln === 'fatal' && p.field === 'offer_issuer_id'));
    throwFatal(problems);
    o.add('type', TYPE_NAME.offer);
    o.add('offer_id', h(offerId(offer.records)));
    offerFieldsJson(o, offer.fields);
    // BOLT #12: if neither `offer_issuer_id` nor `offer_paths` are set: MUST
    // NOT respond to the offer. An empty offer_paths is no path either (the
    // writer MUST set at least one; Eclair, lightning-kmp and LDK refuse it).
    if (!offer.fields.offer_issuer_id && !offer.fields.offer_paths?.length) {
      o.warn('warning_missing_offer_issuer_id', 'offers without an issuer_id or paths are invalid');
    }
    extraWarnings(o, problems);
    unknownJson(o, 'unknown_offer_tlvs', offer.unknown);
    o.add('valid', o.valid);
    return { message: offer, json: o.json, valid: o.valid, warnings: o.warnings };
  }
  if (prefix === 'lnr') {
    const req = parseTlvMessage('invoice_request', bytes, { invalidUtf8: o.invalidUtf8 });
    const problems = invoiceRequestProblems(req);
    throwFatal(problems);
    const f = req.fields;
    o.add('type', TYPE_NAME.invoice_request);
    if (respondsToOffer(f)) o.add('offer_id', h(offerId(req.records)));
    offerFieldsJson(o, f);
    invreqFieldsJson(o, f);
    if (!f.invreq_payer_id) o.warn('warning_missing_invreq_payer_id', 'invreq_payer_id required');
    if (f.signature) {
      if (f.invreq_payer_id && !verifyBolt12Signature('invoice_request', req.records, f.invreq_payer_id, f.signature)) {
        o.warn('warning_invalid_invoice_request_signature', 'Bad signature');
      } else o.add('signature', h(f.signature));
    } else o.warn('warning_missing_invoice_request_signature', 'Missing signature');
    extraWarnings(o, problems);
    unknownJson(o, 'unknown_invoice_request_tlvs', req.unknown);
    o.add('valid', o.valid);
    return { message: req, json: o.json, valid: o.valid, warnings: o.warnings };
  }
  const inv = parseTlvMessage('invoice', bytes, { invalidUtf8: o.invalidUtf8 });
  const problems = invoiceProblems(inv).filter((p) => !(p.cln === 'fatal' && p.field && INVOICE_WARNED.has(p.field)));
  throwFatal(problems);
  const f = inv.fields;
  o.add('type', TYPE_NAME.invoice);
  if (respondsToOffer(f)) o.add('offer_id', h(offerId(inv.records)));
  offerFieldsJson(o, f);
  invreqFieldsJson(o, f);
  invoiceFieldsJson(o, inv);
  extraWarnings(o, problems);
  unknownJson(o, 'unknown_invoice_tlvs', inv.unknown);
  o.add('valid', o.valid);
  return { message: inv, json: o.json, valid: o.valid, warnings: o.warnings };
}

/** JSON text with bigints written as plain integers (u64 values exceed doubles). */
export function stringifyJson(v: Json, indent = 2, depth = 0): string {
  const pad = ' '.repeat(indent * (depth + 1));
  const end = ' '.repeat(indent * depth);
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => pad + stringifyJson(x, indent, depth + 1)).join(',\n')}\n${end}]`;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)}: ${stringifyJson(v[k], indent, depth + 1)}`).join(',\n')}\n${end}}`;
}

/** Helper for callers wanting the ids alongside the JSON. */
export const idsOf = (m: AnyBolt12) => ({
  offer_id: h(offerId(m.records)),
  invreq_id: m.kind === 'offer' ? undefined : h(invreqId(m.records)),
});

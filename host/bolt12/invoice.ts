// Invoices (`lni1...`, Core Lightning's text form): semantic layer (BOLT 12
// reader rules), signature layer, and the writer.
import { decodeBolt12String, encodeBolt12String } from './bech32-string.js';
import { Bolt12StringError } from './errors.js';
import { encodeTlvMessage, parseTlvMessage, type Invoice, type InvoiceFields } from './message.js';
import { recurrenceProblems } from './offer.js';
import { emptyPathIndex, sameBytes, throwFirst, unknownEvenFeature, type Problem, type ReaderOptions } from './rules.js';
import { checkSignature } from './signature.js';
import type { TlvEntry } from './tlv.js';
import { BITCOIN_CHAIN_HEX } from './tlv-types.js';
import { hex } from '@scure/base';

export type { Invoice, InvoiceFields };

/** BOLT 12 invoice features understood here: bit 16/17 = MPP compulsory/optional. */
export const KNOWN_INVOICE_FEATURES: readonly number[] = [16, 17];
/** Blinded payinfo features known (none yet). */
export const KNOWN_PAYINFO_FEATURES: readonly number[] = [];
/** BOLT 12: without `invoice_relative_expiry`, an invoice expires 7200 s after creation. */
export const DEFAULT_RELATIVE_EXPIRY = 7200;

const BITCOIN = hex.decode(BITCOIN_CHAIN_HEX);

/** Every context-free invoice reader rule `inv` breaks (the signature is its own layer). */
export function invoiceProblems(inv: Invoice, opts: ReaderOptions = {}): Problem[] {
  const f = inv.fields;
  const out: Problem[] = [];
  const fatal = (message: string, field?: Problem['field']) => out.push({ field, message, cln: 'fatal', warning: '' });

  // BOLT #12: MUST reject the invoice if `invoice_amount` / `invoice_created_at` /
  // `invoice_payment_hash` / `invoice_node_id` is not present.
  for (const name of ['invoice_amount', 'invoice_created_at', 'invoice_payment_hash', 'invoice_node_id'] as const) {
    if (f[name] === undefined) fatal(`${name} is missing`, name);
  }
  // BOLT #12: MUST reject the invoice if `invreq_chain`.`chain` (bitcoin if absent) is not supported.
  if (opts.chains && !opts.chains.some((c) => sameBytes(c, f.invreq_chain ?? BITCOIN))) fatal('invreq_chain is not a supported chain', 'invreq_chain');
  // BOLT #12: if `invoice_features` contains unknown _even_ bits that are non-zero: MUST reject.
  const bit = unknownEvenFeature(f.invoice_features, KNOWN_INVOICE_FEATURES);
  if (bit !== undefined) fatal(`unknown even feature bit ${bit}`, 'invoice_features');
  // BOLT #12: MUST reject the invoice if `invoice_paths` is not present or is empty.
  const paths = f.invoice_paths ?? [];
  if (paths.length === 0) fatal('invoice_paths is missing or empty', 'invoice_paths');
  // BOLT #12: MUST reject the invoice if `num_hops` is 0 in any `blinded_path` in `invoice_paths`.
  const empty = emptyPathIndex(paths);
  if (empty >= 0) fatal(`blinded path ${empty} of ${paths.length} in invoice_paths has 0 hops`, 'invoice_paths');
  // Mirrored paths with no hops: Core Lightning's decode warns (warning_empty_blinded_path).
  for (const name of ['offer_paths', 'invreq_paths'] as const) {
    const i = emptyPathIndex(f[name]);
    if (i >= 0) out.push({ field: name, cln: 'warning', warning: 'warning_empty_blinded_path', message: `blinded path ${i} in ${name} has 0 hops` });
  }
  // BOLT #12: MUST reject the invoice if `invoice_blindedpay` is not present, or does not
  // contain exactly one `blinded_payinfo` per `invoice_paths`.`blinded_path`.
  const pay = f.invoice_blindedpay;
  if (pay === undefined) fatal('invoice_blindedpay is missing', 'invoice_blindedpay');
  else if (pay.length !== paths.length) fatal(`expected ${paths.length} blinded_payinfo, found ${pay.length}`, 'invoice_blindedpay');
  else if (paths.length > 0 && pay.every((p) => unknownEvenFeature(p.features, KNOWN_PAYINFO_FEATURES) !== undefined)) {
    // BOLT #12: MUST NOT use a path whose `payinfo`.`features` has unknown even bits;
    // MUST reject the invoice if this leaves no usable paths.
    out.push({ field: 'invoice_blindedpay', cln: 'silent', warning: 'warning_no_usable_invoice_paths', message: 'every payinfo has unknown even feature bits: no usable path' });
  }
  // BOLT #12: if `invreq_amount` is present: MUST reject the invoice if `invoice_amount` is not equal to `invreq_amount`.
  if (f.invreq_amount !== undefined && f.invoice_amount !== undefined && f.invoice_amount !== f.invreq_amount) {
    out.push({ field: 'invoice_amount', cln: 'silent', warning: 'warning_invoice_amount_mismatch', message: `invoice_amount ${f.invoice_amount} differs from invreq_amount ${f.invreq_amount}` });
  }
  // BOLT #12: MUST reject the invoice if the current time is greater than
  // `invoice_created_at` plus `invoice_relative_expiry` (7200 if absent).
  if (opts.now !== undefined && f.invoice_created_at !== undefined) {
    const expiry = f.invoice_created_at + BigInt(f.invoice_relative_expiry ?? DEFAULT_RELATIVE_EXPIRY);
    if (opts.now > expiry) out.push({ field: 'invoice_created_at', cln: 'silent', warning: 'warning_invoice_expired', message: `invoice expired at ${expiry}` });
  }
  // BOLT-recurrence #12: if the offer recurs: MUST reject the invoice if `invoice_recurrence_basetime` is not present.
  if ((f.offer_recurrence_compulsory || f.offer_recurrence_optional) && f.invoice_recurrence_basetime === undefined) {
    out.push({ field: 'invoice_recurrence_basetime', cln: 'warning', warning: 'warning_missing_invoice_recurrence_basetime', message: 'recurring invoice without invoice_recurrence_basetime' });
  }
  out.push(...recurrenceProblems(f, 'silent'));
  return out;
}

/** TLV + semantic + signature layers over the bytes of an invoice. */
export function parseInvoice(bytes: Uint8Array, opts: ReaderOptions = {}): Invoice {
  const inv = parseTlvMessage('invoice', bytes);
  throwFirst(invoiceProblems(inv, opts));
  // BOLT #12: MUST reject the invoice if `signature` is not a valid signature using `invoice_node_id`.
  checkSignature(inv);
  return inv;
}

/** All layers: `lni1...` text to an invoice passing every reader rule (throws a Bolt12Error). */
export function decodeInvoice(text: string, opts: ReaderOptions = {}): Invoice {
  const { prefix, bytes } = decodeBolt12String(text);
  if (prefix !== 'lni') throw new Bolt12StringError(`expected an invoice (lni1...), got prefix ${prefix}`);
  return parseInvoice(bytes, opts);
}

/** Canonical TLV stream; `unknown` odd records are written byte for byte. */
export function encodeInvoice(fields: InvoiceFields, unknown: readonly TlvEntry[] = []): Uint8Array {
  return encodeTlvMessage('invoice', fields, unknown);
}

export function invoiceToString(fields: InvoiceFields, unknown: readonly TlvEntry[] = [], opts: { upper?: boolean } = {}): string {
  return encodeBolt12String('lni', encodeInvoice(fields, unknown), opts);
}

/** Absolute expiry of an invoice (created_at + relative expiry, 7200 s by default). */
export const invoiceExpiry = (f: InvoiceFields): bigint | undefined =>
  f.invoice_created_at === undefined ? undefined : f.invoice_created_at + BigInt(f.invoice_relative_expiry ?? DEFAULT_RELATIVE_EXPIRY);

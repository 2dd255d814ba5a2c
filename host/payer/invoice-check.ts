// The checks on an invoice sent to us for one of our own invoice_requests
// (`invoicerequest` / `offerout`, the lnr1… we handed out), in Core
// Lightning's order and with its invoice_error texts (cln-offers-flow-digest
// §4.5, §8 items 10 and 20). Pure: the hook (./invoice-hook.ts) supplies the
// stored request and the clock, and pays what passes.
//
// Which invoices are ours is decided before any check: the invreq_id of the
// invoice's invoice_request ranges must be a row of invoice_requests. An
// invoice whose stream cannot even be split into records, or whose request is
// not ours, is not consumed (`undefined`): lightningd passes it on (to CLN's
// own `offers` plugin, which knows its own requests).
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  DEFAULT_RELATIVE_EXPIRY, KNOWN_INVOICE_FEATURES, KNOWN_PAYINFO_FEATURES, encodeBolt12String, invreqId, parseTlvMessage,
  readTlvRecords, verifyBolt12Signature, decodeBolt12String, type Invoice, type TlvRecord,
} from '../bolt12/index.js';
import { unknownEvenFeature } from '../bolt12/rules.js';
import type { InvoiceRequestRecord } from '../store/index.js';

/** TLV type of invreq_paths (BOLT 12). */
const INVREQ_PATHS = 90n;
/** TLV type of invreq_amount. */
const INVREQ_AMOUNT = 82n;

export type SentInvoiceCheck =
  | { ok: true; invreqId: string; record: InvoiceRequestRecord; invoice: Invoice; lni: string; amountMsat: bigint }
  | { ok: false; invreqId: string; record: InvoiceRequestRecord; reason: string; internal?: boolean; lni?: string };

export interface SentInvoiceInput {
  /** The raw invoice TLV stream (the hook's `invoice` hex). */
  bytes: Uint8Array;
  /** The 32-byte pathsecret when it came through onion_message_recv_secret. */
  pathsecret?: Uint8Array;
  /** Unix seconds. */
  now: number;
  /** Our stored request of that id (store.invoiceRequests.get). */
  lookup(invreqIdHex: string): InvoiceRequestRecord | undefined;
}

/** The invreq_id of an invoice whose stream frames, when that request is ours; else undefined (not consumed). */
export function ourRequestOf(bytes: Uint8Array, lookup: SentInvoiceInput['lookup']): { invreqId: string; record: InvoiceRequestRecord; records: TlvRecord[] } | undefined {
  let records: TlvRecord[];
  try {
    records = readTlvRecords(bytes);
  } catch {
    return undefined;
  }
  // §4.5 #3: invreq_id = H(ranges 0–159 ‖ 1000000000–2999999999) of the invoice.
  const id = bytesToHex(invreqId(records));
  const record = lookup(id);
  return record ? { invreqId: id, record, records } : undefined;
}

/** §4.5 invoice_error text: `Failed invoice <lni1…>: <reason>`, `Failed invoice: <reason>` when unparsable, `Internal error`. */
export function sentInvoiceErrorText(f: { reason: string; internal?: boolean; lni?: string }): string {
  if (f.internal) return 'Internal error';
  return f.lni ? `Failed invoice ${f.lni}: ${f.reason}` : `Failed invoice: ${f.reason}`;
}

/** The invreq_amount of our stored lnr1… (always set: invoicerequest/offerout require an amount). */
function storedInvreqAmount(r: InvoiceRequestRecord): bigint | undefined {
  try {
    const req = parseTlvMessage('invoice_request', decodeBolt12String(r.bolt12).bytes);
    return req.records.some((x) => x.type === INVREQ_AMOUNT) ? req.fields.invreq_amount : undefined;
  } catch {
    return undefined;
  }
}

/**
 * §4.5 checks 1–12 for an invoice answering our request (`ourRequestOf`
 * found it). Undefined: not ours (not consumed).
 */
export function checkSentInvoice(p: SentInvoiceInput): SentInvoiceCheck | undefined {
  const ours = ourRequestOf(p.bytes, p.lookup);
  if (!ours) return undefined;
  const { invreqId: id, record } = ours;
  const fail = (reason: string, lni?: string, internal?: boolean): SentInvoiceCheck => ({ ok: false, invreqId: id, record, reason, lni, internal });

  // §4.5 #1: TLV parse (strict: every known field's encoding, no unknown even type).
  let inv: Invoice;
  try {
    inv = parseTlvMessage('invoice', p.bytes);
  } catch {
    return fail(`Invalid invoice ${bytesToHex(p.bytes)}`);
  }
  const lni = encodeBolt12String('lni', p.bytes);
  const f = inv.fields;
  // §4.5 #2: with a pathsecret it must be H(offerblinding_base ‖ invreq_id without invreq_paths);
  // our requests carry no invreq_paths, so no path secret is ever ours. Without one, the invoice
  // must not carry invreq_paths (it cannot here: its invreq_id would not be one of ours).
  if (p.pathsecret !== undefined || inv.records.some((r) => r.type === INVREQ_PATHS)) return fail(`Unknown invoice_request ${id}`, lni);
  // §4.5 #4: mandatory fields, in CLN's order.
  if (f.invoice_amount === undefined) return fail('Missing invoice_amount', lni);
  if (f.invoice_created_at === undefined) return fail('Missing invoice_created_at', lni);
  if (f.invoice_payment_hash === undefined) return fail('Missing invoice_payment_hash', lni);
  if (f.invoice_node_id === undefined) return fail('Missing invoice_node_id', lni);
  // §4.5 #5: BOLT 12 reader: MUST reject an invoice with an unknown even invoice_features bit.
  const bit = unknownEvenFeature(f.invoice_features, KNOWN_INVOICE_FEATURES);
  if (bit !== undefined) return fail(`Unsupported invoice feature ${bit}`, lni);
  // §4.5 #6: BOLT 12: MUST reject if now > created_at + (invoice_relative_expiry or 7200).
  if (BigInt(p.now) > f.invoice_created_at + BigInt(f.invoice_relative_expiry ?? DEFAULT_RELATIVE_EXPIRY)) return fail('Expired invoice', lni);
  // §4.5 #7: invoice_paths present, none empty, invoice_blindedpay present with one entry per path.
  const paths = f.invoice_paths;
  if (!paths || paths.length === 0) return fail('Missing invoice_paths', lni);
  if (paths.some((x) => x.hops.length === 0)) return fail('Empty path in invoice_paths', lni);
  const pay = f.invoice_blindedpay;
  if (!pay || pay.length === 0) return fail('Missing invoice_blindedpay', lni);
  if (pay.length !== paths.length) return fail('Mismatch between invoice_blindedpay and invoice_paths', lni);
  // §4.5 #8: BOLT 12: MUST NOT use a path whose payinfo has an unknown even feature; none left ⇒ reject.
  const bad = pay.map((x) => unknownEvenFeature(x.features, KNOWN_PAYINFO_FEATURES));
  if (bad.every((b) => b !== undefined)) return fail(`Unsupported feature for all paths (${bad[0]})`, lni);
  // §4.5 #9 is the lookup (ourRequestOf); #10: the request is still active (a single-use one is
  // inactive once an invoice for it was paid: "we will only pay once", seed 000).
  if (!record.active) return fail('invoice_request no longer available', lni);
  // §4.5 #11: signature present and valid under invoice_node_id (no offer pins the key).
  if (!f.signature) return fail('invoice missing signature', lni);
  if (!verifyBolt12Signature('invoice', inv.records, f.invoice_node_id, f.signature)) return fail('invalid invoice signature', lni);
  // offerout refund_for (seed 000): "redemption requires that the invoice we receive contains a
  // valid signature using that previous payer_key": the invoice is signed by the payer key of the
  // refunded invoice, i.e. invoice_node_id is that key (its signature verified just above).
  if (record.refundPayerKey !== undefined && bytesToHex(f.invoice_node_id) !== record.refundPayerKey) {
    return fail('invoice not signed by the refund_for payer key', lni);
  }
  // §4.5 #12: invoice_amount ≤ invreq_amount.
  const want = storedInvreqAmount(record);
  if (want === undefined) return fail('stored invoice_request has no invreq_amount', lni, true);
  if (f.invoice_amount > want) return fail('invoice amount is too large', lni);
  // BOLT 12 (invoice reader): if invreq_amount is present, MUST reject an invoice_amount not
  // equal to it. CLN pays a smaller amount; the device does not (PAY_RULE_AMOUNT), so the
  // host refuses it here, before the device is asked.
  if (f.invoice_amount < want) return fail('invoice amount is too small', lni);
  return { ok: true, invreqId: id, record, invoice: inv, lni, amountMsat: f.invoice_amount };
}

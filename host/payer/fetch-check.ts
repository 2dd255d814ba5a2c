// fetchinvoice's checks on the reply (cln-offers-flow-digest §4.3, §8 item 20),
// in CLN's order, and its result: {invoice, changes, next_period?}. Only what
// CLN checks here: expiry, paths, payinfo and features are for `pay`.
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import {
  encodeBolt12String, parseTlvMessage, periodPaywindow, periodStart, readTlvRecords, TLV, verifyBolt12Signature,
  type Recurrence, type TlvRecord,
} from '../bolt12/index.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { PayerOffer } from './fetch-request.js';

const T = TLV;

/** BOLT 12: what an invoice copies from its request (records 0..159, 1000000000..2999999999). */
export function invreqSpan(records: readonly TlvRecord[]): Uint8Array {
  return concatBytes(...records.filter((r) => r.type <= 159n || (r.type >= 1000000000n && r.type <= 2999999999n)).map((r) => r.raw));
}

const fail = (message: string, data?: unknown) => new RpcError(ErrorCode.OFFER_BAD_INVREQ_REPLY, message, data);

/** §4.3 step 1: invoice_error fields (1 erroneous_field, 3 suggested_value, 5 error), or its hex when unparsable. */
export function invoiceErrorData(bytes: Uint8Array): Record<string, unknown> {
  try {
    const recs = readTlvRecords(bytes);
    const get = (t: bigint) => recs.find((r) => r.type === t)?.value;
    for (const r of recs) if (r.type !== 1n && r.type !== 3n && r.type !== 5n && (r.type & 1n) === 0n) throw new Error('unknown even');
    const f = get(1n);
    const s = get(3n);
    const e = get(5n);
    if (f && f.length > 8) throw new Error('erroneous_field too long');
    return {
      ...(f ? { erroneous_field: Number(f.reduce((a, x) => (a << 8n) | BigInt(x), 0n)) } : {}),
      ...(s ? { suggested_value: bytesToHex(s) } : {}),
      error: e ? new TextDecoder('utf-8', { fatal: true }).decode(e) : '',
    };
  } catch {
    return { invoice_error_hex: bytesToHex(bytes) };
  }
}

export interface SentRequest {
  /** The signed invoice_request as sent. */
  signed: Uint8Array;
  amountMsat?: bigint;
  quantity?: bigint;
  recurrenceCounter?: number;
  recurrenceStart?: number;
  /** offer_issuer_id, or the last blinded_node_id of the offer path tried. */
  expectedSigner: Uint8Array;
}

export interface NextPeriod {
  counter: number;
  starttime: number;
  endtime: number;
  paywindow_start: number;
  paywindow_end: number;
}

export interface FetchResult {
  invoice: string;
  changes: { amount_msat?: bigint };
  next_period?: NextPeriod;
}

const tuOf = (v: Uint8Array) => v.reduce((a, x) => (a << 8n) | BigInt(x), 0n);

/** §4.3: the reply `onion_message` (hook payload) checked against the request; the command's result. */
export function checkReply(o: PayerOffer, sent: SentRequest, om: Record<string, unknown>): FetchResult {
  // 1: invoice_error ⇒ 1004 with its fields.
  if (typeof om.invoice_error === 'string') {
    let b: Uint8Array;
    try {
      b = hexToBytes(om.invoice_error);
    } catch {
      throw fail('Remote node sent failure message', { invoice_error_hex: om.invoice_error });
    }
    throw fail('Remote node sent failure message', invoiceErrorData(b));
  }
  // 2: an invoice.
  if (typeof om.invoice !== 'string') throw fail(`Neither invoice nor invoice_request_failed in reply ${JSON.stringify(om)}`);
  const hex = om.invoice;
  let bytes: Uint8Array;
  let records: TlvRecord[];
  // 3: the TLV layer (framing, known field encodings, no unknown even type).
  try {
    bytes = hexToBytes(hex);
    records = parseTlvMessage('invoice', bytes).records;
  } catch {
    throw fail(`Incorrect invoice field in ${hex}`);
  }
  const incorrect = (field: string) => fail(`Incorrect ${field} field in ${hex}`);
  // 4: the request's ranges byte for byte (unknown fields too: raw spans, §8 item 13).
  const sentSpan = invreqSpan(readTlvRecords(sent.signed));
  const gotSpan = invreqSpan(records);
  if (sentSpan.length !== gotSpan.length || !sentSpan.every((x, i) => x === gotSpan[i])) throw incorrect('invoice_request match');
  const get = (t: bigint) => records.find((r) => r.type === t)?.value;
  // 5: amount, created_at, payment_hash, node_id (CLN names invoice_amount for a missing created_at).
  const amount = get(T.invoice_amount);
  if (!amount || !get(T.invoice_created_at)) throw incorrect('invoice_amount');
  if (!get(T.invoice_payment_hash)) throw incorrect('invoice_payment_hash');
  const nodeId = get(T.invoice_node_id);
  if (!nodeId) throw incorrect('invoice_node_id');
  // 6: signed by the issuer (or the final blinded node of the path used).
  if (bytesToHex(nodeId) !== bytesToHex(sent.expectedSigner)) throw incorrect('invoice_node_id');
  // 7: BIP-340 signature, tag lightning‖invoice‖signature, under invoice_node_id.
  const sig = get(T.signature);
  if (!sig || sig.length !== 64 || !verifyBolt12Signature('invoice', records, nodeId, sig)) throw incorrect('signature');
  // 8: a recurring request's invoice carries invoice_recurrence_basetime.
  const basetimeV = get(T.invoice_recurrence_basetime);
  if (sent.recurrenceCounter !== undefined && !basetimeV) throw incorrect('invoice_recurrence_basetime');

  const f = o.offer.fields;
  const invoiceAmount = tuOf(amount);
  // changes.amount_msat unless the amount is the expected one: invreq_amount
  // when sent, else offer_amount × quantity for an msat offer (CLN only reports it).
  const expected = sent.amountMsat !== undefined
    ? sent.amountMsat
    : f.offer_amount !== undefined && f.offer_currency === undefined ? f.offer_amount * (sent.quantity ?? 1n) : undefined;
  const result: FetchResult = { invoice: encodeBolt12String('lni', bytes), changes: expected === invoiceAmount ? {} : { amount_msat: invoiceAmount } };
  // next_period (recurring): the next counter, unless past offer_recurrence_limit.
  const rec: Recurrence | undefined = f.offer_recurrence_compulsory ?? f.offer_recurrence_optional;
  if (rec && sent.recurrenceCounter !== undefined && basetimeV) {
    const basetime = tuOf(basetimeV);
    const counter = sent.recurrenceCounter + 1;
    const idx = counter + (sent.recurrenceStart ?? 0);
    if (f.offer_recurrence_limit === undefined || idx <= f.offer_recurrence_limit) {
      const w = periodPaywindow(rec, f.offer_recurrence_paywindow, f.offer_recurrence_base !== undefined, basetime, idx);
      result.next_period = {
        counter,
        starttime: Number(periodStart(basetime, rec, idx)),
        endtime: Number(periodStart(basetime, rec, idx + 1)) - 1,
        paywindow_start: Number(w.start),
        paywindow_end: Number(w.end),
      };
    }
  }
  return result;
}

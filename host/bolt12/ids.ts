// Local identifiers exactly as Core Lightning computes them (never on the wire):
// SHA-256 over the raw records (type ‖ length ‖ value, in stream order) whose
// types lie in the offer ranges, resp. the invoice_request ranges. The same
// function over an invoice_request or invoice gives the id of its offer (resp.
// its invoice_request), since those records are mirrored byte for byte.
import { sha256 } from '@noble/hashes/sha2.js';
import { readTlvRecords, type TlvRecord } from './tlv.js';
import { INVREQ_RANGES, OFFER_RANGES, type Range } from './tlv-types.js';

function hashRanges(records: readonly TlvRecord[], ranges: readonly Range[]): Uint8Array {
  const h = sha256.create();
  // First every record of the first range, then of the second (stream order
  // within each; streams are sorted, so this is simply stream order).
  for (const [lo, hi] of ranges) for (const r of records) if (r.type >= lo && r.type <= hi) h.update(r.raw);
  return h.digest();
}

/** offer_id: SHA-256 of the records in 1..79 and 1000000000..1999999999. */
export function offerId(stream: Uint8Array | readonly TlvRecord[]): Uint8Array {
  return hashRanges(stream instanceof Uint8Array ? readTlvRecords(stream) : stream, OFFER_RANGES);
}

/** invreq_id: SHA-256 of the records in 0..159 and 1000000000..2999999999 (signature excluded). */
export function invreqId(stream: Uint8Array | readonly TlvRecord[]): Uint8Array {
  return hashRanges(stream instanceof Uint8Array ? readTlvRecords(stream) : stream, INVREQ_RANGES);
}

// payer_key (MSG_PAYER_KEY, issue 12; docs/protocol.md "payer_key"): the
// payer id fetchinvoice puts in an invoice_request, from the device.
//   request: mode u8 | data
//     PAYER_KEY_METADATA   data = invreq_metadata (1..PAYER_KEY_METADATA_MAX bytes)
//     PAYER_KEY_RECURRING  data = offer_id[32] ‖ recurrence_label (UTF-8, ≤ PAYER_KEY_LABEL_MAX bytes)
//   reply: [metadata[32] (recurring only)] ‖ payer public key[33]
// Nothing secret is needed to check the reply: the key must be a valid
// compressed point (and, later, the request's signature verifies under it).
import * as P from '../../shared/protocol.js';
import { secp } from '../crypto/noble.js';

/** What a payer key is asked for: a request's own metadata, or a recurring series (offer, label). */
export type PayerKeyQuery = { metadata: Uint8Array } | { offerId: Uint8Array; recurrenceLabel: string };

/** invreq_metadata and invreq_payer_id of a request. */
export interface PayerKey {
  metadata: Uint8Array;
  payerId: Uint8Array;
}

const enc = new TextEncoder();

export function encodePayerKey(q: PayerKeyQuery): Uint8Array {
  if ('metadata' in q) {
    const m = q.metadata;
    if (m.length < 1 || m.length > P.PAYER_KEY_METADATA_MAX) throw new Error(`invreq_metadata must be 1..${P.PAYER_KEY_METADATA_MAX} bytes, not ${m.length}`);
    const out = new Uint8Array(1 + m.length);
    out[0] = P.PAYER_KEY_METADATA;
    out.set(m, 1);
    return out;
  }
  if (q.offerId.length !== P.OFFER_ID_SIZE) throw new Error(`offer_id must be ${P.OFFER_ID_SIZE} bytes, not ${q.offerId.length}`);
  const label = enc.encode(q.recurrenceLabel);
  if (label.length > P.PAYER_KEY_LABEL_MAX) throw new Error(`recurrence_label must be at most ${P.PAYER_KEY_LABEL_MAX} bytes (UTF-8), not ${label.length}`);
  const out = new Uint8Array(1 + P.OFFER_ID_SIZE + label.length);
  out[0] = P.PAYER_KEY_RECURRING;
  out.set(q.offerId, 1);
  out.set(label, 1 + P.OFFER_ID_SIZE);
  return out;
}

/** A valid compressed secp256k1 point (prefix 02/03, x < p, on the curve). */
function isPoint(k: Uint8Array): boolean {
  if (k.length !== 33 || (k[0] !== 2 && k[0] !== 3)) return false;
  try {
    secp.Point.fromBytes(k).assertValidity();
    return true;
  } catch {
    return false;
  }
}

/** The reply to `q`: its exact size, a valid point; the metadata echoed for mode 1. */
export function decodePayerKeyReply(q: PayerKeyQuery, r: Uint8Array): PayerKey {
  const recurring = !('metadata' in q);
  const size = recurring ? P.PAYER_KEY_REPLY_RECURRING : P.PAYER_KEY_REPLY_METADATA;
  if (r.length !== size) throw new Error(`payer_key reply of ${r.length} bytes, expected ${size}`);
  const metadata = recurring ? r.slice(0, 32) : Uint8Array.from((q as { metadata: Uint8Array }).metadata);
  const payerId = r.slice(size - 33);
  if (!isPoint(payerId)) throw new Error('payer_key reply is not a valid public key');
  return { metadata, payerId };
}

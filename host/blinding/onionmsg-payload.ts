// The `onionmsg_tlv` payload of an onion-message hop (bolt-digest §4.10,
// cln-offers-flow-digest §6.1): 2 reply_path (blinded_path), 4
// encrypted_recipient_data, 64 invoice_request, 66 invoice, 68 invoice_error
// (the last three raw BOLT 12 TLV streams). BOLT 1 rules via host/bolt12/tlv.ts.
import { encodeTlvStreamWithUnknown, parseTlvStream, type TlvEntry } from '../bolt12/tlv.js';
import { ValueReader } from '../bolt12/wire.js';
import { readBlindedPath, type BlindedPath } from '../bolt12/subtypes.js';
import { encodeBlindedPath } from './path.js';

export const OM_REPLY_PATH = 2n;
export const OM_ENCRYPTED_RECIPIENT_DATA = 4n;
export const OM_INVOICE_REQUEST = 64n;
export const OM_INVOICE = 66n;
export const OM_INVOICE_ERROR = 68n;

const KNOWN = new Set([OM_REPLY_PATH, OM_ENCRYPTED_RECIPIENT_DATA, OM_INVOICE_REQUEST, OM_INVOICE, OM_INVOICE_ERROR]);

export interface OnionMessagePayload {
  replyPath?: BlindedPath;
  encryptedRecipientData?: Uint8Array;
  invoiceRequest?: Uint8Array;
  invoice?: Uint8Array;
  invoiceError?: Uint8Array;
  /** Unknown odd records (kept byte for byte; CLN reports them as `unknown_fields`). */
  unknown?: TlvEntry[];
}

/** Canonical TLV stream of `p` (no BigSize length prefix). Unknown even types are refused. */
export function encodeOnionMessagePayload(p: OnionMessagePayload): Uint8Array {
  const e: TlvEntry[] = [];
  if (p.replyPath) e.push({ type: OM_REPLY_PATH, value: encodeBlindedPath(p.replyPath) });
  if (p.encryptedRecipientData) e.push({ type: OM_ENCRYPTED_RECIPIENT_DATA, value: p.encryptedRecipientData });
  if (p.invoiceRequest) e.push({ type: OM_INVOICE_REQUEST, value: p.invoiceRequest });
  if (p.invoice) e.push({ type: OM_INVOICE, value: p.invoice });
  if (p.invoiceError) e.push({ type: OM_INVOICE_ERROR, value: p.invoiceError });
  return encodeTlvStreamWithUnknown(e, p.unknown, (t) => KNOWN.has(t), 'onionmsg_tlv');
}

/** Parses an onionmsg_tlv stream. Throws TlvError (BOLT 1 framing, unknown even type, malformed reply_path). */
export function decodeOnionMessagePayload(stream: Uint8Array): OnionMessagePayload {
  const { records, unknown } = parseTlvStream(stream, (t) => KNOWN.has(t));
  const p: OnionMessagePayload = {};
  for (const rec of records) {
    const v = rec.value.slice();
    switch (rec.type) {
      case OM_REPLY_PATH: {
        const r = new ValueReader(stream, rec.valueOffset, rec.valueOffset + rec.value.length, rec.type, 'reply_path');
        const path = readBlindedPath(r);
        // BOLT 1: the value must be exactly one blinded_path.
        r.done();
        p.replyPath = {
          firstNodeId: 'pubkey' in path.firstNodeId ? { pubkey: path.firstNodeId.pubkey.slice() } : path.firstNodeId,
          firstPathKey: path.firstPathKey.slice(),
          hops: path.hops.map((h) => ({ blindedNodeId: h.blindedNodeId.slice(), encryptedRecipientData: h.encryptedRecipientData.slice() })),
        };
        break;
      }
      case OM_ENCRYPTED_RECIPIENT_DATA: p.encryptedRecipientData = v; break;
      case OM_INVOICE_REQUEST: p.invoiceRequest = v; break;
      case OM_INVOICE: p.invoice = v; break;
      case OM_INVOICE_ERROR: p.invoiceError = v; break;
    }
  }
  if (unknown.length) p.unknown = unknown.map((u) => ({ type: u.type, value: u.value.slice() }));
  return p;
}

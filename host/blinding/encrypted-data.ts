// BOLT 4 `encrypted_data_tlv` (bolt-digest §4.7, cln-offers-flow-digest §6.2):
// the TLV stream a path creator encrypts for each hop of a blinded path. The
// codec follows BOLT 1 (host/bolt12/tlv.ts: minimal BigSizes, strictly
// increasing types, unknown even types refused, unknown odd types kept byte
// for byte) and the field encodings of the spec (note payment_relay's order:
// delta, ppm, then a truncated base).
import { parseTlvStream, encodeTlvStreamWithUnknown, type TlvEntry } from '../bolt12/tlv.js';
import { ValueReader, ValueWriter } from '../bolt12/wire.js';
import { readScid, writeScid, type ShortChannelId } from '../bolt12/subtypes.js';

/** Record types of encrypted_data_tlv. */
export const ED_PADDING = 1n;
export const ED_SHORT_CHANNEL_ID = 2n;
export const ED_NEXT_NODE_ID = 4n;
export const ED_PATH_ID = 6n;
export const ED_NEXT_PATH_KEY_OVERRIDE = 8n;
export const ED_PAYMENT_RELAY = 10n;
export const ED_PAYMENT_CONSTRAINTS = 12n;
export const ED_ALLOWED_FEATURES = 14n;

const KNOWN = new Set([ED_PADDING, ED_SHORT_CHANNEL_ID, ED_NEXT_NODE_ID, ED_PATH_ID, ED_NEXT_PATH_KEY_OVERRIDE, ED_PAYMENT_RELAY, ED_PAYMENT_CONSTRAINTS, ED_ALLOWED_FEATURES]);

/** payment_relay (10): u16 cltv_expiry_delta ‖ u32 fee_proportional_millionths ‖ tu32 fee_base_msat. */
export interface PaymentRelay {
  cltvExpiryDelta: number;
  feeProportionalMillionths: number;
  feeBaseMsat: number;
}

/** payment_constraints (12): u32 max_cltv_expiry ‖ tu64 htlc_minimum_msat. */
export interface PaymentConstraints {
  maxCltvExpiry: number;
  htlcMinimumMsat: bigint;
}

/** One hop's decrypted data. Every field is optional; the reader rules of each use decide. */
export interface EncryptedData {
  padding?: Uint8Array;
  shortChannelId?: ShortChannelId;
  nextNodeId?: Uint8Array;
  pathId?: Uint8Array;
  nextPathKeyOverride?: Uint8Array;
  paymentRelay?: PaymentRelay;
  paymentConstraints?: PaymentConstraints;
  allowedFeatures?: Uint8Array;
  /** Unknown odd records, carried byte for byte (the writer refuses even ones). */
  unknown?: TlvEntry[];
}

/** Serialises `d` as a canonical TLV stream. Throws RangeError on a value the spec cannot carry. */
export function encodeEncryptedData(d: EncryptedData): Uint8Array {
  const e: TlvEntry[] = [];
  const put = (type: bigint, value: Uint8Array) => e.push({ type, value });
  if (d.padding) put(ED_PADDING, d.padding);
  if (d.shortChannelId) {
    const w = new ValueWriter();
    writeScid(w, d.shortChannelId);
    put(ED_SHORT_CHANNEL_ID, w.finish());
  }
  if (d.nextNodeId) put(ED_NEXT_NODE_ID, point(d.nextNodeId, 'next_node_id'));
  if (d.pathId) put(ED_PATH_ID, d.pathId);
  if (d.nextPathKeyOverride) put(ED_NEXT_PATH_KEY_OVERRIDE, point(d.nextPathKeyOverride, 'next_path_key_override'));
  if (d.paymentRelay) {
    const r = d.paymentRelay;
    u16(r.cltvExpiryDelta, 'cltv_expiry_delta');
    u32(r.feeProportionalMillionths, 'fee_proportional_millionths');
    put(ED_PAYMENT_RELAY, new ValueWriter().u16(r.cltvExpiryDelta).u32(r.feeProportionalMillionths).tu32(r.feeBaseMsat).finish());
  }
  if (d.paymentConstraints) {
    const c = d.paymentConstraints;
    u32(c.maxCltvExpiry, 'max_cltv_expiry');
    put(ED_PAYMENT_CONSTRAINTS, new ValueWriter().u32(c.maxCltvExpiry).tu64(c.htlcMinimumMsat).finish());
  }
  if (d.allowedFeatures) put(ED_ALLOWED_FEATURES, d.allowedFeatures);
  return encodeTlvStreamWithUnknown(e, d.unknown, (t) => KNOWN.has(t), 'encrypted_data_tlv');
}

/** Parses a decrypted encrypted_data_tlv. Throws TlvError (BOLT 1 and field rules) with the byte offset. */
export function decodeEncryptedData(stream: Uint8Array): EncryptedData {
  const { records, unknown } = parseTlvStream(stream, (t) => KNOWN.has(t));
  const d: EncryptedData = {};
  for (const rec of records) {
    if (!KNOWN.has(rec.type)) continue;
    const r = new ValueReader(stream, rec.valueOffset, rec.valueOffset + rec.value.length, rec.type, FIELD[String(rec.type)]);
    switch (rec.type) {
      case ED_PADDING: d.padding = r.rest(); break;
      case ED_SHORT_CHANNEL_ID: d.shortChannelId = readScid(r); break;
      case ED_NEXT_NODE_ID: d.nextNodeId = r.point('next_node_id'); break;
      case ED_PATH_ID: d.pathId = r.rest(); break;
      case ED_NEXT_PATH_KEY_OVERRIDE: d.nextPathKeyOverride = r.point('next_path_key_override'); break;
      case ED_PAYMENT_RELAY: {
        const cltvExpiryDelta = r.u16('cltv_expiry_delta');
        const feeProportionalMillionths = r.u32('fee_proportional_millionths');
        // BOLT 1: tu32 at most 4 bytes, no leading zero byte.
        d.paymentRelay = { cltvExpiryDelta, feeProportionalMillionths, feeBaseMsat: r.tu32('fee_base_msat') };
        break;
      }
      case ED_PAYMENT_CONSTRAINTS: {
        const maxCltvExpiry = r.u32('max_cltv_expiry');
        // BOLT 1: tu64 at most 8 bytes, no leading zero byte.
        d.paymentConstraints = { maxCltvExpiry, htlcMinimumMsat: r.tu64('htlc_minimum_msat') };
        break;
      }
      case ED_ALLOWED_FEATURES: d.allowedFeatures = r.rest(); break;
    }
    // BOLT 1: a known type's value must be exactly what its encoding consumes.
    r.done();
  }
  if (unknown.length) d.unknown = unknown.map((u) => ({ type: u.type, value: u.value.slice() }));
  // Copy out of the caller's buffer.
  for (const k of ['padding', 'nextNodeId', 'pathId', 'nextPathKeyOverride', 'allowedFeatures'] as const) if (d[k]) d[k] = d[k]!.slice();
  return d;
}

const FIELD: Record<string, string> = {
  1: 'padding', 2: 'short_channel_id', 4: 'next_node_id', 6: 'path_id', 8: 'next_path_key_override',
  10: 'payment_relay', 12: 'payment_constraints', 14: 'allowed_features',
};

/** True when no feature bit is set (BOLT 4: every bit is unknown in allowed_features today). */
export const noFeatureBits = (f: Uint8Array | undefined) => !f || f.every((b) => b === 0);

function point(p: Uint8Array, what: string): Uint8Array {
  if (p.length !== 33) throw new RangeError(`${what} must be a 33-byte point`);
  return p;
}
function u16(v: number, what: string) {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${what} out of u16 range: ${v}`);
}
function u32(v: number, what: string) {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what} out of u32 range: ${v}`);
}

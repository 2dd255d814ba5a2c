// BOLT 4 payment payload TLVs (bolt-digest §4.5): the encoder the payment
// engine, the tests and the benchmark use for build_onion / createonion hop
// data, and the reader a forwarding node applies (the simulated network).
// BigSize and truncated integers come from host/bolt12 (BOLT 1 encodings).
import { concatBytes } from '@noble/hashes/utils.js';
import { encodeBigSize, readBigSize } from '../bolt12/bigsize.js';
import { TlvError } from '../bolt12/errors.js';
import { ValueReader, ValueWriter } from '../bolt12/wire.js';

/** One hop's payload fields (BOLT 4 `payload` TLVs, digest §4.5). */
export interface HopPayload {
  /** amt_to_forward (2), msat. */
  amountMsat: bigint;
  /** outgoing_cltv_value (4), absolute. */
  cltv: number;
  /** short_channel_id (6), 8 bytes: intermediate hops only. */
  shortChannelId?: Uint8Array;
  /** payment_data (8): 32-byte payment_secret ‖ tu64 total_msat (final hop). */
  paymentSecret?: Uint8Array;
  totalMsat?: bigint;
  /** payment_metadata (16) (final hop). */
  paymentMetadata?: Uint8Array;
}

const tu64 = (v: bigint) => new ValueWriter().tu64(v).finish();
const rec = (type: number, value: Uint8Array) => concatBytes(encodeBigSize(BigInt(type)), encodeBigSize(BigInt(value.length)), value);

/** Encodes a payment payload TLV stream (without the BigSize length prefix). */
export function encodeHopPayload(p: HopPayload): Uint8Array {
  const recs: Uint8Array[] = [rec(2, tu64(p.amountMsat)), rec(4, new ValueWriter().tu32(p.cltv).finish())];
  if (p.shortChannelId) {
    if (p.shortChannelId.length !== 8) throw new Error('short_channel_id must be 8 bytes');
    recs.push(rec(6, p.shortChannelId));
  }
  if (p.paymentSecret) {
    if (p.paymentSecret.length !== 32) throw new Error('payment_secret must be 32 bytes');
    recs.push(rec(8, concatBytes(p.paymentSecret, tu64(p.totalMsat ?? p.amountMsat))));
  }
  if (p.paymentMetadata) recs.push(rec(16, p.paymentMetadata));
  return concatBytes(...recs);
}

/** The payload of a hop inside a blinded route (§4.5 writer rules, digest §6.6). */
export interface BlindedHopPayload {
  /** encrypted_recipient_data (10): every blinded hop. */
  encryptedRecipientData: Uint8Array;
  /** current_path_key (12): the introduction node only. */
  currentPathKey?: Uint8Array;
  /** amt_to_forward (2), outgoing_cltv_value (4), total_amount_msat (18): the final hop only. */
  amountMsat?: bigint;
  cltv?: number;
  totalAmountMsat?: bigint;
}

/** Encodes a blinded hop's payload; the final hop's three amount fields come together or not at all. */
export function encodeBlindedHopPayload(p: BlindedHopPayload): Uint8Array {
  const finalFields = [p.amountMsat, p.cltv, p.totalAmountMsat].filter((x) => x !== undefined).length;
  // §4.5: the final blinded hop MUST carry amt_to_forward, outgoing_cltv_value and total_amount_msat.
  if (finalFields !== 0 && finalFields !== 3) throw new Error('final blinded hop needs amt_to_forward, outgoing_cltv_value and total_amount_msat');
  const recs: Uint8Array[] = [];
  if (p.amountMsat !== undefined) recs.push(rec(2, tu64(p.amountMsat)), rec(4, new ValueWriter().tu32(p.cltv!).finish()));
  recs.push(rec(10, p.encryptedRecipientData));
  if (p.currentPathKey) {
    if (p.currentPathKey.length !== 33) throw new Error('current_path_key must be a 33-byte point');
    recs.push(rec(12, p.currentPathKey));
  }
  if (p.totalAmountMsat !== undefined) recs.push(rec(18, tu64(p.totalAmountMsat)));
  return concatBytes(...recs);
}

/** BigSize length ‖ payload: the hop data as createonion (and a Sphinx hop) carries it. */
export const withLength = (payload: Uint8Array): Uint8Array => concatBytes(encodeBigSize(BigInt(payload.length)), payload);

// ---------------------------------------------------------------------------
// Reader (a forwarding or final node)

/** A payload as read: every field optional (the reader rules decide what is missing). */
export interface DecodedPayload {
  amtToForward?: bigint;
  outgoingCltv?: number;
  shortChannelId?: string;
  paymentSecret?: Uint8Array;
  totalMsat?: bigint;
  paymentMetadata?: Uint8Array;
  /** Route blinding (§4.5): encrypted_recipient_data (10), current_path_key (12), total_amount_msat (18). */
  encryptedRecipientData?: Uint8Array;
  currentPathKey?: Uint8Array;
  totalAmountMsat?: bigint;
  /** Types present (in order), for the reader rules. */
  types: bigint[];
}

/** A payload the reader refuses: invalid_onion_payload with this type and byte offset. */
export class PayloadError extends Error {
  constructor(readonly type: bigint, readonly offset: number, why: string) {
    super(why);
  }
}

/** BOLT 7 short_channel_id text form (block x tx x output). */
export const scidToString = (b: Uint8Array) => {
  const block = (b[0] << 16) | (b[1] << 8) | b[2];
  const tx = (b[3] << 16) | (b[4] << 8) | b[5];
  const out = (b[6] << 8) | b[7];
  return `${block}x${tx}x${out}`;
};

/** Reads a TLV payload (without its length prefix). Throws PayloadError (→ invalid_onion_payload). */
export function decodePayload(p: Uint8Array): DecodedPayload {
  const out: DecodedPayload = { types: [] };
  let at = 0;
  let last = -1n;
  while (at < p.length) {
    const start = at;
    let type = 0n;
    try {
      const t = readBigSize(p, at, p.length, 'type');
      type = t.value;
      const l = readBigSize(p, t.next, p.length, 'length');
      at = l.next;
      if (at + Number(l.value) > p.length) throw new PayloadError(type, start, 'truncated value');
      // BOLT 1: types strictly increasing.
      if (type <= last) throw new PayloadError(type, start, 'types not increasing');
      last = type;
      const v = new ValueReader(p, at, at + Number(l.value), type);
      at += Number(l.value);
      out.types.push(type);
      switch (type) {
        case 2n: out.amtToForward = v.tu64(); break;
        case 4n: out.outgoingCltv = v.tu32(); break;
        case 6n:
          if (v.remaining !== 8) throw new PayloadError(6n, start, 'short_channel_id must be 8 bytes');
          out.shortChannelId = scidToString(v.rest());
          break;
        case 8n:
          if (v.remaining < 32) throw new PayloadError(8n, start, 'payment_data too short');
          out.paymentSecret = v.bytes(32).slice();
          out.totalMsat = v.tu64();
          break;
        case 16n: out.paymentMetadata = v.rest().slice(); break;
        case 10n: out.encryptedRecipientData = v.rest().slice(); break;
        case 12n: out.currentPathKey = v.point('current_path_key').slice(); v.done(); break;
        case 18n: out.totalAmountMsat = v.tu64(); break;
        default:
          // BOLT 1: unknown even type → fail; unknown odd type → ignore.
          if (type % 2n === 0n) throw new PayloadError(type, start, 'unknown even type');
      }
    } catch (e) {
      if (e instanceof TlvError) throw new PayloadError(type, start, e.reason);
      throw e;
    }
  }
  return out;
}

// BOLT 4 payment payload TLVs (§4.5) and failure messages (§4.8) for the
// simulated network.
import { concat, readBigSize, writeBigSize } from './sphinx.js';

// §4.8 flags.
export const BADONION = 0x8000;
export const PERM = 0x4000;
export const NODE = 0x2000;
export const UPDATE = 0x1000;

/** §4.8 failure codes, by CLN's WIRE_* name (the `failcodename` waitsendpay reports). */
export const FailCode = {
  WIRE_TEMPORARY_NODE_FAILURE: NODE | 2,
  WIRE_PERMANENT_NODE_FAILURE: PERM | NODE | 2,
  WIRE_REQUIRED_NODE_FEATURE_MISSING: PERM | NODE | 3,
  WIRE_INVALID_ONION_VERSION: BADONION | PERM | 4,
  WIRE_INVALID_ONION_HMAC: BADONION | PERM | 5,
  WIRE_INVALID_ONION_KEY: BADONION | PERM | 6,
  WIRE_TEMPORARY_CHANNEL_FAILURE: UPDATE | 7,
  WIRE_PERMANENT_CHANNEL_FAILURE: PERM | 8,
  WIRE_REQUIRED_CHANNEL_FEATURE_MISSING: PERM | 9,
  WIRE_UNKNOWN_NEXT_PEER: PERM | 10,
  WIRE_AMOUNT_BELOW_MINIMUM: UPDATE | 11,
  WIRE_FEE_INSUFFICIENT: UPDATE | 12,
  WIRE_INCORRECT_CLTV_EXPIRY: UPDATE | 13,
  WIRE_EXPIRY_TOO_SOON: UPDATE | 14,
  WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS: PERM | 15,
  WIRE_FINAL_INCORRECT_CLTV_EXPIRY: 18,
  WIRE_FINAL_INCORRECT_HTLC_AMOUNT: 19,
  WIRE_CHANNEL_DISABLED: UPDATE | 20,
  WIRE_EXPIRY_TOO_FAR: 21,
  WIRE_INVALID_ONION_PAYLOAD: PERM | 22,
  WIRE_MPP_TIMEOUT: 23,
  WIRE_INVALID_ONION_BLINDING: BADONION | PERM | 24,
} as const;

const NAMES = new Map<number, string>(Object.entries(FailCode).map(([k, v]) => [v, k]));
export const failCodeName = (code: number): string | undefined => NAMES.get(code);

const u16 = (v: number) => Uint8Array.of((v >> 8) & 0xff, v & 0xff);
const u32 = (v: number) => Uint8Array.of((v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
const u64 = (v: bigint) => {
  const b = new Uint8Array(8);
  for (let i = 0; i < 8; i++) b[7 - i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return b;
};
/** No channel_update: §4.8 makes it optional (len 0). */
const NO_UPDATE = u16(0);

/** failuremsg = u16 failure_code ‖ data (§4.8), with the data each code defines. */
export const failureMsg = {
  plain: (code: number) => u16(code),
  /** BADONION codes: sha256_of_onion. */
  badOnion: (code: number, sha256OfOnion: Uint8Array) => concat(u16(code), sha256OfOnion),
  temporaryChannelFailure: () => concat(u16(FailCode.WIRE_TEMPORARY_CHANNEL_FAILURE), NO_UPDATE),
  amountBelowMinimum: (htlcMsat: bigint) => concat(u16(FailCode.WIRE_AMOUNT_BELOW_MINIMUM), u64(htlcMsat), NO_UPDATE),
  feeInsufficient: (htlcMsat: bigint) => concat(u16(FailCode.WIRE_FEE_INSUFFICIENT), u64(htlcMsat), NO_UPDATE),
  incorrectCltvExpiry: (cltv: number) => concat(u16(FailCode.WIRE_INCORRECT_CLTV_EXPIRY), u32(cltv), NO_UPDATE),
  expiryTooSoon: () => concat(u16(FailCode.WIRE_EXPIRY_TOO_SOON), NO_UPDATE),
  incorrectOrUnknownPaymentDetails: (htlcMsat: bigint, height: number) =>
    concat(u16(FailCode.WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS), u64(htlcMsat), u32(height)),
  finalIncorrectCltvExpiry: (cltv: number) => concat(u16(FailCode.WIRE_FINAL_INCORRECT_CLTV_EXPIRY), u32(cltv)),
  finalIncorrectHtlcAmount: (amount: bigint) => concat(u16(FailCode.WIRE_FINAL_INCORRECT_HTLC_AMOUNT), u64(amount)),
  invalidOnionPayload: (type: bigint, offset: number) => concat(u16(FailCode.WIRE_INVALID_ONION_PAYLOAD), writeBigSize(type), u16(offset)),
};

export const failCodeOf = (msg: Uint8Array) => (msg.length >= 2 ? (msg[0] << 8) | msg[1] : -1);

// ---------------------------------------------------------------------------
// Payment payload TLVs (§4.5)

export interface HopPayload {
  amtToForward?: bigint;
  outgoingCltv?: number;
  shortChannelId?: string;
  paymentSecret?: Uint8Array;
  totalMsat?: bigint;
  paymentMetadata?: Uint8Array;
  /** Types present (in order), for the reader rules. */
  types: bigint[];
}

export class PayloadError extends Error {
  constructor(readonly type: bigint, readonly offset: number, why: string) {
    super(why);
  }
}

/** tu64/tu32 read: big-endian, minimal (no leading zero byte). */
function readTu(v: Uint8Array, max: number, type: bigint, offset: number): bigint {
  if (v.length > max || (v.length > 0 && v[0] === 0)) throw new PayloadError(type, offset, 'non-minimal truncated integer');
  let x = 0n;
  for (const b of v) x = (x << 8n) | BigInt(b);
  return x;
}

export const scidToString = (b: Uint8Array) => {
  const block = (b[0] << 16) | (b[1] << 8) | b[2];
  const tx = (b[3] << 16) | (b[4] << 8) | b[5];
  const out = (b[6] << 8) | b[7];
  return `${block}x${tx}x${out}`;
};

export function scidToBytes(s: string): Uint8Array {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(s);
  if (!m) throw new Error(`bad short_channel_id ${s}`);
  const [b, t, o] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return Uint8Array.of((b >> 16) & 0xff, (b >> 8) & 0xff, b & 0xff, (t >> 16) & 0xff, (t >> 8) & 0xff, t & 0xff, (o >> 8) & 0xff, o & 0xff);
}

/** Reads a TLV payload (without its length prefix). Throws PayloadError (→ invalid_onion_payload). */
export function decodePayload(p: Uint8Array): HopPayload {
  const out: HopPayload = { types: [] };
  let at = 0;
  let last = -1n;
  while (at < p.length) {
    const start = at;
    const t = readBigSize(p, at);
    if (!t) throw new PayloadError(0n, start, 'truncated type');
    at += t.size;
    const l = readBigSize(p, at);
    if (!l) throw new PayloadError(t.value, start, 'truncated length');
    at += l.size;
    if (at + Number(l.value) > p.length) throw new PayloadError(t.value, start, 'truncated value');
    // BOLT 1: types strictly increasing.
    if (t.value <= last) throw new PayloadError(t.value, start, 'types not increasing');
    last = t.value;
    const v = p.subarray(at, at + Number(l.value));
    at += Number(l.value);
    out.types.push(t.value);
    switch (t.value) {
      case 2n: out.amtToForward = readTu(v, 8, 2n, start); break;
      case 4n: out.outgoingCltv = Number(readTu(v, 4, 4n, start)); break;
      case 6n:
        if (v.length !== 8) throw new PayloadError(6n, start, 'short_channel_id must be 8 bytes');
        out.shortChannelId = scidToString(v);
        break;
      case 8n:
        if (v.length < 32) throw new PayloadError(8n, start, 'payment_data too short');
        out.paymentSecret = v.slice(0, 32);
        out.totalMsat = readTu(v.subarray(32), 8, 8n, start);
        break;
      case 16n: out.paymentMetadata = v.slice(); break;
      default:
        // BOLT 1: unknown even type → fail; unknown odd type → ignore.
        if (t.value % 2n === 0n) throw new PayloadError(t.value, start, 'unknown even type');
    }
  }
  return out;
}

const tu = (v: bigint) => {
  const b = u64(v);
  let i = 0;
  while (i < 8 && b[i] === 0) i++;
  return b.subarray(i);
};
const rec = (t: number, v: Uint8Array) => concat(writeBigSize(BigInt(t)), writeBigSize(BigInt(v.length)), v);

/** Writes a payload with its BigSize length prefix (what a Sphinx hop carries). */
export function encodePayload(p: Omit<HopPayload, 'types'>): Uint8Array {
  const parts: Uint8Array[] = [];
  if (p.amtToForward !== undefined) parts.push(rec(2, tu(p.amtToForward)));
  if (p.outgoingCltv !== undefined) parts.push(rec(4, tu(BigInt(p.outgoingCltv))));
  if (p.shortChannelId !== undefined) parts.push(rec(6, scidToBytes(p.shortChannelId)));
  if (p.paymentSecret !== undefined) parts.push(rec(8, concat(p.paymentSecret, tu(p.totalMsat ?? 0n))));
  if (p.paymentMetadata !== undefined) parts.push(rec(16, p.paymentMetadata));
  const body = concat(...parts);
  return concat(writeBigSize(BigInt(body.length)), body);
}

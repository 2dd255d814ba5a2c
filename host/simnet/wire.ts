// BOLT 4 failure messages (§4.8) for the simulated network. (Payment payload
// TLVs: host/onion/payload.ts.)
import { concatBytes as concat } from '@noble/hashes/utils.js';
import { encodeBigSize } from '../bolt12/bigsize.js';

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
  invalidOnionPayload: (type: bigint, offset: number) => concat(u16(FailCode.WIRE_INVALID_ONION_PAYLOAD), encodeBigSize(type), u16(offset)),
};

export const failCodeOf = (msg: Uint8Array) => (msg.length >= 2 ? (msg[0] << 8) | msg[1] : -1);

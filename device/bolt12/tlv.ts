// BOLT 1 BigSize and a strict TLV stream walker over raw memory. No
// allocation: the walker's state is a caller-owned cursor (TLV_CURSOR_SIZE
// bytes). Every rule of BOLT 1 "TLV Format" that does not depend on knowing
// the record types is enforced here; what a type means (known/unknown, even/
// odd, field encodings) is the caller's business.
import {
  BOLT12_OK, BOLT12_ERR_TYPE_TRUNCATED, BOLT12_ERR_TYPE_NOT_MINIMAL, BOLT12_ERR_LENGTH_TRUNCATED,
  BOLT12_ERR_LENGTH_NOT_MINIMAL, BOLT12_ERR_VALUE_TRUNCATED, BOLT12_ERR_TYPE_ORDER,
} from "../../shared/bolt12-limits";

// ---- BigSize (BOLT 1 "Appendix A") ----

export const BIGSIZE_TRUNCATED: i32 = -1;
export const BIGSIZE_NOT_MINIMAL: i32 = -2;

// Value of the last successful bigsizeRead.
export let bigsizeValue: u64 = 0;

// Decodes the BigSize at p (at most `avail` bytes readable). Returns the number
// of bytes it occupies (1, 3, 5 or 9) and sets bigsizeValue, or
// BIGSIZE_TRUNCATED / BIGSIZE_NOT_MINIMAL. Never reads past p + avail.
export function bigsizeRead(p: usize, avail: usize): i32 {
  if (avail < 1) return BIGSIZE_TRUNCATED;
  const b0 = <u32>load<u8>(p);
  // BOLT 1: 0..0xfc is the byte itself; 0xfd + u16; 0xfe + u32; 0xff + u64
  // (big-endian), and a value that fits a shorter form must use it.
  if (b0 < 0xfd) {
    bigsizeValue = <u64>b0;
    return 1;
  }
  if (b0 == 0xfd) {
    if (avail < 3) return BIGSIZE_TRUNCATED;
    const v = <u64>((<u32>load<u8>(p + 1) << 8) | <u32>load<u8>(p + 2));
    if (v < 0xfd) return BIGSIZE_NOT_MINIMAL;
    bigsizeValue = v;
    return 3;
  }
  if (b0 == 0xfe) {
    if (avail < 5) return BIGSIZE_TRUNCATED;
    let v: u64 = 0;
    for (let i: usize = 1; i <= 4; i++) v = (v << 8) | <u64>load<u8>(p + i);
    if (v < 0x10000) return BIGSIZE_NOT_MINIMAL;
    bigsizeValue = v;
    return 5;
  }
  if (avail < 9) return BIGSIZE_TRUNCATED;
  let v: u64 = 0;
  for (let i: usize = 1; i <= 8; i++) v = (v << 8) | <u64>load<u8>(p + i);
  if (v < 0x100000000) return BIGSIZE_NOT_MINIMAL;
  bigsizeValue = v;
  return 9;
}

// ---- TLV stream walker ----

// Cursor layout (bytes):
//   0  next record (absolute pointer, u32)   4  end of stream (u32)
//   8  records read (u32)                   16  type of the current record (u64)
//  24  current record start (u32)           28  length of its type field (u32)
//  32  its value pointer (u32)              36  its value length (u32)
export const TLV_CURSOR_SIZE: usize = 40;
const C_POS: usize = 0;
const C_END: usize = 4;
const C_COUNT: usize = 8;
const C_TYPE: usize = 16;
const C_REC: usize = 24;
const C_TLEN: usize = 28;
const C_VAL: usize = 32;
const C_VLEN: usize = 36;

// tlvNext's result at a clean end of stream (records: BOLT12_OK; errors: > 0).
export const TLV_END: i32 = -1;

export function tlvBegin(cur: usize, stream: usize, len: usize): void {
  store<u32>(cur + C_POS, <u32>stream);
  store<u32>(cur + C_END, <u32>(stream + len));
  store<u32>(cur + C_COUNT, 0);
  store<u64>(cur + C_TYPE, 0);
}

// Reads the next record: BOLT12_OK (the accessors below describe it), TLV_END
// when the stream is exhausted, or a BOLT12_ERR_* code (the stream is invalid
// as a whole; the cursor must not be used further).
export function tlvNext(cur: usize): i32 {
  const pos = <usize>load<u32>(cur + C_POS);
  const end = <usize>load<u32>(cur + C_END);
  // BOLT 1: if zero bytes remain before parsing a `type`: MUST stop parsing
  // the tlv_stream.
  if (pos >= end) return TLV_END;
  // BOLT 1: if a `type` or `length` is not minimally encoded: MUST fail to
  // parse; a `type` cut short by the end of the stream also fails.
  const tlen = bigsizeRead(pos, end - pos);
  if (tlen == BIGSIZE_TRUNCATED) return BOLT12_ERR_TYPE_TRUNCATED;
  if (tlen == BIGSIZE_NOT_MINIMAL) return BOLT12_ERR_TYPE_NOT_MINIMAL;
  const type = bigsizeValue;
  // BOLT 1: if decoded `type`s are not strictly-increasing (including
  // situations where two or more occurrences of the same `type` are
  // encountered): MUST fail to parse the tlv_stream. (Applies to every
  // record, known or not.)
  if (load<u32>(cur + C_COUNT) > 0 && type <= load<u64>(cur + C_TYPE)) return BOLT12_ERR_TYPE_ORDER;
  const lp = pos + <usize>tlen;
  const llen = bigsizeRead(lp, end - lp);
  if (llen == BIGSIZE_TRUNCATED) return BOLT12_ERR_LENGTH_TRUNCATED;
  if (llen == BIGSIZE_NOT_MINIMAL) return BOLT12_ERR_LENGTH_NOT_MINIMAL;
  const vlen = bigsizeValue;
  const vp = lp + <usize>llen;
  // BOLT 1: if `length` exceeds the number of bytes remaining in the message:
  // MUST fail to parse the tlv_stream.
  if (vlen > <u64>(end - vp)) return BOLT12_ERR_VALUE_TRUNCATED;
  store<u64>(cur + C_TYPE, type);
  store<u32>(cur + C_REC, <u32>pos);
  store<u32>(cur + C_TLEN, <u32>tlen);
  store<u32>(cur + C_VAL, <u32>vp);
  store<u32>(cur + C_VLEN, <u32>vlen);
  store<u32>(cur + C_COUNT, load<u32>(cur + C_COUNT) + 1);
  store<u32>(cur + C_POS, <u32>(vp + <usize>vlen));
  return BOLT12_OK;
}

// Accessors for the record tlvNext just read.
@inline export function tlvType(cur: usize): u64 { return load<u64>(cur + C_TYPE); }
// The whole encoded record (type ‖ length ‖ value).
@inline export function tlvRecord(cur: usize): usize { return <usize>load<u32>(cur + C_REC); }
@inline export function tlvRecordLen(cur: usize): usize {
  return <usize>load<u32>(cur + C_VAL) + <usize>load<u32>(cur + C_VLEN) - <usize>load<u32>(cur + C_REC);
}
// The type field as encoded (1-9 bytes, minimal, at tlvRecord).
@inline export function tlvTypeLen(cur: usize): usize { return <usize>load<u32>(cur + C_TLEN); }
@inline export function tlvValue(cur: usize): usize { return <usize>load<u32>(cur + C_VAL); }
@inline export function tlvValueLen(cur: usize): usize { return <usize>load<u32>(cur + C_VLEN); }

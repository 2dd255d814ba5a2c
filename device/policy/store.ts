// The spending policy and its 24-hour spend log, in the "policy" flash
// partition (FLASH_POLICY_*, two sectors). docs/firmware/onion.md "Policy".
//
// Record (one per sector, POLICY_REC_SIZE bytes):
//    0 magic u32le "PLCY" | 4 seq u32le | 8 limits[28] (POLICY_OFF_* up to the
//   daily limit) | 36 entries in use u32le | 40 confirm_above_msat u64le |
//   48 clock floor u32le | 52 format u32le (REC_FORMAT_*) | 56 reserved[8] |
//   64 log: POLICY_LOG_CAP entries of 40 bytes:
//        time u32le | payee tag u32le | amount sent u64le | part key[16] | payment hash[0..8]
//   2624 payee_daily_msat u64le | 2632 period_cap_msat u64le |
//   2640 allowlist count u32le | 2644 reserved u32 | 2648 offer ids[32 × ALLOWLIST_CAP] |
//   3160: CRC-32C u32le of bytes 4..3159                       (3164 bytes)
//
// Format 0 (records written before issue 12) ended at 2624 with its CRC
// (bytes 4..2623) and had zeros at 52: such a record is read as format 1 with
// payee_daily_msat = period_cap_msat = 0 (the strictest: no BOLT 12 payment
// until the user sets them, with a press) and an empty allowlist. This is the
// rule the record already followed for confirm_above_msat (absent = 0 = ask for
// every payment): an absent field reads as its strictest value, so a firmware
// update never loosens the policy. A new device (no record) has every limit
// "none", the new ones included.
//
// Atomic update (NOR flash): the new record goes to the sector NOT holding the
// current one (seq + 1 selects sector seq & 1): erase it, program everything
// but the magic, read back and compare, program the magic last. A copy counts
// only with its magic, a known format and a matching CRC, and the valid copy with the higher
// seq wins, so a power cut at any point leaves the old record or the new one.
//
// With no valid copy (a new device) every limit is "none" (all ones) and the
// log is empty. confirm_above_msat and the clock floor live in what was the
// reserved (zero) area, so a record written before they existed reads as
// "confirm every payment" (the strictest threshold) and floor 0: a firmware
// update never loosens the policy.
import {
  FLASH_OK, FLASH_POLICY_OFF, FLASH_SECTOR,
} from "../../shared/board";
import {
  ALLOWLIST_CAP, OFFER_ID_SIZE, POLICY_LOG_CAP, POLICY_OFF_CONFIRM_ABOVE, POLICY_OFF_DAILY, POLICY_OFF_MAX_AMOUNT, POLICY_OFF_MAX_FEE,
  POLICY_OFF_MAX_FEE_PPM, POLICY_WINDOW_SECONDS,
} from "../../shared/protocol";
import { board_flash_erase, board_flash_read, board_flash_write } from "../proto/board";
import { crc32c, get32, put32 } from "../proto/bytes";
import { CRC32C_INIT, crc32cByte, crc32cFinish } from "../../shared/crc32c";

export const POLICY_MAGIC: u32 = 0x59434c50; // "PLCY"
const R_SEQ: usize = 4;
export const R_LIMITS: usize = 8;
const R_USED: usize = 36;
/** The wire limits up to the daily limit sit at R_LIMITS; confirm_above here. */
const R_LIMITS_HEAD: usize = 28;
const R_CONFIRM_ABOVE: usize = 40;
const R_FLOOR: usize = 48;
const R_FORMAT: usize = 52;
const R_LOG: usize = 64;
export const ENTRY_SIZE: usize = 40;
export const E_TIME: usize = 0;
/** Payee tag (bolt12-terms.ts payeeTag; 0 = no payee: build_onion parts). */
export const E_TAG: usize = 4;
export const E_AMOUNT: usize = 8;
export const E_KEY: usize = 16;
export const E_HASH: usize = 32;
/** End of a format-0 record's log: its CRC's offset. */
const R_CRC_V0: usize = R_LOG + <usize>POLICY_LOG_CAP * ENTRY_SIZE;
const R_PAYEE_DAILY: usize = R_CRC_V0;
const R_PERIOD_CAP: usize = R_CRC_V0 + 8;
const R_ALLOW_COUNT: usize = R_CRC_V0 + 16;
const R_ALLOW: usize = R_CRC_V0 + 24;
const R_CRC: usize = R_ALLOW + <usize>ALLOWLIST_CAP * <usize>OFFER_ID_SIZE;
export const POLICY_REC_SIZE: usize = R_CRC + 4;
/** Record formats (R_FORMAT). */
const REC_FORMAT_V0: u32 = 0;
const REC_FORMAT_V1: u32 = 1;

/** Codes beyond the board's FLASH_ERR_* (ERR_FLASH detail). */
export const POLICY_ERR_VERIFY: i32 = 0x100;

/** The record in RAM (valid after policyLoad). */
export const PREC: usize = memory.data(<i32>POLICY_REC_SIZE, 8);
/** Flash is checked through this window (the other copy, the read-back), not
 *  a second record buffer: RAM is the scarcer resource (2 pages in all). */
const CHUNK_SIZE: usize = 256;
const CHUNK: usize = memory.data(<i32>CHUNK_SIZE, 8);

export const NO_LIMIT: u64 = 0xffffffffffffffff;

function recCrc(p: usize): u32 {
  return crc32c(p + 4, R_CRC - 4);
}

function readCopy(sector: u32, buf: usize): bool {
  if (board_flash_read(FLASH_POLICY_OFF + sector * FLASH_SECTOR, buf, <i32>POLICY_REC_SIZE) != FLASH_OK) return false;
  if (get32(buf) != POLICY_MAGIC) return false;
  const format = get32(buf + R_FORMAT);
  if (format == REC_FORMAT_V0) {
    if (get32(buf + R_CRC_V0) != crc32c(buf + 4, R_CRC_V0 - 4)) return false;
    // A record written before issue 12: the BOLT 12 terms read as the
    // strictest (limits 0, empty allowlist); the bytes past the old CRC are
    // whatever the sector held and are not read.
    store<u64>(buf + R_PAYEE_DAILY, 0);
    store<u64>(buf + R_PERIOD_CAP, 0);
    for (let i: usize = R_ALLOW_COUNT; i < R_CRC; i++) store<u8>(buf + i, 0);
    put32(buf + R_FORMAT, REC_FORMAT_V1);
    put32(buf + R_CRC, recCrc(buf));
  } else {
    if (format != REC_FORMAT_V1) return false;
    if (get32(buf + R_CRC) != recCrc(buf)) return false;
  }
  // A record the firmware would not write is not trusted either.
  return get32(buf + R_USED) <= <u32>POLICY_LOG_CAP && get32(buf + R_ALLOW_COUNT) <= <u32>ALLOWLIST_CAP;
}

function copyBytes(dst: usize, src: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}

/** The seq of the copy checkCopy last found valid. */
let checkedSeq: u32 = 0;

/**
 * True when the copy in `sector` is valid (magic, a known format, its CRC,
 * counts within capacity), checked in flash through CHUNK; its seq in
 * checkedSeq. The same checks as readCopy, which loads a copy into RAM.
 */
function checkCopy(sector: u32): bool {
  const base = FLASH_POLICY_OFF + sector * FLASH_SECTOR;
  if (board_flash_read(base, CHUNK, <i32>R_LOG) != FLASH_OK) return false;
  if (get32(CHUNK) != POLICY_MAGIC || get32(CHUNK + R_USED) > <u32>POLICY_LOG_CAP) return false;
  checkedSeq = get32(CHUNK + R_SEQ);
  const format = get32(CHUNK + R_FORMAT);
  if (format != REC_FORMAT_V0 && format != REC_FORMAT_V1) return false;
  const end = format == REC_FORMAT_V0 ? R_CRC_V0 : R_CRC;
  let c: i32 = CRC32C_INIT;
  for (let off: usize = 4; off < end; off += CHUNK_SIZE) {
    const n = end - off < CHUNK_SIZE ? end - off : CHUNK_SIZE;
    if (board_flash_read(base + <u32>off, CHUNK, <i32>n) != FLASH_OK) return false;
    for (let i: usize = 0; i < n; i++) c = crc32cByte(c, <i32>load<u8>(CHUNK + i));
  }
  if (board_flash_read(base + <u32>end, CHUNK, 4) != FLASH_OK) return false;
  if (get32(CHUNK) != <u32>crc32cFinish(c)) return false;
  if (format == REC_FORMAT_V0) return true;
  if (board_flash_read(base + <u32>R_ALLOW_COUNT, CHUNK, 4) != FLASH_OK) return false;
  return get32(CHUNK) <= <u32>ALLOWLIST_CAP;
}

function loadDefault(): void {
  for (let i: usize = 0; i < POLICY_REC_SIZE; i++) store<u8>(PREC + i, 0);
  for (let i: usize = 0; i < R_LIMITS_HEAD; i++) store<u8>(PREC + R_LIMITS + i, 0xff);
  store<u64>(PREC + R_CONFIRM_ABOVE, NO_LIMIT);
  put32(PREC + R_FORMAT, REC_FORMAT_V1);
  store<u64>(PREC + R_PAYEE_DAILY, NO_LIMIT);
  store<u64>(PREC + R_PERIOD_CAP, NO_LIMIT);
}

/** Loads the newest valid record into PREC, or the default (no limits, empty log, seq 0). */
export function policyLoad(): void {
  const a = checkCopy(0);
  const seqA = checkedSeq;
  const b = checkCopy(1);
  const seqB = checkedSeq;
  // Sequence numbers compared modulo 2^32; the newer valid copy first.
  let first: i32 = -1, second: i32 = -1;
  if (a && b) {
    if (<i32>(seqB - seqA) > 0) { first = 1; second = 0; } else { first = 0; second = 1; }
  } else if (a) first = 0;
  else if (b) first = 1;
  if (first >= 0 && readCopy(<u32>first, PREC)) return;
  if (second >= 0 && readCopy(<u32>second, PREC)) return;
  loadDefault();
}

/** Writes PREC as the next record (seq + 1). Returns FLASH_OK, a FLASH_ERR_* or POLICY_ERR_VERIFY;
 *  on failure the previous record stays the valid one. */
export function policyCommit(): i32 {
  const seq = get32(PREC + R_SEQ) + 1;
  put32(PREC + R_SEQ, seq);
  put32(PREC, 0xffffffff);
  put32(PREC + R_FORMAT, REC_FORMAT_V1);
  put32(PREC + R_CRC, recCrc(PREC));
  const off = FLASH_POLICY_OFF + (seq & 1) * FLASH_SECTOR;
  let r = board_flash_erase(off, FLASH_SECTOR);
  if (r != FLASH_OK) return r;
  r = board_flash_write(off + 4, PREC + 4, <i32>POLICY_REC_SIZE - 4);
  if (r != FLASH_OK) return r;
  let diff: u32 = 0;
  for (let o: usize = 4; o < POLICY_REC_SIZE; o += CHUNK_SIZE) {
    const n = POLICY_REC_SIZE - o < CHUNK_SIZE ? POLICY_REC_SIZE - o : CHUNK_SIZE;
    r = board_flash_read(off + <u32>o, CHUNK, <i32>n);
    if (r != FLASH_OK) return r;
    for (let i: usize = 0; i < n; i++) diff |= <u32>(load<u8>(CHUNK + i) ^ load<u8>(PREC + o + i));
  }
  if (diff != 0) return POLICY_ERR_VERIFY;
  put32(PREC, POLICY_MAGIC);
  r = board_flash_write(off, PREC, 4);
  if (r != FLASH_OK) return r;
  if (!checkCopy(seq & 1)) return POLICY_ERR_VERIFY;
  return FLASH_OK;
}

// ---- Accessors ---------------------------------------------------------------

export function limitMaxAmount(): u64 { return load<u64>(PREC + R_LIMITS + POLICY_OFF_MAX_AMOUNT); }
export function limitMaxFee(): u64 { return load<u64>(PREC + R_LIMITS + POLICY_OFF_MAX_FEE); }
export function limitMaxFeePpm(): u32 { return load<u32>(PREC + R_LIMITS + POLICY_OFF_MAX_FEE_PPM); }
export function limitDaily(): u64 { return load<u64>(PREC + R_LIMITS + POLICY_OFF_DAILY); }
export function limitConfirmAbove(): u64 { return load<u64>(PREC + R_CONFIRM_ABOVE); }
export function limitPayeeDaily(): u64 { return load<u64>(PREC + R_PAYEE_DAILY); }
export function limitPeriodCap(): u64 { return load<u64>(PREC + R_PERIOD_CAP); }
export function setLimitPayeeDaily(v: u64): void { store<u64>(PREC + R_PAYEE_DAILY, v); }
export function setLimitPeriodCap(v: u64): void { store<u64>(PREC + R_PERIOD_CAP, v); }
export function policySeq(): u32 { return get32(PREC + R_SEQ); }
/** The persisted clock floor: the latest window time the record was written at. */
export function clockFloor(): u32 { return get32(PREC + R_FLOOR); }
export function setClockFloor(t: u32): void { put32(PREC + R_FLOOR, t); }
export function logUsed(): u32 { return get32(PREC + R_USED); }
export function entryAt(i: u32): usize { return PREC + R_LOG + <usize>i * ENTRY_SIZE; }

/** Copies the limits block (POLICY_LIMITS_SIZE bytes, wire layout) from `src` into PREC. */
export function setLimits(src: usize): void {
  copyBytes(PREC + R_LIMITS, src, R_LIMITS_HEAD);
  copyBytes(PREC + R_CONFIRM_ABOVE, src + <usize>POLICY_OFF_CONFIRM_ABOVE, 8);
}

/** Writes the limits block (wire layout) at `dst`. */
export function getLimits(dst: usize): void {
  copyBytes(dst, PREC + R_LIMITS, R_LIMITS_HEAD);
  copyBytes(dst + <usize>POLICY_OFF_CONFIRM_ABOVE, PREC + R_CONFIRM_ABOVE, 8);
}

/** True when an entry written at `t` still counts at `now`: younger than the
 *  window, or stamped in the future (the clock went back: kept, never forgotten). */
export function entryLive(t: u32, now: u32): bool {
  return t > now || now - t < <u32>POLICY_WINDOW_SECONDS;
}

/** Drops the entries that left the window (order kept). */
export function logExpire(now: u32): void {
  const n = logUsed();
  let w: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const e = entryAt(i);
    if (entryLive(get32(e + E_TIME), now)) {
      if (w != i) copyBytes(entryAt(w), e, ENTRY_SIZE);
      w++;
    }
  }
  for (let i: u32 = w; i < n; i++) for (let j: usize = 0; j < ENTRY_SIZE; j++) store<u8>(entryAt(i) + j, 0);
  put32(PREC + R_USED, w);
}

/** Removes the oldest entry (log full and no limit reads the log). */
export function logDropOldest(): void {
  const n = logUsed();
  if (n == 0) return;
  for (let i: u32 = 1; i < n; i++) copyBytes(entryAt(i - 1), entryAt(i), ENTRY_SIZE);
  for (let j: usize = 0; j < ENTRY_SIZE; j++) store<u8>(entryAt(n - 1) + j, 0);
  put32(PREC + R_USED, n - 1);
}

/** Appends an entry (caller checked there is room). `tag`: the payee tag
 *  (device/policy/bolt12-terms.ts payeeTag), 0 for a part with no known payee. */
export function logAppend(now: u32, amount: u64, key16: usize, hash: usize, tag: u32 = 0): void {
  const n = logUsed();
  if (n >= <u32>POLICY_LOG_CAP) return; // never past the log (callers check first)
  const e = entryAt(n);
  put32(e + E_TIME, now);
  put32(e + E_TAG, tag);
  store<u64>(e + E_AMOUNT, amount);
  copyBytes(e + E_KEY, key16, 16);
  copyBytes(e + E_HASH, hash, 8);
  put32(PREC + R_USED, n + 1);
}

/** Removes the entry whose part key is the first 16 bytes at `partKey` (a
 *  part that failed: its amount leaves the window). Order kept. True when one
 *  was removed; the caller commits. */
export function logRemove(partKey: usize): bool {
  const n = logUsed();
  for (let i: u32 = 0; i < n; i++) {
    const e = entryAt(i) + E_KEY;
    let d: u32 = 0;
    for (let j: usize = 0; j < 16; j++) d |= <u32>(load<u8>(e + j) ^ load<u8>(partKey + j));
    if (d != 0) continue;
    for (let k: u32 = i + 1; k < n; k++) copyBytes(entryAt(k - 1), entryAt(k), ENTRY_SIZE);
    for (let j: usize = 0; j < ENTRY_SIZE; j++) store<u8>(entryAt(n - 1) + j, 0);
    put32(PREC + R_USED, n - 1);
    return true;
  }
  return false;
}

// ---- Allowlist of offer ids (issue 12) -------------------------------------------

export function allowCount(): u32 { return get32(PREC + R_ALLOW_COUNT); }
export function allowAt(i: u32): usize { return PREC + R_ALLOW + <usize>i * <usize>OFFER_ID_SIZE; }

/** Index of the offer id at `id` (32 bytes) in the allowlist, or -1. */
export function allowFind(id: usize): i32 {
  const n = allowCount();
  for (let i: u32 = 0; i < n; i++) {
    const a = allowAt(i);
    let d: u32 = 0;
    for (let j: usize = 0; j < <usize>OFFER_ID_SIZE; j++) d |= <u32>(load<u8>(a + j) ^ load<u8>(id + j));
    if (d == 0) return <i32>i;
  }
  return -1;
}

/** Adds an id (not present, count < ALLOWLIST_CAP: checked by the caller; false otherwise). */
export function allowAdd(id: usize): bool {
  const n = allowCount();
  if (n >= <u32>ALLOWLIST_CAP || allowFind(id) >= 0) return false;
  copyBytes(allowAt(n), id, OFFER_ID_SIZE);
  put32(PREC + R_ALLOW_COUNT, n + 1);
  return true;
}

/** Removes an id; false when it is not on the list. Order kept. */
export function allowRemove(id: usize): bool {
  const f = allowFind(id);
  if (f < 0) return false;
  const n = allowCount();
  for (let i: u32 = <u32>f + 1; i < n; i++) copyBytes(allowAt(i - 1), allowAt(i), OFFER_ID_SIZE);
  for (let j: usize = 0; j < <usize>OFFER_ID_SIZE; j++) store<u8>(allowAt(n - 1) + j, 0);
  put32(PREC + R_ALLOW_COUNT, n - 1);
  return true;
}

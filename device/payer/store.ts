// The pay log (issue 12, docs/firmware/payer.md "Pay log"): the BOLT 12
// invoices, parts and recurrence periods the device has built onions for, in
// the "paylog" flash partition (FLASH_PAYLOG_*, two sectors). It is what makes
// "once per invoice", "once per recurrence period" and "one invoice per
// one-off invoice_request" hold across a power cycle.
//
// Record (one per sector, PAYLOG_REC_SIZE bytes):
//    0 magic u32le "PAYL" | 4 seq u32le | 8 invoices used u8 | 9 parts used u8 |
//   10 periods used u8 | 11 format u8 (PAYLOG_FORMAT_*) | 12 reserved[4]
//   16 invoices: INV_CAP × 32: root prefix[16] | amount msat u64le |
//      expiry u32le (created_at + relative expiry) | flags u32le
//   16 + 24·32 = 784 parts: PART_CAP × 48: part ref[16] | invoice index u8 |
//      hop count u8 | reserved[6] | delivered amount msat u64le |
//      part key tail[16] (bytes 16..31 of the part key; the ref is bytes 0..15)
//   784 + 32·48 = 2320 periods: PERIOD_CAP × 32: period key[16] | invoice root prefix[16]
//   2320 + 48·32 = 3856 requests: INV_CAP × 8: invreq root prefix[8] of invoice i
//      (meaningful when invoice i's flags have INV_FLAG_REQUEST)
//   3856 + 24·8 = 4048: CRC-32C u32le of bytes 4..4047           (4052 bytes)
//
// Format 0 (the first pay log firmware) had no requests table: its CRC sat
// at 3856 (of bytes 4..3855) and byte 11 was a reserved zero. Such a copy is
// still valid: plLoad reads it as format 1 with an empty requests table (no
// invoice holds its request: those invoices keep once per invoice and per
// period, and leave as before), and the next commit writes format 1. Any
// other format byte makes a copy invalid.
//
// A part in the log is live (its HTLC may be in flight or paid); pay_failed
// removes it. Atomic update as device/policy/store.ts: the new record goes to
// the sector not holding the current one (seq + 1 selects sector seq & 1),
// everything but the magic first, read back and compared, the magic last; the
// valid copy (magic, known format and CRC) with the higher seq wins, so a
// power cut leaves the old record or the new one (a format-0 copy left in the
// other sector has a lower seq than the first format-1 one).
//
// RAM: the firmware has no 4 KiB to spare (test/firmware-memory.test.ts), so
// the record lives, for the request that uses it, in the upper part of the
// reply buffer (txPayload() + PAYLOG_RAM_OFF, up to 2560 + 4052 = 6612; the
// read-back chunk at 6656..7680): pay_invoice's reply is
// ONION_PACKET_SIZE + 16 bytes (its scratch for the shared secrets ends at
// 1366 + 16 + 27·32 = 2246), pay_failed's secrets scratch ends at 27·32 and
// its reply (3 + failure message) is written after its last commit, all
// below PAYLOG_RAM_OFF while the record is in use. plLoad() reads it at the start of every request that needs
// it; nothing else keeps it.
import { FLASH_OK, FLASH_PAYLOG_OFF, FLASH_SECTOR } from "../../shared/board";
import { FRAME_MAX_PAYLOAD } from "../../shared/protocol";
import { CRC32C_INIT, crc32cByte, crc32cFinish } from "../../shared/crc32c";
import { board_flash_erase, board_flash_read, board_flash_write } from "../proto/board";
import { copyBytes, fillBytes, get32, put32 } from "../proto/bytes";
import { txPayload } from "../proto/tx";

export const PAYLOG_MAGIC: u32 = 0x4c594150; // "PAYL"
export const INV_CAP: u32 = 24;
export const PART_CAP: u32 = 32;
export const PERIOD_CAP: u32 = 48;

const R_SEQ: usize = 4;
const R_INVS: usize = 8;
const R_PARTS: usize = 9;
const R_PERIODS: usize = 10;
const R_FORMAT: usize = 11;
const R_INV: usize = 16;
const INV_SIZE: usize = 32;
const R_PART: usize = R_INV + <usize>INV_CAP * INV_SIZE;
const PART_SIZE: usize = 48;
const R_PERIOD: usize = R_PART + <usize>PART_CAP * PART_SIZE;
const PERIOD_SIZE: usize = 32;
/** Where a format-0 record ended: its CRC's offset (and where the requests table starts). */
const R_CRC_V0: usize = R_PERIOD + <usize>PERIOD_CAP * PERIOD_SIZE;
const R_REQ: usize = R_CRC_V0;
/** Bytes of the invreq root kept per invoice (see reqFind: a prefix can only add refusals). */
const REQ_SIZE: usize = 8;
const R_CRC: usize = R_REQ + <usize>INV_CAP * REQ_SIZE;
export const PAYLOG_REC_SIZE: usize = R_CRC + 4;
/** Record formats (byte R_FORMAT). */
const PAYLOG_FORMAT_V0: u32 = 0;
const PAYLOG_FORMAT_V1: u32 = 1;

/** Invoice entry flags: the invoice holds a recurrence period; the invoice
 *  holds its (one-off, offer) invoice_request (reqFind). */
export const INV_FLAG_RECURRING: u32 = 1;
export const INV_FLAG_REQUEST: u32 = 2;

// Invoice entry fields.
export const I_ROOT: usize = 0;
export const I_AMOUNT: usize = 16;
export const I_EXPIRY: usize = 24;
export const I_FLAGS: usize = 28;
// Part entry fields.
export const P_REF: usize = 0;
export const P_INV: usize = 16;
export const P_HOPS: usize = 17;
export const P_AMOUNT: usize = 24;
export const P_KEY_TAIL: usize = 32;
// Period entry fields.
export const Q_KEY: usize = 0;
export const Q_ROOT: usize = 16;

/** Where the record sits in RAM (see above) and the read-back chunk buffer. */
const PAYLOG_RAM_OFF: usize = 2560;
const CHUNK_OFF: usize = 6656;
const CHUNK: usize = 1024;
// The reply of a pay request must end below the record, and both must fit the reply buffer.
// (ONION_PACKET_SIZE + 16 + 27·32 = 2246 < 2560; 2560 + 4052 < 6656; 6656 + 1024 ≤ 8448.)
assert(PAYLOG_RAM_OFF + PAYLOG_REC_SIZE <= CHUNK_OFF && CHUNK_OFF + CHUNK <= <usize>FRAME_MAX_PAYLOAD);
assert(PAYLOG_REC_SIZE <= <usize>FLASH_SECTOR);

/** Codes beyond the board's FLASH_ERR_* (ERR_FLASH detail). */
export const PAYLOG_ERR_VERIFY: i32 = 0x101;

/** Seconds an expired invoice is kept before its entry may be reused (24 h). */
export const PAYLOG_KEEP_SECONDS: u32 = 86400;

@inline function rec(): usize { return txPayload() + PAYLOG_RAM_OFF; }
@inline function chunk(): usize { return txPayload() + CHUNK_OFF; }

let copySeq: u32 = 0;
let copyFormat: u32 = 0;

/** The offset of a record's CRC in `format` (its size is that + 4). */
@inline function crcOffset(format: u32): usize { return format == PAYLOG_FORMAT_V0 ? R_CRC_V0 : R_CRC; }

/** True when the copy in `sector` has its magic, a known format, a matching CRC
 *  and sane counts (copySeq = its seq, copyFormat = its format). */
function validCopy(sector: u32): bool {
  const base = FLASH_PAYLOG_OFF + sector * FLASH_SECTOR;
  const c = chunk();
  let crc: i32 = CRC32C_INIT;
  let hdrOk = false;
  let stored: u32 = 0;
  // The first chunk holds the header: the format, and with it the size.
  let crcAt: usize = R_CRC;
  let size: usize = PAYLOG_REC_SIZE;
  for (let at: usize = 0; at < size; at += CHUNK) {
    const n = size - at < CHUNK ? size - at : CHUNK;
    if (board_flash_read(base + <u32>at, c, <i32>n) != FLASH_OK) return false;
    if (at == 0) {
      if (get32(c) != PAYLOG_MAGIC) return false;
      copySeq = get32(c + R_SEQ);
      copyFormat = <u32>load<u8>(c + R_FORMAT);
      if (copyFormat != PAYLOG_FORMAT_V0 && copyFormat != PAYLOG_FORMAT_V1) return false;
      crcAt = crcOffset(copyFormat);
      size = crcAt + 4;
      // A record the firmware would not write is not trusted either.
      hdrOk = <u32>load<u8>(c + R_INVS) <= INV_CAP && <u32>load<u8>(c + R_PARTS) <= PART_CAP
        && <u32>load<u8>(c + R_PERIODS) <= PERIOD_CAP;
    }
    for (let i: usize = 0; i < n; i++) {
      const off = at + i;
      if (off < 4) continue;
      if (off >= crcAt) {
        stored |= <u32>load<u8>(c + i) << (<u32>(off - crcAt) << 3);
        continue;
      }
      crc = crc32cByte(crc, <i32>load<u8>(c + i));
    }
  }
  return hdrOk && stored == <u32>crc32cFinish(crc);
}

/** Loads the newest valid record into RAM (a format-0 one read as format 1
 *  with an empty requests table), or the empty log (seq 0). */
export function plLoad(): void {
  const a = validCopy(0);
  const seqA = copySeq;
  const fmtA = copyFormat;
  const b = validCopy(1);
  const seqB = copySeq;
  const fmtB = copyFormat;
  let sector: i32 = -1;
  // Sequence numbers compared modulo 2^32.
  if (a && b) sector = <i32>(seqB - seqA) > 0 ? 1 : 0;
  else if (a) sector = 0;
  else if (b) sector = 1;
  const r = rec();
  if (sector < 0 || board_flash_read(FLASH_PAYLOG_OFF + <u32>sector * FLASH_SECTOR, r, <i32>PAYLOG_REC_SIZE) != FLASH_OK) {
    fillBytes(r, 0, PAYLOG_REC_SIZE);
  } else if ((sector == 0 ? fmtA : fmtB) == PAYLOG_FORMAT_V0) {
    // Format 0: its CRC and the erased bytes after it become an empty requests table.
    fillBytes(r + R_REQ, 0, PAYLOG_REC_SIZE - R_REQ);
  }
  store<u8>(r + R_FORMAT, <u8>PAYLOG_FORMAT_V1);
}

function recCrc(r: usize): u32 {
  let c: i32 = CRC32C_INIT;
  for (let i: usize = 4; i < R_CRC; i++) c = crc32cByte(c, <i32>load<u8>(r + i));
  return <u32>crc32cFinish(c);
}

/** Writes the RAM record as the next one (seq + 1). FLASH_OK, a FLASH_ERR_* or
 *  PAYLOG_ERR_VERIFY; on failure the previous record stays the valid one. */
export function plCommit(): i32 {
  const r = rec();
  const seq = get32(r + R_SEQ) + 1;
  put32(r + R_SEQ, seq);
  store<u8>(r + R_FORMAT, <u8>PAYLOG_FORMAT_V1);
  put32(r, 0xffffffff);
  put32(r + R_CRC, recCrc(r));
  const off = FLASH_PAYLOG_OFF + (seq & 1) * FLASH_SECTOR;
  let e = board_flash_erase(off, FLASH_SECTOR);
  if (e != FLASH_OK) return e;
  e = board_flash_write(off + 4, r + 4, <i32>PAYLOG_REC_SIZE - 4);
  if (e != FLASH_OK) return e;
  // Read back in chunks and compare (no room for a second copy in RAM).
  const c = chunk();
  let diff: u32 = 0;
  for (let at: usize = 4; at < PAYLOG_REC_SIZE; at += CHUNK) {
    const n = PAYLOG_REC_SIZE - at < CHUNK ? PAYLOG_REC_SIZE - at : CHUNK;
    e = board_flash_read(off + <u32>at, c, <i32>n);
    if (e != FLASH_OK) return e;
    for (let i: usize = 0; i < n; i++) diff |= <u32>(load<u8>(c + i) ^ load<u8>(r + at + i));
  }
  if (diff != 0) return PAYLOG_ERR_VERIFY;
  put32(r, PAYLOG_MAGIC);
  e = board_flash_write(off, r, 4);
  if (e != FLASH_OK) return e;
  if (!validCopy(seq & 1)) return PAYLOG_ERR_VERIFY;
  return FLASH_OK;
}

// ---- Entries --------------------------------------------------------------------------

export function invUsed(): u32 { return <u32>load<u8>(rec() + R_INVS); }
export function partUsed(): u32 { return <u32>load<u8>(rec() + R_PARTS); }
export function periodUsed(): u32 { return <u32>load<u8>(rec() + R_PERIODS); }
export function invAt(i: u32): usize { return rec() + R_INV + <usize>i * INV_SIZE; }
export function partAt(i: u32): usize { return rec() + R_PART + <usize>i * PART_SIZE; }
export function periodAt(i: u32): usize { return rec() + R_PERIOD + <usize>i * PERIOD_SIZE; }
/** The invreq root prefix of invoice i. */
function reqAt(i: u32): usize { return rec() + R_REQ + <usize>i * REQ_SIZE; }

/** Public identifiers: variable-time comparison is fine. */
function same16(a: usize, b: usize): bool {
  for (let i: usize = 0; i < 16; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** Index of the invoice whose root starts with the 16 bytes at root, or -1. */
export function invFind(root: usize): i32 {
  const n = invUsed();
  for (let i: u32 = 0; i < n; i++) if (same16(invAt(i) + I_ROOT, root)) return <i32>i;
  return -1;
}

/**
 * Index of the invoice that holds the invoice_request whose merkle root is at
 * `req` (flags INV_FLAG_REQUEST and the same root prefix), or -1. Only
 * REQ_SIZE bytes are kept: the same request always has the same prefix, so
 * the shortening can only refuse more (two requests the device signed whose
 * roots share 8 bytes), never let a second invoice through.
 */
export function reqFind(req: usize): i32 {
  const n = invUsed();
  for (let i: u32 = 0; i < n; i++) {
    if ((get32(invAt(i) + I_FLAGS) & INV_FLAG_REQUEST) == 0) continue;
    let same = true;
    for (let k: usize = 0; k < REQ_SIZE; k++) if (load<u8>(reqAt(i) + k) != load<u8>(req + k)) { same = false; break; }
    if (same) return <i32>i;
  }
  return -1;
}

/** Index of the part with this ref, or -1. */
export function partFind(ref: usize): i32 {
  const n = partUsed();
  for (let i: u32 = 0; i < n; i++) if (same16(partAt(i) + P_REF, ref)) return <i32>i;
  return -1;
}

/** Index of the period with this key, or -1. */
export function periodFind(key: usize): i32 {
  const n = periodUsed();
  for (let i: u32 = 0; i < n; i++) if (same16(periodAt(i) + Q_KEY, key)) return <i32>i;
  return -1;
}

/** Sum of the delivered amounts of the live parts of invoice `inv`. */
export function invLive(inv: u32): u64 {
  let s: u64 = 0;
  const n = partUsed();
  for (let i: u32 = 0; i < n; i++) {
    const p = partAt(i);
    if (<u32>load<u8>(p + P_INV) == inv) {
      const a = load<u64>(p + P_AMOUNT);
      s = s + a < s ? <u64>0xffffffffffffffff : s + a;
    }
  }
  return s;
}

/** Removes part i (order kept). */
export function partRemove(i: u32): void {
  const n = partUsed();
  if (i >= n) return;
  for (let j: u32 = i + 1; j < n; j++) copyBytes(partAt(j - 1), partAt(j), PART_SIZE);
  fillBytes(partAt(n - 1), 0, PART_SIZE);
  store<u8>(rec() + R_PARTS, <u8>(n - 1));
}

/** Removes invoice i and its parts; later invoices move down one index. */
function invRemove(i: u32): void {
  let k: u32 = 0;
  while (k < partUsed()) {
    const inv = <u32>load<u8>(partAt(k) + P_INV);
    if (inv == i) { partRemove(k); continue; }
    if (inv > i) store<u8>(partAt(k) + P_INV, <u8>(inv - 1));
    k++;
  }
  const n = invUsed();
  for (let j: u32 = i + 1; j < n; j++) {
    copyBytes(invAt(j - 1), invAt(j), INV_SIZE);
    copyBytes(reqAt(j - 1), reqAt(j), REQ_SIZE);
  }
  fillBytes(invAt(n - 1), 0, INV_SIZE);
  fillBytes(reqAt(n - 1), 0, REQ_SIZE);
  store<u8>(rec() + R_INVS, <u8>(n - 1));
}

/**
 * Design "Pay log" drop policy: an invoice more than 24 h past its expiry may
 * go, with its parts (rule 6 refuses it by then anyway: it can never be paid
 * again). `now` is the window's time (never goes back), `keep` an invoice
 * index that must stay (-1: none). Periods are never dropped.
 */
export function plDropExpired(now: u32, keep: i32): void {
  let i: u32 = 0;
  while (i < invUsed()) {
    const e = get32(invAt(i) + I_EXPIRY);
    const old = e <= 0xffffffff - PAYLOG_KEEP_SECONDS && now > e + PAYLOG_KEEP_SECONDS;
    if (old && <i32>i != keep) {
      invRemove(i);
      if (keep > <i32>i) keep--;
      continue;
    }
    i++;
  }
}

/** Appends an invoice (`req`: its invreq merkle root, kept as a prefix,
 *  counted by reqFind when flags has INV_FLAG_REQUEST); its index, or -1 when full. */
export function invAdd(root: usize, amount: u64, expiry: u32, flags: u32, req: usize): i32 {
  const n = invUsed();
  if (n >= INV_CAP) return -1;
  const e = invAt(n);
  copyBytes(e + I_ROOT, root, 16);
  store<u64>(e + I_AMOUNT, amount);
  put32(e + I_EXPIRY, expiry);
  put32(e + I_FLAGS, flags);
  copyBytes(reqAt(n), req, REQ_SIZE);
  store<u8>(rec() + R_INVS, <u8>(n + 1));
  return <i32>n;
}

/** Appends a live part; false when full. */
export function partAdd(key: usize, inv: u32, hops: u32, amount: u64): bool {
  const n = partUsed();
  if (n >= PART_CAP) return false;
  const p = partAt(n);
  fillBytes(p, 0, PART_SIZE);
  copyBytes(p + P_REF, key, 16);
  store<u8>(p + P_INV, <u8>inv);
  store<u8>(p + P_HOPS, <u8>hops);
  store<u64>(p + P_AMOUNT, amount);
  copyBytes(p + P_KEY_TAIL, key + 16, 16);
  store<u8>(rec() + R_PARTS, <u8>(n + 1));
  return true;
}

/** Appends a period; false when full. */
export function periodAdd(key: usize, root: usize): bool {
  const n = periodUsed();
  if (n >= PERIOD_CAP) return false;
  const q = periodAt(n);
  copyBytes(q + Q_KEY, key, 16);
  copyBytes(q + Q_ROOT, root, 16);
  store<u8>(rec() + R_PERIODS, <u8>(n + 1));
  return true;
}

export function periodSameRoot(i: u32, root: usize): bool { return same16(periodAt(i) + Q_ROOT, root); }

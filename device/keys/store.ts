// The provisioning record in flash (layout PROV_* in shared/board.ts): the
// public header get_info reads (magic, network, flags, node id) and the
// secret part — the node private key and makesecret("node-alias-base"), all
// the device needs for BOLT 12 signing and ECDH. secret_data itself is never
// stored.
//
// Atomicity (NOR flash: erase sets 0xFF, writes only clear bits):
//   write   only when the partition could be read and holds no valid record
//           (storeProbe); erase it and read it all back blank; program bytes
//           4..131 (magic still 0xFFFFFFFF); read them back and compare;
//           program the magic last.
//   wipe    program the magic to 0 (always possible on NOR: only clears bits),
//           then program every record byte to 0, then erase the partition.
// A record counts only with the magic and a matching CRC-32C, so a power cut
// at any point leaves either the old state or the new one: before the magic
// is programmed the device is unprovisioned, after it the record is complete;
// once wipe has cleared the magic it is unprovisioned, and the zeroing and
// erase that follow only remove the secret bits.
//
// RAM: the record is read into REC for one request and wiped by storeWipeRam()
// before the request returns; nothing secret stays in RAM between requests.
import {
  FLASH_OK, FLASH_SECRET_OFF, FLASH_SECRET_SIZE, PROV_MAGIC, PROV_OFF_CRC, PROV_OFF_NETWORK,
  PROV_OFF_FLAGS, PROV_RECORD_SIZE,
} from "../../shared/board";
import { board_flash_erase, board_flash_read, board_flash_write } from "../proto/board";
import { crc32c, get32, put32 } from "../proto/bytes";

/** Codes in the detail word of ERR_FLASH beyond the board's FLASH_ERR_* (1..4). */
export const STORE_ERR_VERIFY: i32 = 0x100; // read-back differs from what was written
export const STORE_ERR_NOT_BLANK: i32 = 0x101; // the partition is not all 0xFF after its erase
export const STORE_OK: i32 = 0;
/** storeProbe(): flash holds a committed, intact record. */
export const STORE_PROVISIONED: i32 = -1;

/** The record while a request uses it (PROV_RECORD_SIZE bytes, word aligned). */
export const REC: usize = memory.data(<i32>PROV_RECORD_SIZE, 8);
const CHECK: usize = memory.data(<i32>PROV_RECORD_SIZE, 8);
const ZERO4: usize = memory.data(4, 4);

function wipeBuf(p: usize, len: usize): void {
  for (let i: usize = 0; i < len; i++) store<u8>(p + i, 0);
}

function recordCrc(p: usize): u32 {
  return crc32c(p + 4, <usize>(PROV_OFF_CRC - 4));
}

/** Reads the record into `buf`; true when it is committed (magic) and intact (CRC). */
function readInto(buf: usize): bool {
  if (board_flash_read(FLASH_SECRET_OFF, buf, PROV_RECORD_SIZE) != FLASH_OK) return false;
  if (get32(buf) != PROV_MAGIC) return false;
  return recordCrc(buf) == get32(buf + PROV_OFF_CRC);
}

/** What provisioning may rely on: STORE_OK when the record area was read and
 *  holds no valid record, STORE_PROVISIONED when it holds one, or the board's
 *  FLASH_ERR_* when it could not be read — an unreadable partition is not an
 *  empty one (issue 9), and provisioning over it could destroy a secret that a
 *  later read would find. Leaves no secret in RAM. */
export function storeProbe(): i32 {
  const r = board_flash_read(FLASH_SECRET_OFF, CHECK, PROV_RECORD_SIZE);
  let st = r;
  if (r == FLASH_OK && get32(CHECK) == PROV_MAGIC && recordCrc(CHECK) == get32(CHECK + PROV_OFF_CRC)) {
    st = STORE_PROVISIONED;
  }
  wipeBuf(CHECK, PROV_RECORD_SIZE);
  return st;
}

/** Reads the whole secret partition back (PROV_RECORD_SIZE bytes at a time):
 *  STORE_OK when every byte is 0xFF, STORE_ERR_NOT_BLANK, or a read error. */
function checkBlank(): i32 {
  for (let at: u32 = 0; at < <u32>FLASH_SECRET_SIZE; at += <u32>PROV_RECORD_SIZE) {
    const n: u32 = <u32>FLASH_SECRET_SIZE - at < <u32>PROV_RECORD_SIZE ? <u32>FLASH_SECRET_SIZE - at : <u32>PROV_RECORD_SIZE;
    const r = board_flash_read(FLASH_SECRET_OFF + at, CHECK, n);
    if (r != FLASH_OK) { wipeBuf(CHECK, PROV_RECORD_SIZE); return r; }
    let notFF: u32 = 0;
    for (let i: u32 = 0; i < n; i++) notFF |= <u32>load<u8>(CHECK + <usize>i) ^ 0xff;
    wipeBuf(CHECK, PROV_RECORD_SIZE);
    if (notFF != 0) return STORE_ERR_NOT_BLANK;
  }
  return STORE_OK;
}

/** True when flash holds a committed, intact record. Leaves no secret in RAM. */
export function storeIsProvisioned(): bool {
  const ok = readInto(CHECK);
  wipeBuf(CHECK, PROV_RECORD_SIZE);
  return ok;
}

/** Copies the record's first `len` bytes (the public header) to `out` when it
 *  is committed and intact; the secret part never leaves this module's buffer. */
export function storeReadPublic(out: usize, len: usize): bool {
  const ok = readInto(CHECK);
  if (ok) for (let i: usize = 0; i < len; i++) store<u8>(out + i, load<u8>(CHECK + i));
  wipeBuf(CHECK, PROV_RECORD_SIZE);
  return ok;
}

/** Loads the record into REC for this request; false (REC wiped) when there is none. */
export function storeLoad(): bool {
  if (readInto(REC)) return true;
  wipeBuf(REC, PROV_RECORD_SIZE);
  return false;
}

/** Wipes the RAM copy (every request that loaded or built REC calls it). */
export function storeWipeRam(): void {
  wipeBuf(REC, PROV_RECORD_SIZE);
  wipeBuf(CHECK, PROV_RECORD_SIZE);
}

/** Commits REC (header fields and secret part filled in by the caller; the
 *  magic and CRC are set here). Returns STORE_OK, a FLASH_ERR_* code or
 *  STORE_ERR_VERIFY; on failure the device is left unprovisioned. */
export function storeCommit(): i32 {
  put32(REC, 0xffffffff);
  put32(REC + PROV_OFF_CRC, recordCrc(REC));
  let r = board_flash_erase(FLASH_SECRET_OFF, FLASH_SECRET_SIZE);
  // Issue 9: write only into a partition verifiably blank — a damaged record
  // (magic without a matching CRC) or a failed erase must not be written
  // over. If it is not blank, scrub what is there (zero bits) and give up.
  if (r == FLASH_OK) r = checkBlank();
  if (r != FLASH_OK) { storeErase(); return r; }
  // Everything but the magic first.
  r = board_flash_write(FLASH_SECRET_OFF + 4, REC + 4, PROV_RECORD_SIZE - 4);
  if (r != FLASH_OK) { storeErase(); return r; }
  r = board_flash_read(FLASH_SECRET_OFF, CHECK, PROV_RECORD_SIZE);
  if (r != FLASH_OK) { storeErase(); return r; }
  let diff: u32 = 0;
  for (let i: usize = 4; i < <usize>PROV_RECORD_SIZE; i++) diff |= <u32>(load<u8>(CHECK + i) ^ load<u8>(REC + i));
  wipeBuf(CHECK, PROV_RECORD_SIZE);
  if (diff != 0) { storeErase(); return STORE_ERR_VERIFY; }
  // Commit point: the magic.
  put32(REC, PROV_MAGIC);
  r = board_flash_write(FLASH_SECRET_OFF, REC, 4);
  if (r != FLASH_OK) { storeErase(); return r; }
  if (!storeIsProvisioned()) { storeErase(); return STORE_ERR_VERIFY; }
  return STORE_OK;
}

/** Uncommits and scrubs the record (wipe, or a failed commit). Returns
 *  STORE_OK or the first flash error; the magic is cleared first, so the
 *  device is unprovisioned as soon as that one write succeeded. */
export function storeErase(): i32 {
  put32(ZERO4, 0);
  const first = board_flash_write(FLASH_SECRET_OFF, ZERO4, 4);
  // Zero every record byte (needs no erase), then erase: even if the erase
  // fails or power is cut, the secret bits are gone.
  wipeBuf(CHECK, PROV_RECORD_SIZE);
  const zero = board_flash_write(FLASH_SECRET_OFF, CHECK, PROV_RECORD_SIZE);
  const erase = board_flash_erase(FLASH_SECRET_OFF, FLASH_SECRET_SIZE);
  if (erase == FLASH_OK) return STORE_OK; // erased: whatever the writes said, nothing is left
  if (first != FLASH_OK) return first;
  return zero != FLASH_OK ? zero : erase;
}

/** Network and flags of the record in REC (after storeLoad). */
export function recNetwork(): u8 {
  return load<u8>(REC + PROV_OFF_NETWORK);
}

export function recFlags(): u8 {
  return load<u8>(REC + PROV_OFF_FLAGS);
}

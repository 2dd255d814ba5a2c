// The boot record (BOOTREC_* in shared/firmware-image.ts): which slot boots,
// whether it is on trial, and the anti-rollback minimum. Two copies, one per
// sector of the boot partition; the valid one (magic, CRC-32C) with the higher
// sequence number is current. An update writes the other sector (erase,
// program, read back), so power lost at any moment leaves the current record
// readable: NOR flash cannot rewrite a sector in place atomically, two copies can.
import {
  BOOTREC_CONFIRMED, BOOTREC_MAGIC, BOOTREC_OFF_ACTIVE, BOOTREC_OFF_ACTIVE_VERSION, BOOTREC_OFF_CRC,
  BOOTREC_OFF_FLAGS, BOOTREC_OFF_MIN_VERSION, BOOTREC_OFF_PREVIOUS, BOOTREC_OFF_PREVIOUS_VERSION,
  BOOTREC_OFF_REVERTED_VERSION, BOOTREC_OFF_SEQ, BOOTREC_OFF_STATE, BOOTREC_SIZE,
} from "../../shared/firmware-image";
import { FLASH_BOOT_OFF, FLASH_ERR_IO, FLASH_OK, FLASH_SECTOR } from "../../shared/board";
import { board_flash_erase, board_flash_read, board_flash_write } from "../proto/board";
import { copyBytes, crc32c, fillBytes, get32, put32 } from "../proto/bytes";
import { bytesEqual } from "../util";

/** The current record (valid after recLoad; all zero = nothing flashed). */
export const REC: usize = memory.data(BOOTREC_SIZE);
const COPY: usize = memory.data(BOOTREC_SIZE);
const BACK: usize = memory.data(BOOTREC_SIZE);
/** Which sector holds the current record: 0, 1, or -1 when neither is valid. */
let current: i32 = -1;

function copyValid(p: usize): bool {
  return get32(p) == BOOTREC_MAGIC && get32(p + BOOTREC_OFF_CRC) == crc32c(p, BOOTREC_OFF_CRC);
}

/** Reads both copies and makes the current one REC. Returns true when a valid
 *  record exists; otherwise REC is the empty record (built-in image, no floor). */
export function recLoad(): bool {
  current = -1;
  fillBytes(REC, 0, BOOTREC_SIZE);
  for (let i = 0; i < 2; i++) {
    if (board_flash_read(FLASH_BOOT_OFF + <u32>i * FLASH_SECTOR, COPY, BOOTREC_SIZE) != FLASH_OK) continue;
    if (!copyValid(COPY)) continue;
    // Sequence numbers compare modulo 2^32 (they never wrap in practice).
    if (current < 0 || <i32>(get32(COPY + BOOTREC_OFF_SEQ) - get32(REC + BOOTREC_OFF_SEQ)) > 0) {
      copyBytes(REC, COPY, BOOTREC_SIZE);
      current = i;
    }
  }
  return current >= 0;
}

export function recActive(): i32 { return <i32>load<u8>(REC + BOOTREC_OFF_ACTIVE); }
export function recState(): i32 { return <i32>load<u8>(REC + BOOTREC_OFF_STATE); }
export function recPrevious(): i32 { return <i32>load<u8>(REC + BOOTREC_OFF_PREVIOUS); }
export function recMinVersion(): u32 { return get32(REC + BOOTREC_OFF_MIN_VERSION); }
export function recActiveVersion(): u32 { return get32(REC + BOOTREC_OFF_ACTIVE_VERSION); }
export function recPreviousVersion(): u32 { return get32(REC + BOOTREC_OFF_PREVIOUS_VERSION); }
export function recFlags(): i32 { return <i32>load<u8>(REC + BOOTREC_OFF_FLAGS); }

/** Edits REC in RAM; recStore() makes it durable. */
export function recSet(active: i32, state: i32, previous: i32, activeVersion: u32, previousVersion: u32): void {
  store<u8>(REC + BOOTREC_OFF_ACTIVE, <u8>active);
  store<u8>(REC + BOOTREC_OFF_STATE, <u8>state);
  store<u8>(REC + BOOTREC_OFF_PREVIOUS, <u8>previous);
  put32(REC + BOOTREC_OFF_ACTIVE_VERSION, activeVersion);
  put32(REC + BOOTREC_OFF_PREVIOUS_VERSION, previousVersion);
}

export function recSetMinVersion(v: u32): void { put32(REC + BOOTREC_OFF_MIN_VERSION, v); }
export function recSetFlags(f: i32): void { store<u8>(REC + BOOTREC_OFF_FLAGS, <u8>f); }
export function recSetRevertedVersion(v: u32): void { put32(REC + BOOTREC_OFF_REVERTED_VERSION, v); }

/** The active slot's trial failed or was withdrawn: back to the previous slot,
 *  confirmed. */
export function recRevert(): void {
  recSet(recPrevious(), BOOTREC_CONFIRMED, 0, recPreviousVersion(), 0);
}

/** Writes REC (next sequence number) into the sector not holding the current
 *  record, and reads it back. Returns FLASH_OK or a FLASH_ERR_* code; on any
 *  failure the previous record is still the current one on flash. */
export function recStore(): i32 {
  const target = current == 0 ? 1 : 0;
  put32(REC, BOOTREC_MAGIC);
  put32(REC + BOOTREC_OFF_SEQ, current < 0 ? 1 : get32(REC + BOOTREC_OFF_SEQ) + 1);
  put32(REC + BOOTREC_OFF_CRC, crc32c(REC, BOOTREC_OFF_CRC));
  const off = FLASH_BOOT_OFF + <u32>target * FLASH_SECTOR;
  let r = board_flash_erase(off, FLASH_SECTOR);
  if (r != FLASH_OK) return r;
  r = board_flash_write(off, REC, BOOTREC_SIZE);
  if (r != FLASH_OK) return r;
  r = board_flash_read(off, BACK, BOOTREC_SIZE);
  if (r != FLASH_OK) return r;
  if (!bytesEqual(BACK, REC, BOOTREC_SIZE)) return FLASH_ERR_IO; // did not program as written
  current = target;
  return FLASH_OK;
}

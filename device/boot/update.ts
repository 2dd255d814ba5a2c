// Firmware update, the running image's half of the bootloader: receives a
// signed image into the inactive slot and, only after verifying what is in
// flash, points the boot record at it in trial state. Requests and payloads
// in shared/firmware-image.ts; handlers in device/proto/handlers/firmware-*.ts.
//
// Power may be lost at any moment: until fw_commit writes the boot record
// (one atomic record write, device/boot/record.ts) the record still selects
// the running image, and the inactive slot is never booted unless it verifies.
import {
  BOOTREC_TRIAL, BOOTREC_TRIAL_BOOTING, FWB_OFF_MAX_CHUNK,
  FWB_OFF_MIN, FWB_OFF_RUNNING, FWB_OFF_SLOT, FWB_SIZE, FWC_OFF_HASH, FWC_OFF_SLOT, FWC_OFF_VERSION, FWC_SIZE,
  FW_CHUNK_MAX, FW_CHUNK_OFF_DATA, FW_CHUNK_REPLY_SIZE, IMG_HDR_SIZE, IMG_OFF_HASH, IMG_OFF_VERSION,
  IMG_OFF_WASM_LEN,
} from "../../shared/firmware-image";
import { ERR_BAD_PAYLOAD, ERR_FLASH, ERR_FW_ROLLBACK, ERR_FW_STATE, HASH_SIZE } from "../../shared/protocol";
import { FLASH_ERR_IO, FLASH_OK, FLASH_SECTOR, SLOT_A, SLOT_B } from "../../shared/board";
import { board_flash_erase, board_flash_read, board_flash_write } from "../proto/board";
import { copyBytes, fillBytes, get32, put16, put32 } from "../proto/bytes";
import { setErrorDetail } from "../proto/dispatch";
import { bytesEqual } from "../util";
import {
  PIECE, PIECE_LEN, headerFormat, headerSignature, lastFlashError, lastSignatureDetail, slotBase, slotHashMatches, verifySlot,
} from "./image";
import {
  recActive, recLoad, recMinVersion, recRevert, recSet, recState, recStore,
} from "./record";
import { requestReset, runningSlot, runningVersion } from "./running";
import { MSG_FW_BEGIN } from "../../shared/protocol";
import { IMG_OFF_FLAGS } from "../../shared/firmware-image";
import { confirmGate } from "../confirm/gate";
import { textHex, textReset, textStr, textVersion } from "../confirm/text";

/** Header flags bit 0: signed with the development key (IMG_FLAG_DEV in
 *  shared/firmware-image.ts, docs/firmware-images.md). */
const HDR_FLAG_DEV: u8 = 1;

// Rule (issue 9): installing an image needs the user's press; the prompt shows
// its version, the start of its SHA-256 and "DEV" for a development image.
function confirmInstall(req: usize, len: i32, v: u32): i32 {
  textReset();
  textStr("Install firmware ");
  textVersion(v);
  textStr("?\n");
  // A development image (signed with the public development key) says so on a line of its own.
  if ((load<u8>(HDR + IMG_OFF_FLAGS) & HDR_FLAG_DEV) != 0) textStr("DEV image: key is public\n");
  textStr("SHA256 ");
  textHex(HDR + IMG_OFF_HASH, 8);
  textStr("...\n");
  return confirmGate(MSG_FW_BEGIN, req, <usize>len);
}

// The update in progress (RAM only: a reset forgets it, and the host starts over).
const HDR: usize = memory.data(IMG_HDR_SIZE, 8);
const CHECK: usize = memory.data(IMG_HDR_SIZE, 8);
let active = false;
let target: i32 = 0;
let wasmLen: u32 = 0;
/** Bytes of wasm received without a gap (chunks may repeat, never skip). */
let received: u32 = 0;

function flashError(r: i32): i32 {
  setErrorDetail(<u32>r);
  return -ERR_FLASH;
}

function fail(code: i32, detail: u32): i32 {
  setErrorDetail(detail);
  return -code;
}

/** The slot that is not running (slot A when the built-in image runs). */
function inactiveSlot(): i32 {
  return runningSlot() == SLOT_A ? SLOT_B : SLOT_A;
}

// A commit that has not been booted yet and points at `slot`: withdraw it
// (back to the running image) before that slot is erased or on abort.
function withdrawPending(slot: i32): i32 {
  recLoad();
  const st = recState();
  if ((st == BOOTREC_TRIAL || st == BOOTREC_TRIAL_BOOTING) && recActive() == slot) {
    recRevert();
    return recStore();
  }
  return FLASH_OK;
}

/** fw_begin: header[112]. Checks format, signature (a release build also
 *  refuses development images: ERR_FW_SIGNATURE, detail
 *  FW_SIG_DETAIL_DEV_IMAGE) and anti-rollback, then
 *  erases what the image needs of the inactive slot. */
export function fwBegin(req: usize, len: i32, out: usize): i32 {
  active = false;
  if (len < IMG_HDR_SIZE) return -ERR_BAD_PAYLOAD;
  copyBytes(HDR, req, IMG_HDR_SIZE);
  let e = headerFormat(HDR);
  if (e != 0) return -e;
  e = headerSignature(HDR);
  if (e != 0) return fail(e, lastSignatureDetail);
  const v = get32(HDR + IMG_OFF_VERSION);
  const running = runningVersion();
  if (v <= running) return fail(ERR_FW_ROLLBACK, running);
  recLoad();
  const min = recMinVersion();
  if (v < min) return fail(ERR_FW_ROLLBACK, min);
  const g = confirmInstall(req, len, v);
  if (g != 0) return g;
  target = inactiveSlot();
  let r = withdrawPending(target);
  if (r != FLASH_OK) return flashError(r);
  wasmLen = get32(HDR + IMG_OFF_WASM_LEN);
  const total = <u32>IMG_HDR_SIZE + wasmLen;
  const sectors = (total + <u32>FLASH_SECTOR - 1) / <u32>FLASH_SECTOR;
  r = board_flash_erase(slotBase(target), sectors * <u32>FLASH_SECTOR);
  if (r != FLASH_OK) return flashError(r);
  received = 0;
  active = true;
  fillBytes(out, 0, FWB_SIZE);
  store<u8>(out + FWB_OFF_SLOT, <u8>target);
  put16(out + FWB_OFF_MAX_CHUNK, FW_CHUNK_MAX);
  put32(out + FWB_OFF_RUNNING, running);
  put32(out + FWB_OFF_MIN, min);
  return FWB_SIZE;
}

/** fw_chunk: offset u32 | bytes. Idempotent: bytes already received are
 *  compared, not rewritten; a chunk may not leave a gap. Reply: received u32. */
export function fwChunk(req: usize, len: i32, out: usize): i32 {
  if (!active) return fail(ERR_FW_STATE, 0);
  if (len <= FW_CHUNK_OFF_DATA || len > FW_CHUNK_OFF_DATA + FW_CHUNK_MAX) return -ERR_BAD_PAYLOAD;
  const off = get32(req);
  const n = <u32>(len - FW_CHUNK_OFF_DATA);
  const data = req + FW_CHUNK_OFF_DATA;
  if (off > wasmLen || n > wasmLen - off) return fail(ERR_BAD_PAYLOAD, wasmLen);
  if (off > received) return fail(ERR_FW_STATE, received);
  const base = slotBase(target) + <u32>IMG_HDR_SIZE;
  // [off, received): already written, must match (a resent chunk).
  const seen = off + n < received ? n : received - off;
  for (let at: u32 = 0; at < seen; at += PIECE_LEN) {
    const k = seen - at < PIECE_LEN ? seen - at : PIECE_LEN;
    const r = board_flash_read(base + off + at, PIECE, k);
    if (r != FLASH_OK) return flashError(r);
    if (!bytesEqual(PIECE, data + at, k)) return fail(ERR_FW_STATE, off + at);
  }
  // [received, off + n): erased since fw_begin, program it.
  if (seen < n) {
    const r = board_flash_write(base + off + seen, data + seen, n - seen);
    if (r != FLASH_OK) return flashError(r);
    received = off + n;
  }
  put32(out, received);
  return FW_CHUNK_REPLY_SIZE;
}

/** fw_commit: re-reads the slot from flash and checks hash and signature; only
 *  then writes the header and a boot record selecting the slot on trial. */
export function fwCommit(req: usize, len: i32, out: usize): i32 {
  if (len != 0) return -ERR_BAD_PAYLOAD;
  if (!active) return fail(ERR_FW_STATE, 0);
  if (received != wasmLen) return fail(ERR_FW_STATE, received);
  let e = slotHashMatches(target, wasmLen, HDR + IMG_OFF_HASH);
  if (e == ERR_FLASH) return flashError(lastFlashError);
  if (e != 0) { active = false; return -e; }
  let r = board_flash_write(slotBase(target), HDR, IMG_HDR_SIZE);
  if (r != FLASH_OK) return flashError(r);
  // Full check of what a boot would load, read back from flash.
  e = verifySlot(target, CHECK);
  if (e == ERR_FLASH) return flashError(lastFlashError);
  active = false;
  if (e != 0) return -e;
  if (!bytesEqual(CHECK, HDR, IMG_HDR_SIZE)) return flashError(FLASH_ERR_IO);
  recLoad();
  const v = get32(HDR + IMG_OFF_VERSION);
  recSet(target, BOOTREC_TRIAL, runningSlot(), v, runningVersion());
  r = recStore();
  if (r != FLASH_OK) return flashError(r);
  fillBytes(out, 0, FWC_SIZE);
  store<u8>(out + FWC_OFF_SLOT, <u8>target);
  put32(out + FWC_OFF_VERSION, v);
  copyBytes(out + FWC_OFF_HASH, HDR + IMG_OFF_HASH, HASH_SIZE);
  return FWC_SIZE;
}

/** fw_abort: forgets an upload in progress and withdraws a commit that has not
 *  been booted yet. Idempotent. */
export function fwAbort(req: usize, len: i32, out: usize): i32 {
  if (len != 0) return -ERR_BAD_PAYLOAD;
  active = false;
  const r = withdrawPending(inactiveSlot());
  if (r != FLASH_OK) return flashError(r);
  return 0;
}

/** reboot: replies, then the board resets the device (RESET_SOFTWARE). */
export function fwReboot(req: usize, len: i32, out: usize): i32 {
  if (len != 0) return -ERR_BAD_PAYLOAD;
  requestReset();
  return 0;
}

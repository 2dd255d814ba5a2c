// Image checks shared by the update requests (device/boot/update.ts) and the
// first-stage boot decision (device/boot/stage1.ts): header format, the
// release key's signature over the header, and the SHA-256 of a slot's wasm
// streamed from flash in small pieces (a slot is larger than all of RAM's
// spare room).
import {
  IMG_FORMAT, IMG_HDR_SIZE, IMG_MAGIC, IMG_MAX_WASM, IMG_OFF_FLAGS,
  IMG_OFF_FORMAT, IMG_OFF_HASH, IMG_OFF_HDR_SIZE, IMG_OFF_SIG, IMG_OFF_WASM_LEN, IMG_SIGNED_SIZE,
  IMG_SIG_TAG_LEN, IMG_FLAG_DEV, FW_SIG_DETAIL_DEV_IMAGE,
} from "../../shared/firmware-image";
import { ERR_FLASH, ERR_FW_FORMAT, ERR_FW_HASH, ERR_FW_SIGNATURE, HASH_SIZE } from "../../shared/protocol";
import { FLASH_OK, FLASH_SLOT_A_OFF, FLASH_SLOT_B_OFF, SLOT_A } from "../../shared/board";
import { SHA256_CTX_SIZE, sha256Final, sha256Init, sha256Update } from "../crypto/sha256";
import { taggedHashInit } from "../crypto/tagged-hash";
import { bip340Verify } from "../crypto/bip340";
import { SECP_OK } from "../../shared/crypto-status";
import { board_flash_read } from "../proto/board";
import { get16, get32 } from "../proto/bytes";
import { bytesEqual } from "../util";
import { DEV_PUBKEY, RELEASE_DEV, RELEASE_PUBKEY } from "./release-key";

// "lnsigner/firmware-image"
const TAG: usize = memory.data<u8>([
  0x6c, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72, 0x2f, 0x66, 0x69, 0x72, 0x6d, 0x77, 0x61, 0x72, 0x65, 0x2d,
  0x69, 0x6d, 0x61, 0x67, 0x65,
]);
const CTX: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);
const MSG: usize = memory.data(32, 8);
const DIGEST: usize = memory.data(32, 8);
const PIECE_SIZE: u32 = 1024;
/** Scratch for streaming flash (also used by update.ts to compare chunks). */
export const PIECE: usize = memory.data(<i32>PIECE_SIZE, 8);
export const PIECE_LEN: u32 = PIECE_SIZE;
/** Last flash error code seen by slotHashMatches (detail word of ERR_FLASH). */
export let lastFlashError: i32 = 0;
/** Detail of the last ERR_FW_SIGNATURE from headerSignature (FW_SIG_DETAIL_*). */
export let lastSignatureDetail: u32 = 0;

export function slotBase(slot: i32): u32 {
  return slot == SLOT_A ? FLASH_SLOT_A_OFF : FLASH_SLOT_B_OFF;
}

/** 0 when the header at `h` is one this bootloader reads, else ERR_FW_FORMAT. */
export function headerFormat(h: usize): i32 {
  if (get32(h) != IMG_MAGIC) return ERR_FW_FORMAT;
  if (<i32>load<u8>(h + IMG_OFF_FORMAT) != IMG_FORMAT) return ERR_FW_FORMAT;
  // Flags: only IMG_FLAG_DEV is defined; any other bit is a format this bootloader does not read.
  if ((<i32>load<u8>(h + IMG_OFF_FLAGS) & ~IMG_FLAG_DEV) != 0) return ERR_FW_FORMAT;
  if (get16(h + IMG_OFF_HDR_SIZE) != IMG_HDR_SIZE) return ERR_FW_FORMAT;
  const n = get32(h + IMG_OFF_WASM_LEN);
  if (n == 0 || n > <u32>IMG_MAX_WASM) return ERR_FW_FORMAT;
  return 0;
}

/** 0 when the header may be trusted: its signature verifies with the release
 *  key and, on a release build, it is not a development image. Else
 *  ERR_FW_SIGNATURE, lastSignatureDetail saying why (FW_SIG_DETAIL_*). Used by
 *  fw_begin and by every boot (verifySlot). */
export function headerSignature(h: usize): i32 {
  lastSignatureDetail = 0;
  // Release integrity (issue 9, docs/firmware-images.md): a release build
  // refuses development images, flagged IMG_FLAG_DEV in the signed header ...
  if (!RELEASE_DEV && (<i32>load<u8>(h + IMG_OFF_FLAGS) & IMG_FLAG_DEV) != 0) {
    lastSignatureDetail = FW_SIG_DETAIL_DEV_IMAGE;
    return ERR_FW_SIGNATURE;
  }
  taggedHashInit(CTX, TAG, IMG_SIG_TAG_LEN);
  sha256Update(CTX, h, IMG_SIGNED_SIZE);
  sha256Final(CTX, MSG);
  if (bip340Verify(MSG, 32, RELEASE_PUBKEY, h + IMG_OFF_SIG) == SECP_OK) return 0;
  // ... or signed by the development key without the flag (the build never
  // trusts that key in a release build; this only names the refusal).
  if (!RELEASE_DEV && bip340Verify(MSG, 32, DEV_PUBKEY, h + IMG_OFF_SIG) == SECP_OK) {
    lastSignatureDetail = FW_SIG_DETAIL_DEV_IMAGE;
  }
  return ERR_FW_SIGNATURE;
}

/** 0 when the `len` bytes of wasm in `slot` hash to `hash`; ERR_FW_HASH, or
 *  ERR_FLASH (lastFlashError says why). */
export function slotHashMatches(slot: i32, len: u32, hash: usize): i32 {
  const base = slotBase(slot) + <u32>IMG_HDR_SIZE;
  sha256Init(CTX);
  for (let at: u32 = 0; at < len; at += PIECE_SIZE) {
    const n = len - at < PIECE_SIZE ? len - at : PIECE_SIZE;
    const r = board_flash_read(base + at, PIECE, n);
    if (r != FLASH_OK) { lastFlashError = r; return ERR_FLASH; }
    sha256Update(CTX, PIECE, n);
  }
  sha256Final(CTX, DIGEST);
  return bytesEqual(DIGEST, hash, HASH_SIZE) ? 0 : ERR_FW_HASH;
}

/** Reads the header of `slot` into `h` (IMG_HDR_SIZE bytes) and checks the whole
 *  slot as the boot decision and commit do: format, wasm hash, signature.
 *  0 when it may boot, else the ERR_* reason. */
export function verifySlot(slot: i32, h: usize): i32 {
  const r = board_flash_read(slotBase(slot), h, IMG_HDR_SIZE);
  if (r != FLASH_OK) { lastFlashError = r; return ERR_FLASH; }
  let e = headerFormat(h);
  if (e != 0) return e;
  e = slotHashMatches(slot, get32(h + IMG_OFF_WASM_LEN), h + IMG_OFF_HASH);
  if (e != 0) return e;
  return headerSignature(h);
}

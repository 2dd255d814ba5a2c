// Signed firmware images and the bootloader's boot record: the one definition
// read by the firmware (AssemblyScript, device/boot/), the host (TypeScript,
// host/flash/, host/emulator/) and the tests. Integer constants only (both
// compilers). docs/firmware-images.md explains every field.
//
// An image is
//     header[IMG_HDR_SIZE] | wasm[wasm length]
// and the header is (all integers little-endian)
//      0 magic u32 "LNFW" | 4 format u8 (1) | 5 flags u8 (0) | 6 header size u16 (112) |
//      8 firmware version u32 | 12 wasm length u32 | 16 SHA-256 of the wasm [32] |
//     48 BIP-340 signature [64] by the release key over
//        tagged_hash("lnsigner/firmware-image", header[0..48])
// so the signature covers the version, the length and (through the hash) every
// byte of the wasm. Versions are major << 16 | minor << 8 | patch, like get_info.

/** "LNFW" as the first four bytes. */
export const IMG_MAGIC = 0x57464e4c;
export const IMG_FORMAT = 1;
export const IMG_OFF_MAGIC = 0;
export const IMG_OFF_FORMAT = 4;
export const IMG_OFF_FLAGS = 5;
export const IMG_OFF_HDR_SIZE = 6;
export const IMG_OFF_VERSION = 8;
export const IMG_OFF_WASM_LEN = 12;
export const IMG_OFF_HASH = 16;
/** Bytes 0..IMG_SIGNED_SIZE of the header are what the signature covers. */
export const IMG_SIGNED_SIZE = 48;
export const IMG_OFF_SIG = 48;
export const IMG_SIG_SIZE = 64;
/** Header size; the wasm follows. Also the fw_begin request payload. */
export const IMG_HDR_SIZE = 112;
/** Largest wasm a slot holds: FLASH_SLOT_SIZE (0x30000) - IMG_HDR_SIZE. */
export const IMG_MAX_WASM = 196496;
/** The BIP-340 tag of the signed message, "lnsigner/firmware-image" (23 bytes). */
export const IMG_SIG_TAG_LEN = 23;

// ---- Firmware update requests (MSG_FW_* in shared/protocol.ts) ---------------
// fw_begin:  image header[112]                  -> reply FWB_*
// fw_chunk:  offset u32le | wasm bytes[1..FW_CHUNK_MAX] -> reply: received u32le
// fw_commit: empty                              -> reply FWC_*
// fw_abort:  empty                              -> reply empty
// reboot:    empty                              -> reply empty, then a reset
/** Largest chunk of wasm bytes per fw_chunk. */
export const FW_CHUNK_MAX = 8192;
export const FW_CHUNK_OFF_OFFSET = 0;
export const FW_CHUNK_OFF_DATA = 4;
/** fw_chunk reply: bytes of wasm received without a gap so far. */
export const FW_CHUNK_REPLY_SIZE = 4;
/** fw_begin reply: target slot u8 | reserved u8 | max chunk u16le |
 *  running version u32le | minimum version u32le  (12 bytes) */
export const FWB_OFF_SLOT = 0;
export const FWB_OFF_MAX_CHUNK = 2;
export const FWB_OFF_RUNNING = 4;
export const FWB_OFF_MIN = 8;
export const FWB_SIZE = 12;
/** fw_commit reply: slot u8 | reserved[3] | version u32le | SHA-256[32]  (40 bytes) */
export const FWC_OFF_SLOT = 0;
export const FWC_OFF_VERSION = 4;
export const FWC_OFF_HASH = 8;
export const FWC_SIZE = 40;

// ---- Firmware update refusals: ERR_FW_* (0x40..0x44) in shared/protocol.ts, so
// the host's status names know them.

// ---- Boot record: two copies, one per sector of the boot partition ------------
//  0 magic u32 "BOOT" | 4 sequence u32 | 8 active slot u8 | 9 state u8 |
// 10 previous slot u8 | 11 flags u8 | 12 minimum version u32 |
// 16 active version u32 | 20 previous version u32 | 24 reverted version u32 |
// 28 CRC-32C of bytes 0..28  (32 bytes)
// The valid copy (magic, CRC) with the higher sequence number is current; a
// new record goes to the other copy's sector (erase, program, read back), so a
// cut at any moment leaves the current one intact.
export const BOOTREC_MAGIC = 0x544f4f42;
export const BOOTREC_OFF_SEQ = 4;
export const BOOTREC_OFF_ACTIVE = 8;
export const BOOTREC_OFF_STATE = 9;
export const BOOTREC_OFF_PREVIOUS = 10;
export const BOOTREC_OFF_FLAGS = 11;
export const BOOTREC_OFF_MIN_VERSION = 12;
export const BOOTREC_OFF_ACTIVE_VERSION = 16;
export const BOOTREC_OFF_PREVIOUS_VERSION = 20;
export const BOOTREC_OFF_REVERTED_VERSION = 24;
export const BOOTREC_OFF_CRC = 28;
export const BOOTREC_SIZE = 32;
/** States of the active slot. */
export const BOOTREC_CONFIRMED = 0;
/** Committed, not booted yet. */
export const BOOTREC_TRIAL = 1;
/** Its first boot has begun; seen again at a boot, that boot never finished
 *  its self-test: revert. */
export const BOOTREC_TRIAL_BOOTING = 2;
/** flags: the last trial failed and the previous slot was restored. */
export const BOOTREC_FLAG_REVERTED = 1;

// ---- Boot ROM <-> first stage (exports of the built-in firmware) -----------------
/** boot_select(reason) result: slot (SLOT_*) | this flag when the slot is on
 *  its trial boot (the ROM runs its self-test and reports boot_trial_result). */
export const BOOT_SELECT_TRIAL = 0x100;

// ---- Header flags (byte IMG_OFF_FLAGS; inside the signed bytes) ----------------
/** Signed with the development release key (whose secret is public):
 *  `lnsigner firmware sign` sets it; a release build refuses such images. */
export const IMG_FLAG_DEV = 1;
/** ERR_FW_SIGNATURE detail: a development image (IMG_FLAG_DEV, or signed by
 *  the development key) refused by a release build. 0 = the signature does
 *  not verify with the device's release key. */
export const FW_SIG_DETAIL_DEV_IMAGE = 1;

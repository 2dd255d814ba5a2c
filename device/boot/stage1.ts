// First stage: the boot decision. The boot ROM (host/emulator/boot-rom.ts on
// the emulator; a microcontroller's immutable first-stage loader) instantiates
// the built-in firmware and calls boot_select() before anything else runs. It
// reads the boot record, handles a trial, verifies the chosen slot completely
// (format, SHA-256 of the wasm, release-key signature) at every boot and
// describes it in the boot info block, which the ROM hands to the image it
// then starts. The ROM itself only loads what it is told and runs self-tests.
//
// Trial protocol: fw_commit leaves the new slot in BOOTREC_TRIAL. The next
// boot_select marks it BOOTREC_TRIAL_BOOTING *before* returning it, and the ROM
// reports the new image's self-test with boot_trial_result(). Pass: confirmed,
// and the anti-rollback minimum rises to its version. Fail, or a boot that
// finds BOOTREC_TRIAL_BOOTING (the trial boot never finished: power cut,
// crash, hang), reverts to the previous slot and flags the record.
import {
  BOOTREC_CONFIRMED, BOOTREC_FLAG_REVERTED, BOOTREC_TRIAL, BOOTREC_TRIAL_BOOTING, BOOT_SELECT_TRIAL,
  IMG_OFF_HASH, IMG_OFF_VERSION, IMG_OFF_WASM_LEN, IMG_HDR_SIZE,
} from "../../shared/firmware-image";
import {
  BOOT_INFO_OFF_IMAGE_HASH, BOOT_INFO_OFF_IMAGE_LEN, BOOT_INFO_OFF_IMAGE_VERSION, BOOT_INFO_OFF_SLOT,
  BOOT_INFO_SIZE, SLOT_A, SLOT_B, SLOT_DIRECT,
} from "../../shared/board";
import { HASH_SIZE } from "../../shared/protocol";
import { bootInfo } from "../proto/boot";
import { copyBytes, fillBytes, get32, put32 } from "../proto/bytes";
import { verifySlot } from "./image";
import {
  recActive, recActiveVersion, recFlags, recLoad, recMinVersion, recPrevious, recPreviousVersion, recRevert, recSet, recSetFlags,
  recSetMinVersion, recSetRevertedVersion, recState, recStore,
} from "./record";

const HDR: usize = memory.data(IMG_HDR_SIZE, 8);

function isSlot(s: i32): bool {
  return s == SLOT_A || s == SLOT_B;
}

// Boot info for a slot whose header is in HDR (verified).
function describe(slot: i32): void {
  const b = bootInfo();
  fillBytes(b, 0, BOOT_INFO_SIZE);
  store<u8>(b + BOOT_INFO_OFF_SLOT, <u8>slot);
  if (slot == SLOT_DIRECT) return;
  put32(b + BOOT_INFO_OFF_IMAGE_VERSION, get32(HDR + IMG_OFF_VERSION));
  put32(b + BOOT_INFO_OFF_IMAGE_LEN, get32(HDR + IMG_OFF_WASM_LEN));
  copyBytes(b + BOOT_INFO_OFF_IMAGE_HASH, HDR + IMG_OFF_HASH, HASH_SIZE);
}

function revertTrial(): void {
  recSetRevertedVersion(recActiveVersion());
  recRevert();
  recSetFlags(recFlags() | BOOTREC_FLAG_REVERTED);
  recStore();
}

/** The boot decision: SLOT_DIRECT (run the built-in image), SLOT_A or SLOT_B,
 *  | BOOT_SELECT_TRIAL when the slot is on its first boot. Fills the boot info
 *  block (slot, version, length, hash; the ROM adds the reset reason). Never
 *  fails: whatever is wrong, the built-in image remains. */
export function bootSelect(): i32 {
  recLoad();
  if (recState() == BOOTREC_TRIAL_BOOTING) revertTrial();
  if (recState() == BOOTREC_TRIAL) {
    const s = recActive();
    // Anti-rollback on the trial path too (issue 9 finding): a trial slot
    // boots only if it verifies and its signed version is not below the
    // recorded minimum; a record pointing a trial at an older signed image
    // (flash altered, or written by a faulty image) reverts instead.
    if (isSlot(s) && verifySlot(s, HDR) == 0 && get32(HDR + IMG_OFF_VERSION) >= recMinVersion()) {
      recSet(s, BOOTREC_TRIAL_BOOTING, recPrevious(), recActiveVersion(), recPreviousVersion());
      if (recStore() == 0) {
        describe(s);
        return s | BOOT_SELECT_TRIAL;
      }
    }
    // Cannot start the trial (slot damaged, record unwritable): keep the old image.
    revertTrial();
  }
  // Confirmed: the active slot if it is intact and not below the anti-rollback
  // minimum; otherwise the built-in image (never the older previous slot: a
  // damaged active slot must not become a way to roll back).
  const s = recActive();
  if (isSlot(s) && verifySlot(s, HDR) == 0 && get32(HDR + IMG_OFF_VERSION) >= recMinVersion()) {
    describe(s);
    return s;
  }
  describe(SLOT_DIRECT);
  return SLOT_DIRECT;
}

/** The ROM's report on the trial boot: the new image instantiated and its
 *  self-test returned 0 (ok != 0), or not. */
export function bootTrialResult(ok: i32): void {
  recLoad();
  if (recState() != BOOTREC_TRIAL_BOOTING) return;
  if (ok != 0) {
    const v = recActiveVersion();
    if (v > recMinVersion()) recSetMinVersion(v);
    recSetFlags(recFlags() & ~BOOTREC_FLAG_REVERTED);
    recSet(recActive(), BOOTREC_CONFIRMED, recPrevious(), v, recPreviousVersion());
    recStore();
  } else {
    revertTrial();
  }
}

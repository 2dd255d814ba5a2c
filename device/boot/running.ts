// What is running now, from the boot info block the board (boot ROM and first
// stage) filled before fw_boot: the slot and the signed version of its image.
// An image the board loaded directly (emulator --image with a bare wasm, a
// debugger) carries no signed version: then the version compiled in counts.
import { BOOT_INFO_OFF_IMAGE_VERSION, BOOT_INFO_OFF_SLOT, SLOT_A, SLOT_B, SLOT_DIRECT } from "../../shared/board";
import { bootInfo } from "../proto/boot";
import { get32 } from "../proto/bytes";
import { FIRMWARE_VERSION } from "../proto/version";

export function runningSlot(): i32 {
  const s = <i32>load<u8>(bootInfo() + BOOT_INFO_OFF_SLOT);
  return s == SLOT_A || s == SLOT_B ? s : SLOT_DIRECT;
}

export function runningVersion(): u32 {
  const v = get32(bootInfo() + BOOT_INFO_OFF_IMAGE_VERSION);
  return v != 0 ? v : FIRMWARE_VERSION;
}

let resetPending = false;

/** The reboot request asks the board for a reset once its reply is out. */
export function requestReset(): void {
  resetPending = true;
}

export function isResetPending(): bool {
  return resetPending;
}

// The emulated chip's boot ROM: only what a ROM must do. It instantiates the
// built-in firmware as the first stage and asks it (boot_select, in
// AssemblyScript: device/boot/stage1.ts) which image to start; the first stage
// reads the boot record, verifies the slot (hash and release signature) and
// fills the boot info block. The ROM then loads that slot's wasm from flash and,
// on a trial boot, instantiates it and runs its self-test, reporting the
// result with boot_trial_result (the first stage confirms or reverts). It
// never reads the boot record or checks a signature itself.
import {
  BOOT_INFO_OFF_IMAGE_HASH, BOOT_INFO_OFF_IMAGE_LEN, BOOT_INFO_OFF_IMAGE_VERSION, BOOT_INFO_OFF_REASON,
  BOOT_INFO_OFF_SLOT, BOOT_INFO_SIZE, FLASH_OK, FLASH_SLOT_A_OFF, FLASH_SLOT_B_OFF, SLOT_A, SLOT_B, SLOT_DIRECT,
} from '../../shared/board.js';
import { BOOT_SELECT_TRIAL, IMG_HDR_SIZE, IMG_MAX_WASM } from '../../shared/firmware-image.js';
import { instantiateFirmware, type FirmwareHal } from '../firmware/load.js';
import type { FlashDevice } from './flash.js';

/** The image the chip holds built in (emulator --image or build/firmware.wasm). */
export interface BuiltinImage {
  wasm: Uint8Array<ArrayBuffer>;
  sha256: Uint8Array;
  /** Signed version when --image was a signed image; 0 for a bare wasm. */
  version?: number;
}

export interface BootChoice {
  wasm: Uint8Array<ArrayBuffer>;
  /** The BOOT_INFO_* block to hand to the started image (reason not yet set). */
  info: Uint8Array;
  slot: number;
}

/** Exports a started image must have (the board's runtime ABI). */
const REQUIRED = ['memory', 'fw_boot', 'fw_boot_info_ptr', 'serial_rx', 'serial_rx_ptr', 'serial_rx_cap', 'io_ptr', 'io_size'];

/** Test hook (docs/firmware-images.md): with LNSIGNER_EMU_CRASH=trial-boot the
 *  emulator process kills itself (SIGKILL) in the middle of a trial boot,
 *  after the first stage marked it and before the self-test result is recorded:
 *  power lost during the first boot of a new image, at a deterministic point. */
function crashHook(point: string): void {
  if (process.env.LNSIGNER_EMU_CRASH === point) process.kill(process.pid, 'SIGKILL');
}

export function directInfo(image: BuiltinImage): Uint8Array {
  const info = new Uint8Array(BOOT_INFO_SIZE);
  const v = new DataView(info.buffer);
  info[BOOT_INFO_OFF_SLOT] = SLOT_DIRECT;
  v.setUint32(BOOT_INFO_OFF_IMAGE_VERSION, image.version ?? 0, true);
  v.setUint32(BOOT_INFO_OFF_IMAGE_LEN, image.wasm.length, true);
  info.set(image.sha256, BOOT_INFO_OFF_IMAGE_HASH);
  return info;
}

/** Runs the boot decision and returns the image to start. */
export function bootRom(image: BuiltinImage, flash: FlashDevice, entropy: FirmwareHal['entropy'],
  reason: number, log: (m: string) => void): BootChoice {
  const direct = (): BootChoice => ({ wasm: image.wasm, info: directInfo(image), slot: SLOT_DIRECT });
  let stage1;
  try {
    stage1 = instantiateFirmware(image.wasm, { entropy, flash });
  } catch {
    return direct(); // the built-in image itself will fail visibly when started
  }
  const e = stage1.exports;
  if (typeof e.boot_select !== 'function') return direct(); // a firmware without a bootloader
  for (let attempt = 0; attempt < 3; attempt++) {
    const sel = e.boot_select(reason) >>> 0;
    const slot = sel & 0xff;
    const trial = (sel & BOOT_SELECT_TRIAL) !== 0;
    if (slot === SLOT_DIRECT) return direct();
    if (slot !== SLOT_A && slot !== SLOT_B) break;
    const info = stage1.read(e.fw_boot_info_ptr() >>> 0, BOOT_INFO_SIZE);
    const len = new DataView(info.buffer).getUint32(BOOT_INFO_OFF_IMAGE_LEN, true);
    const wasm = new Uint8Array(Math.min(len, IMG_MAX_WASM));
    const base = slot === SLOT_A ? FLASH_SLOT_A_OFF : FLASH_SLOT_B_OFF;
    if (flash.read(base + IMG_HDR_SIZE, wasm) !== FLASH_OK) {
      if (trial) e.boot_trial_result(0);
      log(`boot: cannot read slot ${slot === SLOT_A ? 'A' : 'B'}; built-in image`);
      return direct();
    }
    if (!trial) return { wasm, info, slot };
    crashHook('trial-boot');
    const why = selfTest(wasm, entropy, flash);
    e.boot_trial_result(why === undefined ? 1 : 0);
    const name = slot === SLOT_A ? 'A' : 'B';
    if (why === undefined) {
      log(`boot: slot ${name} passed its trial boot; confirmed`);
      return { wasm, info, slot };
    }
    log(`boot: slot ${name} failed its trial boot (${why}); reverted to the previous image`);
  }
  return direct();
}

/** Instantiates a trial image and runs its self-test; undefined when it passed. */
function selfTest(wasm: Uint8Array<ArrayBuffer>, entropy: FirmwareHal['entropy'], flash: FlashDevice): string | undefined {
  try {
    const fw = instantiateFirmware(wasm, { entropy, flash });
    const missing = REQUIRED.filter((n) => !(n in fw.exports));
    if (missing.length) return `missing exports ${missing.join(', ')}`;
    if (typeof fw.exports.selftest !== 'function') return 'no selftest export';
    const r = fw.exports.selftest() >>> 0;
    return r === 0 ? undefined : `selftest() = ${r}`;
  } catch (err) {
    return `does not start: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export { BOOT_INFO_OFF_REASON };

// The emulated microcontroller: firmware.wasm with the board's imports
// (serial out, flash in the state directory, entropy). A reset throws the
// instance away (RAM is lost, flash stays), instantiates the image again,
// fills the boot info block and calls fw_boot(), which announces the boot.
import { randomFillSync } from 'node:crypto';
import {
  BOOT_INFO_OFF_IMAGE_HASH, BOOT_INFO_OFF_IMAGE_LEN, BOOT_INFO_OFF_REASON, BOOT_INFO_OFF_SLOT, BOOT_INFO_SIZE,
  RESET_WATCHDOG, SLOT_DIRECT,
} from '../../shared/board.js';
import { instantiateFirmware, type Firmware } from '../firmware/load.js';
import type { FlashDevice } from './flash.js';

export interface ChipImage {
  wasm: Uint8Array<ArrayBuffer>;
  sha256: Uint8Array;
}

export class Chip {
  private fw?: Firmware;
  private rxPtr = 0;
  private rxCap = 0;
  boots = 0;

  constructor(
    private readonly image: ChipImage,
    private readonly flash: FlashDevice,
    /** Where the firmware's serial output goes. */
    public out: (bytes: Uint8Array) => void,
    private readonly log: (msg: string) => void = () => undefined,
  ) {}

  /** Powers up or resets the chip with the given RESET_* reason. */
  boot(reason: number): void {
    this.boots++;
    this.fw = instantiateFirmware(this.image.wasm, {
      entropy: (b) => void randomFillSync(b),
      serialWrite: (b) => this.out(b),
      flash: this.flash,
    });
    const e = this.fw.exports;
    this.rxPtr = e.serial_rx_ptr() >>> 0;
    this.rxCap = e.serial_rx_cap() >>> 0;
    const info = new Uint8Array(BOOT_INFO_SIZE);
    info[BOOT_INFO_OFF_REASON] = reason;
    info[BOOT_INFO_OFF_SLOT] = SLOT_DIRECT;
    new DataView(info.buffer).setUint32(BOOT_INFO_OFF_IMAGE_LEN, this.image.wasm.length, true);
    info.set(this.image.sha256, BOOT_INFO_OFF_IMAGE_HASH);
    this.fw.write(e.fw_boot_info_ptr() >>> 0, info);
    try {
      e.fw_boot();
    } catch (err) {
      // A firmware that traps while booting would do so again: halt it.
      this.log(`firmware trapped while booting (${err instanceof Error ? err.message : err}); halted`);
      this.fw = undefined;
    }
  }

  /** Bytes arriving at the chip's UART. */
  receive(bytes: Uint8Array): void {
    const fw = this.fw;
    if (!fw) return;
    for (let i = 0; i < bytes.length && this.fw === fw; i += this.rxCap) {
      const n = Math.min(this.rxCap, bytes.length - i);
      fw.write(this.rxPtr, bytes.subarray(i, i + n));
      this.guard(() => fw.exports.serial_rx(n));
    }
  }

  // The firmware must never trap; if it does (a bug), the watchdog resets it.
  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.log(`firmware trapped (${e instanceof Error ? e.message : e}); watchdog reset`);
      this.boot(RESET_WATCHDOG);
    }
  }
}

// The emulated microcontroller: firmware.wasm with the board's imports
// (serial out, flash in the state directory, entropy). A reset throws the
// instance away (RAM is lost, flash stays), runs the boot ROM (boot-rom.ts:
// the built-in image's first stage picks the built-in image or a flashed
// slot), instantiates the chosen image, fills the boot info block and calls
// fw_boot(), which announces the boot.
import { randomFillSync } from 'node:crypto';
import { BOOT_INFO_OFF_REASON, RESET_SOFTWARE, RESET_WATCHDOG } from '../../shared/board.js';
import { instantiateFirmware, type BoardPrompt, type Firmware } from '../firmware/load.js';
import { bootRom, type BuiltinImage } from './boot-rom.js';
import type { FlashDevice } from './flash.js';

export type ChipImage = BuiltinImage;

export class Chip {
  private fw?: Firmware;
  private rxPtr = 0;
  private rxCap = 0;
  boots = 0;
  /** Which slot runs (SLOT_*), for logs and tests. */
  slot = 0;

  constructor(
    private readonly image: ChipImage,
    private readonly flash: FlashDevice,
    /** Where the firmware's serial output goes. */
    public out: (bytes: Uint8Array) => void,
    private readonly log: (msg: string) => void = () => undefined,
    /** The board's display and buttons (none: nothing can be confirmed). */
    private readonly prompt?: BoardPrompt,
  ) {}

  /** Powers up or resets the chip with the given RESET_* reason. */
  boot(reason: number): void {
    this.boots++;
    this.fw = undefined;
    // A reset clears the display; a press for the old firmware instance is gone.
    this.prompt?.reset?.();
    const entropy = (b: Uint8Array) => void randomFillSync(b);
    const choice = bootRom(this.image, this.flash, entropy, reason, this.log);
    this.slot = choice.slot;
    try {
      this.fw = instantiateFirmware(choice.wasm, {
        entropy,
        serialWrite: (b) => this.out(b),
        flash: this.flash,
        prompt: this.prompt,
      });
    } catch (err) {
      this.log(`image does not start (${err instanceof Error ? err.message : err}); halted`);
      return;
    }
    const e = this.fw.exports;
    this.rxPtr = e.serial_rx_ptr() >>> 0;
    this.rxCap = e.serial_rx_cap() >>> 0;
    const info = choice.info.slice();
    info[BOOT_INFO_OFF_REASON] = reason;
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
      // The reboot request: its reply is out; the firmware asks for a reset.
      if (this.fw === fw && typeof fw.exports.fw_reset_pending === 'function' && fw.exports.fw_reset_pending() !== 0) {
        this.boot(RESET_SOFTWARE);
      }
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

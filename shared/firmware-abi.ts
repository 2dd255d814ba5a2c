// The firmware's contract with whatever runs it (a microcontroller's board
// support package or the emulator): the only imports it may have, and its
// resource budgets. Tests check the built firmware.wasm against these.

/** Every function firmware.wasm may import, as "module.name" (signatures in
 *  docs/firmware.md; the board stand-in of flash-scripts/interp-selftest.sh
 *  and host/firmware/load.ts provide each of them). */
export const FIRMWARE_IMPORTS: readonly string[] = [
  'env.entropy', // (ptr, len) -> i32: hardware randomness
  'env.serial_write', // (ptr, len) -> void: bytes out on the serial line
  'env.flash_read', // (offset, ptr, len) -> i32
  'env.flash_write', // (offset, ptr, len) -> i32: NOR program, bits 1 -> 0
  'env.flash_erase', // (offset, len) -> i32: sectors to 0xFF
  'env.clock_seconds', // () -> i32: Unix time, unsigned seconds (spending window)
  'env.prompt_show', // (ptr, len) -> i32: show UTF-8 text (<= 4 lines of <= 32 chars) and arm the buttons; len 0 clears; 0 = shown
  'env.prompt_poll', // () -> i32: PROMPT_* (0 waiting, 1 approved, 2 denied, 3 timed out)
];

/** Budget for the firmware binary, in bytes. */
export const FIRMWARE_MAX_BYTES = 128 * 1024;

/** Budget for declared linear memory, in 64 KiB pages (initial = maximum). */
export const FIRMWARE_MAX_PAGES = 4;

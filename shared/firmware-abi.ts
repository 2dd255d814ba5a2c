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

/** Budget for declared linear memory, in 64 KiB pages (initial = maximum):
 *  2 pages = 128 KiB, static area, fixed-base table and buffers included
 *  (docs/firmware.md "Memory map"). */
export const FIRMWARE_MAX_PAGES = 2;

/** Linear memory kept free above the static area (`fw_static_end()`, i.e.
 *  AssemblyScript's __heap_base), in bytes. Nothing is placed there: the stub
 *  runtime keeps no shadow stack (every local is a wasm local, on the engine's
 *  own stack), and test/firmware-memory.test.ts paints it before the deepest
 *  requests and finds it untouched after. It is the room a shadow stack would
 *  need if the firmware ever used one. */
export const FIRMWARE_STACK_RESERVE = 4096;

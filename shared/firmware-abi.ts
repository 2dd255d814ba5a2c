// The firmware's contract with whatever runs it (a microcontroller's board
// support package or the emulator): the only imports it may have, and its
// resource budgets. Tests check the built firmware.wasm against these.

/** Every function firmware.wasm may import, as "module.name". */
export const FIRMWARE_IMPORTS: readonly string[] = ['env.entropy'];

/** Budget for the firmware binary, in bytes. */
export const FIRMWARE_MAX_BYTES = 128 * 1024;

/** Budget for declared linear memory, in 64 KiB pages (initial = maximum). */
export const FIRMWARE_MAX_PAGES = 4;

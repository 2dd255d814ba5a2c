// The board's serial port and flash, as seen by the firmware: imports provided
// by the microcontroller's board support or by the emulator (host/emulator/).
// Listed with their signatures in shared/firmware-abi.ts and docs/firmware.md;
// flash semantics (NOR: erase to 0xFF, writes only clear bits, one partition
// per access) in shared/board.ts.

// Queues `len` bytes at `ptr` for transmission on the serial line. The board
// copies them before returning (the firmware reuses the buffer at once).
@external("env", "serial_write")
export declare function board_serial_write(ptr: usize, len: u32): void;

// Copies `len` bytes of flash at `offset` to `ptr`. Returns 0 (FLASH_OK) or a
// FLASH_ERR_* code.
@external("env", "flash_read")
export declare function board_flash_read(offset: u32, ptr: usize, len: u32): i32;

// Programs `len` bytes at `ptr` into flash at `offset` (bits 1 -> 0 only).
// Returns 0 or a FLASH_ERR_* code.
@external("env", "flash_write")
export declare function board_flash_write(offset: u32, ptr: usize, len: u32): i32;

// Erases `len` bytes at `offset` to 0xFF (both multiples of FLASH_SECTOR).
// Returns 0 or a FLASH_ERR_* code.
@external("env", "flash_erase")
export declare function board_flash_erase(offset: u32, len: u32): i32;

// Hardware abstraction: the only functions the firmware imports from its host
// (the microcontroller's board support, or the emulator). The complete list is
// documented in docs/firmware.md and checked by test/firmware-build.test.ts.

// Fills `len` bytes at `ptr` with hardware randomness. Returns 0 on success.
@external("env", "entropy")
export declare function hal_entropy(ptr: usize, len: u32): i32;

// Wall-clock time: unsigned seconds since the Unix epoch (u32, wraps in 2106),
// from the board's real-time clock. Used for the rolling 24-hour spending
// window (device/policy/store.ts). 
@external("env", "clock_seconds")
export declare function hal_clock_seconds(): u32;

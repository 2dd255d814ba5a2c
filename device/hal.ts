// Hardware abstraction: the only functions the firmware imports from its host
// (the microcontroller's board support, or the emulator). The complete list is
// documented in docs/firmware.md and checked by test/firmware-build.test.ts.

// Fills `len` bytes at `ptr` with hardware randomness. Returns 0 on success.
@external("env", "entropy")
export declare function hal_entropy(ptr: usize, len: u32): i32;

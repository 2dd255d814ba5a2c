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

// The user prompt: a short display and two buttons (approve, deny). Shows
// `len` bytes of UTF-8 text at `ptr` (at most PROMPT_MAX_TEXT bytes: up to 4
// lines of up to 32 characters, '\n' separated) and arms the buttons; len 0
// clears the display. Returns 0 when shown. The board never blocks here.
// device/confirm/gate.ts is the only caller.
@external("env", "prompt_show")
export declare function hal_prompt_show(ptr: usize, len: u32): i32;

// The buttons' state since the last prompt_show: PROMPT_WAITING (0),
// PROMPT_APPROVED (1), PROMPT_DENIED (2) or PROMPT_TIMEOUT (3, the board's own
// timeout). Never blocks.
@external("env", "prompt_poll")
export declare function hal_prompt_poll(): i32;

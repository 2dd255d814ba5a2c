// Scratch area through which the host passes arguments to the firmware's
// exported functions (the "chip interface"; the serial protocol has its own
// frame buffers). Exported functions take absolute pointers into memory.
//
// Memory sharing (docs/firmware/blinding.md "Memory"): the io area is the
// first 16 KiB of the onion-message packet store PKT. The chip interface
// serves tests, benchmarks and self-checks, never the serial protocol, so the
// two are not used together; a chip-interface call between onion_message and
// its onion_message_read calls overwrites the stored packet.
import { PKT } from "../onion/onion-message";

export const IO_SIZE: i32 = 16384;
const IO: usize = PKT;

export function io_ptr(): usize {
  return IO;
}

export function io_size(): u32 {
  return <u32>IO_SIZE;
}

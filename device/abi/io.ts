// Scratch area through which the host passes arguments to the firmware's
// exported functions (the "chip interface"; the serial protocol has its own
// frame buffers). Exported functions take absolute pointers into memory.
export const IO_SIZE: i32 = 16384;
const IO: usize = memory.data(IO_SIZE);

export function io_ptr(): usize {
  return IO;
}

export function io_size(): u32 {
  return <u32>IO_SIZE;
}

// Argument checks for exported functions: a (pointer, length) pair handed in
// by the host must lie inside linear memory, so that a bad argument yields an
// error code instead of an out-of-bounds trap.

// True when [ptr, ptr+len) lies within the current linear memory.
export function inMemory(ptr: usize, len: usize): bool {
  const limit: u64 = <u64>memory.size() << 16;
  return <u64>ptr + <u64>len <= limit;
}

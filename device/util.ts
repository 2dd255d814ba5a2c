// Small memory helpers shared by the firmware modules.

// Compares `len` bytes at a and b; true when equal. Variable time: public data only.
export function bytesEqual(a: usize, b: usize, len: usize): bool {
  for (let i: usize = 0; i < len; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}

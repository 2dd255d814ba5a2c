// Power-on self-test: known-answer tests of every primitive. Returns 0 when all
// pass, otherwise the number of the first failing check (stable, documented in
// docs/firmware.md). Runs under any MVP interpreter (wabt's wasm-interp in CI).
import { sha256 } from "./crypto/sha256";

const SCRATCH: usize = memory.data(256);

// Compares `len` bytes at a and b; returns true when equal. (Not for secrets.)
export function bytesEqual(a: usize, b: usize, len: usize): bool {
  for (let i: usize = 0; i < len; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}

// SHA-256("abc") (FIPS 180-2 example B.1).
const KAT_SHA256_ABC: usize = memory.data<u8>([
  0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
  0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
]);

function katSha256(): bool {
  store<u8>(SCRATCH, 0x61);
  store<u8>(SCRATCH, 0x62, 1);
  store<u8>(SCRATCH, 0x63, 2);
  sha256(SCRATCH, 3, SCRATCH + 64);
  return bytesEqual(SCRATCH + 64, KAT_SHA256_ABC, 32);
}

export function selftest(): i32 {
  if (!katSha256()) return 1;
  return 0;
}

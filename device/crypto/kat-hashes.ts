// Known-answer tests of the hash and cipher primitives (self-test codes 1-99).
import { sha256 } from "./sha256";
import { bytesEqual } from "../util";

const SCRATCH: usize = memory.data(256);

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

export function katHashes(): i32 {
  if (!katSha256()) return 1;
  return 0;
}

// CRC-32C on the host: a 256-entry table derived from the shared bitwise
// definition (shared/crc32c.ts), so both sides compute the same function by
// construction; test/protocol-codec.test.ts checks both against the vectors.
import { CRC32C_INIT, crc32cByte, crc32cFinish } from '../../shared/crc32c.js';

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) TABLE[n] = crc32cByte(n, 0);

/** CRC-32C of `data` as an unsigned 32-bit number. */
export function crc32c(data: Uint8Array): number {
  let c = CRC32C_INIT;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return crc32cFinish(c) >>> 0;
}

/** The shared bitwise definition, byte by byte (reference for tests). */
export function crc32cBitwise(data: Uint8Array): number {
  let c = CRC32C_INIT;
  for (const b of data) c = crc32cByte(c, b);
  return crc32cFinish(c) >>> 0;
}

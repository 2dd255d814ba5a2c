// CRC-32C (Castagnoli): reflected, polynomial 0x1EDC6F41 (0x82F63B78
// reflected), init 0xFFFFFFFF, final xor 0xFFFFFFFF; check value for the ASCII
// bytes "123456789" is 0xE3069283. The one definition of the frame check,
// compiled by both AssemblyScript (firmware) and TypeScript (host): table-less,
// only `^`, `&`, `>>>` and negation on values kept in 32-bit range. In
// TypeScript the result is a signed number: take `>>> 0` for the unsigned value.

/** The reflected polynomial 0x82F63B78, as a signed 32-bit literal. */
export const CRC32C_POLY = -2097792136;
/** Register value before the first byte (0xFFFFFFFF). */
export const CRC32C_INIT = -1;

/** Feeds one byte into a running CRC register (start from CRC32C_INIT). */
export function crc32cByte(crc: i32, byte: i32): i32 {
  let c = crc ^ (byte & 0xff);
  for (let k = 0; k < 8; k++) {
    c = (c >>> 1) ^ (CRC32C_POLY & -(c & 1));
  }
  return c;
}

/** The CRC of a message whose running register is `crc` (final xor). */
export function crc32cFinish(crc: i32): i32 {
  return ~crc;
}

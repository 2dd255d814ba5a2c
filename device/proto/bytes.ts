// Little-endian field access at any address (the protocol's fields are not
// aligned; byte-wise access keeps every interpreter happy).
import { CRC32C_INIT, crc32cByte, crc32cFinish } from "../../shared/crc32c";

export function get16(p: usize): i32 {
  return <i32>load<u8>(p) | (<i32>load<u8>(p + 1) << 8);
}

export function get32(p: usize): u32 {
  return <u32>load<u8>(p) | (<u32>load<u8>(p + 1) << 8) | (<u32>load<u8>(p + 2) << 16) | (<u32>load<u8>(p + 3) << 24);
}

export function put16(p: usize, v: i32): void {
  store<u8>(p, <u8>v);
  store<u8>(p + 1, <u8>(v >>> 8));
}

export function put32(p: usize, v: u32): void {
  store<u8>(p, <u8>v);
  store<u8>(p + 1, <u8>(v >>> 8));
  store<u8>(p + 2, <u8>(v >>> 16));
  store<u8>(p + 3, <u8>(v >>> 24));
}

export function copyBytes(dst: usize, src: usize, len: usize): void {
  // Forward copy; callers never overlap dst after src. (No bulk memory in MVP.)
  for (let i: usize = 0; i < len; i++) store<u8>(dst + i, load<u8>(src + i));
}

export function fillBytes(dst: usize, v: u8, len: usize): void {
  for (let i: usize = 0; i < len; i++) store<u8>(dst + i, v);
}

// CRC-32C of `len` bytes at `p` (the shared definition, shared/crc32c.ts).
export function crc32c(p: usize, len: usize): u32 {
  let c: i32 = CRC32C_INIT;
  for (let i: usize = 0; i < len; i++) c = crc32cByte(c, <i32>load<u8>(p + i));
  return <u32>crc32cFinish(c);
}

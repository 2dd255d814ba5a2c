// ChaCha20-Poly1305 AEAD (RFC 8439 §2.5 Poly1305, §2.6 key generation, §2.8
// AEAD construction) over raw memory. Route blinding (BOLT 4) encrypts every
// encrypted_data_tlv with it: key rho_i, 12 zero nonce bytes, no AAD.
//
// Poly1305 works on 26-bit limbs (five u32 limbs, products in u64: MVP wasm
// has i64), so no carry is ever lost and every step is the same sequence of
// adds, multiplies and masks whatever the key and data: constant time. The
// final reduction mod 2^130-5 selects by mask, and the tag comparison of
// aeadOpen ORs all 16 differences before one branch.
//
// No allocation: static state (one-time key, accumulator, 16-byte block
// buffer), wiped after every call (not re-entrant).
import { chacha20Block, chacha20Xor, CHACHA20_OK } from "./chacha20";

const OTK: usize = memory.data(64, 8); // block 0 keystream: r ‖ s ‖ (unused 32)
const BLK: usize = memory.data(16, 8); // last partial / length block
const TAG: usize = memory.data(16, 8); // computed tag (aeadOpen)

const M26: u32 = 0x3ffffff;
let r0: u32 = 0, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0, r4: u32 = 0;
let h0: u32 = 0, h1: u32 = 0, h2: u32 = 0, h3: u32 = 0, h4: u32 = 0;

// RFC 8439 §2.5: r is clamped (r &= 0x0ffffffc0ffffffc0ffffffc0fffffff),
// split into 26-bit limbs; the accumulator starts at 0.
function polyInit(key: usize): void {
  r0 = load<u32>(key) & 0x3ffffff;
  r1 = (load<u32>(key, 3) >> 2) & 0x3ffff03;
  r2 = (load<u32>(key, 6) >> 4) & 0x3ffc0ff;
  r3 = (load<u32>(key, 9) >> 6) & 0x3f03fff;
  r4 = (load<u32>(key, 12) >> 8) & 0x00fffff;
  h0 = 0; h1 = 0; h2 = 0; h3 = 0; h4 = 0;
}

// One 16-byte block: h = (h + block + hibit·2^128) · r mod 2^130-5 (partially
// reduced: limbs stay below 2^26 + small carry).
function polyBlock(m: usize, hibit: u32): void {
  h0 += load<u32>(m) & M26;
  h1 += (load<u32>(m, 3) >> 2) & M26;
  h2 += (load<u32>(m, 6) >> 4) & M26;
  h3 += (load<u32>(m, 9) >> 6) & M26;
  h4 += (load<u32>(m, 12) >> 8) | hibit;
  const s1 = <u64>(r1 * 5), s2 = <u64>(r2 * 5), s3 = <u64>(r3 * 5), s4 = <u64>(r4 * 5);
  const a0 = <u64>h0, a1 = <u64>h1, a2 = <u64>h2, a3 = <u64>h3, a4 = <u64>h4;
  const d0 = a0 * <u64>r0 + a1 * s4 + a2 * s3 + a3 * s2 + a4 * s1;
  let d1 = a0 * <u64>r1 + a1 * <u64>r0 + a2 * s4 + a3 * s3 + a4 * s2;
  let d2 = a0 * <u64>r2 + a1 * <u64>r1 + a2 * <u64>r0 + a3 * s4 + a4 * s3;
  let d3 = a0 * <u64>r3 + a1 * <u64>r2 + a2 * <u64>r1 + a3 * <u64>r0 + a4 * s4;
  let d4 = a0 * <u64>r4 + a1 * <u64>r3 + a2 * <u64>r2 + a3 * <u64>r1 + a4 * <u64>r0;
  // Carry chain; 2^130 ≡ 5, so the top carry re-enters limb 0 times 5.
  h0 = <u32>d0 & M26; d1 += d0 >> 26;
  h1 = <u32>d1 & M26; d2 += d1 >> 26;
  h2 = <u32>d2 & M26; d3 += d2 >> 26;
  h3 = <u32>d3 & M26; d4 += d3 >> 26;
  h4 = <u32>d4 & M26;
  h0 += <u32>(d4 >> 26) * 5;
  h1 += h0 >> 26; h0 &= M26;
}

/** `len` bytes as ceil(len/16) full blocks, the last zero-padded (RFC 8439
 *  §2.8: "padding1/padding2" make AAD and ciphertext whole blocks). */
function polyPadded(p: usize, len: usize): void {
  let i: usize = 0;
  for (; i + 16 <= len; i += 16) polyBlock(p + i, 1 << 24);
  const rest = len - i;
  if (rest != 0) {
    for (let j: usize = 0; j < 16; j++) store<u8>(BLK + j, j < rest ? load<u8>(p + i + j) : 0);
    polyBlock(BLK, 1 << 24);
  }
}

/** Poly1305 message (§2.5.1): the last partial block gets a 1 byte appended
 *  and no 2^128 bit. */
function polyMessage(p: usize, len: usize): void {
  let i: usize = 0;
  for (; i + 16 <= len; i += 16) polyBlock(p + i, 1 << 24);
  const rest = len - i;
  if (rest != 0) {
    for (let j: usize = 0; j < 16; j++) store<u8>(BLK + j, j < rest ? load<u8>(p + i + j) : (j == rest ? 1 : 0));
    polyBlock(BLK, 0);
  }
}

// Full reduction mod 2^130-5, then tag = (h + s) mod 2^128, little-endian.
function polyFinish(s: usize, out: usize): void {
  let c: u32;
  c = h1 >> 26; h1 &= M26; h2 += c;
  c = h2 >> 26; h2 &= M26; h3 += c;
  c = h3 >> 26; h3 &= M26; h4 += c;
  c = h4 >> 26; h4 &= M26; h0 += c * 5;
  c = h0 >> 26; h0 &= M26; h1 += c;
  // g = h + 5 - 2^130; keep g when it does not borrow (h >= p), by mask.
  let g0 = h0 + 5; c = g0 >> 26; g0 &= M26;
  let g1 = h1 + c; c = g1 >> 26; g1 &= M26;
  let g2 = h2 + c; c = g2 >> 26; g2 &= M26;
  let g3 = h3 + c; c = g3 >> 26; g3 &= M26;
  let g4 = h4 + c - (1 << 26);
  const mask: u32 = (g4 >> 31) - 1; // all ones when g4 did not go negative
  const keep = ~mask;
  h0 = (h0 & keep) | (g0 & mask);
  h1 = (h1 & keep) | (g1 & mask);
  h2 = (h2 & keep) | (g2 & mask);
  h3 = (h3 & keep) | (g3 & mask);
  h4 = (h4 & keep) | (g4 & mask);
  const w0 = h0 | (h1 << 26);
  const w1 = (h1 >> 6) | (h2 << 20);
  const w2 = (h2 >> 12) | (h3 << 14);
  const w3 = (h3 >> 18) | (h4 << 8);
  let f: u64 = <u64>w0 + <u64>load<u32>(s);
  store<u32>(out, <u32>f);
  f = <u64>w1 + <u64>load<u32>(s, 4) + (f >> 32);
  store<u32>(out, <u32>f, 4);
  f = <u64>w2 + <u64>load<u32>(s, 8) + (f >> 32);
  store<u32>(out, <u32>f, 8);
  f = <u64>w3 + <u64>load<u32>(s, 12) + (f >> 32);
  store<u32>(out, <u32>f, 12);
}

function polyWipe(): void {
  r0 = 0; r1 = 0; r2 = 0; r3 = 0; r4 = 0;
  h0 = 0; h1 = 0; h2 = 0; h3 = 0; h4 = 0;
  for (let j: usize = 0; j < 64; j += 8) store<u64>(OTK + j, 0);
  store<u64>(BLK, 0); store<u64>(BLK, 0, 8);
}

/** Poly1305 (RFC 8439 §2.5) of msg under the 32-byte one-time key → 16 bytes at out. */
export function poly1305(key: usize, msg: usize, len: usize, out: usize): void {
  polyInit(key);
  polyMessage(msg, len);
  polyFinish(key + 16, out);
  polyWipe();
}

// §2.8: tag over aad ‖ pad16 ‖ ct ‖ pad16 ‖ le64(aadLen) ‖ le64(ctLen), keyed
// by the first 32 bytes of ChaCha20 block 0 (§2.6).
function aeadTag(key: usize, nonce: usize, aad: usize, aadLen: usize, ct: usize, ctLen: usize, out: usize): void {
  chacha20Block(key, nonce, 0, OTK);
  polyInit(OTK);
  polyPadded(aad, aadLen);
  polyPadded(ct, ctLen);
  store<u64>(BLK, <u64>aadLen);
  store<u64>(BLK, <u64>ctLen, 8);
  polyBlock(BLK, 1 << 24);
  polyFinish(OTK + 16, out);
  polyWipe();
}

/**
 * Seal: encrypts `len` bytes of `pt` with ChaCha20 (block counter 1) into
 * `out` and appends the 16-byte tag (out must have len + 16 bytes; out may
 * equal pt, else must not overlap it). Returns CHACHA20_OK or
 * CHACHA20_ERR_COUNTER (message beyond 2^32 blocks; cannot happen below 256 GiB).
 */
export function aeadSeal(key: usize, nonce: usize, aad: usize, aadLen: usize, pt: usize, len: usize, out: usize): i32 {
  const r = chacha20Xor(key, nonce, 1, 0, pt, out, len);
  if (r != CHACHA20_OK) return r;
  aeadTag(key, nonce, aad, aadLen, out, len, out + len);
  return CHACHA20_OK;
}

/**
 * Open: `ctLen` = ciphertext + 16-byte tag. Verifies the tag in constant time
 * first; only when it matches decrypts the ctLen - 16 bytes into `out` (may
 * equal ct) and returns true. Nothing is written otherwise.
 */
export function aeadOpen(key: usize, nonce: usize, aad: usize, aadLen: usize, ct: usize, ctLen: usize, out: usize): bool {
  if (ctLen < 16) return false;
  const len = ctLen - 16;
  aeadTag(key, nonce, aad, aadLen, ct, len, TAG);
  let d: u32 = 0;
  for (let j: usize = 0; j < 16; j++) d |= <u32>(load<u8>(TAG + j) ^ load<u8>(ct + len + j));
  store<u64>(TAG, 0); store<u64>(TAG, 0, 8);
  if (d != 0) return false;
  return chacha20Xor(key, nonce, 1, 0, ct, out, len) == CHACHA20_OK;
}

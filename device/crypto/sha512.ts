// SHA-512 (FIPS 180-4 §6.4) over raw memory, with u64 arithmetic (MVP wasm
// has i64 ops). No allocation: callers own the context memory
// (SHA512_CTX_SIZE bytes, 8-byte aligned preferred); one-shot sha512() uses a
// private static context, wiped after use.
//
// Secret hygiene: loop bounds and branches depend only on lengths (public);
// message bytes flow through adds, rotates and logic ops only. A context that
// absorbed secret data must be wiped with sha512Wipe (HMAC/PBKDF2 do that).

// Context layout (bytes):
//   0..63    H0..H7 (u64, native order)
//   64..191  pending block (128 bytes)
//   192..319 message schedule, a rolling window W[t mod 16] (u64)
//   320..327 total length in bytes (u64; messages stay far below 2^61 bytes)
//   328..331 bytes pending in block (u32), 332..335 padding
export const SHA512_CTX_SIZE: usize = 336;
const CTX_BLOCK: usize = 64;
const CTX_W: usize = 192;
const CTX_LEN: usize = 320;
const CTX_FILL: usize = 328;

// FIPS 180-4 §5.3.5: initial hash value H(0).
const IV: usize = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
], 8);

// FIPS 180-4 §4.2.3: round constants K[0..79].
const K: usize = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
  0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
  0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
  0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
  0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
  0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
  0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
  0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
  0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
  0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
  0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
  0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
  0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
  0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
  0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
], 8);

const ONESHOT_CTX: usize = memory.data(<i32>SHA512_CTX_SIZE, 8);

@inline function rotr64(x: u64, n: u64): u64 {
  return (x >>> n) | (x << (64 - n));
}

export function sha512Init(ctx: usize): void {
  for (let i: usize = 0; i < 64; i += 8) store<u64>(ctx + i, load<u64>(IV + i));
  store<u64>(ctx + CTX_LEN, 0);
  store<u32>(ctx + CTX_FILL, 0);
}

// One compression of the 128-byte block at `block` into the state of `ctx`.
// FIPS 180-4 §6.4.2, with the 80-word schedule kept as a 16-word window:
// W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], all indices mod 16.
function compress(ctx: usize, block: usize): void {
  const w = ctx + CTX_W;
  let a = load<u64>(ctx), b = load<u64>(ctx, 8), c = load<u64>(ctx, 16), d = load<u64>(ctx, 24);
  let e = load<u64>(ctx, 32), f = load<u64>(ctx, 40), g = load<u64>(ctx, 48), h = load<u64>(ctx, 56);
  for (let t: usize = 0; t < 80; t++) {
    const slot = w + ((t & 15) << 3);
    let wt: u64;
    if (t < 16) {
      wt = bswap<u64>(load<u64>(block + (t << 3)));
    } else {
      const w15 = load<u64>(w + (((t - 15) & 15) << 3));
      const w2 = load<u64>(w + (((t - 2) & 15) << 3));
      const s0 = rotr64(w15, 1) ^ rotr64(w15, 8) ^ (w15 >>> 7);
      const s1 = rotr64(w2, 19) ^ rotr64(w2, 61) ^ (w2 >>> 6);
      wt = load<u64>(slot) + s0 + load<u64>(w + (((t - 7) & 15) << 3)) + s1;
    }
    store<u64>(slot, wt);
    const S1 = rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41);
    const ch = (e & f) ^ (~e & g);
    const t1 = h + S1 + ch + load<u64>(K + (t << 3)) + wt;
    const S0 = rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = S0 + maj;
    h = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  store<u64>(ctx, load<u64>(ctx) + a);
  store<u64>(ctx, load<u64>(ctx, 8) + b, 8);
  store<u64>(ctx, load<u64>(ctx, 16) + c, 16);
  store<u64>(ctx, load<u64>(ctx, 24) + d, 24);
  store<u64>(ctx, load<u64>(ctx, 32) + e, 32);
  store<u64>(ctx, load<u64>(ctx, 40) + f, 40);
  store<u64>(ctx, load<u64>(ctx, 48) + g, 48);
  store<u64>(ctx, load<u64>(ctx, 56) + h, 56);
}

export function sha512Update(ctx: usize, data: usize, len: usize): void {
  store<u64>(ctx + CTX_LEN, load<u64>(ctx + CTX_LEN) + <u64>len);
  let fill = <usize>load<u32>(ctx + CTX_FILL);
  const blk = ctx + CTX_BLOCK;
  if (fill > 0) {
    while (len > 0 && fill < 128) {
      store<u8>(blk + fill, load<u8>(data));
      fill++; data++; len--;
    }
    if (fill < 128) {
      store<u32>(ctx + CTX_FILL, <u32>fill);
      return;
    }
    compress(ctx, blk);
    fill = 0;
  }
  while (len >= 128) {
    compress(ctx, data);
    data += 128; len -= 128;
  }
  while (len > 0) {
    store<u8>(blk + fill, load<u8>(data));
    fill++; data++; len--;
  }
  store<u32>(ctx + CTX_FILL, <u32>fill);
}

// Writes the 64-byte digest to `out` (out may alias the message, not ctx).
// The context is spent (re-init, or restore a copy, to use it again).
export function sha512Final(ctx: usize, out: usize): void {
  const len = load<u64>(ctx + CTX_LEN);
  const blk = ctx + CTX_BLOCK;
  let fill = <usize>load<u32>(ctx + CTX_FILL);
  // FIPS 180-4 §5.1.2: append bit 1, zeros, then the 128-bit big-endian
  // message length in bits, so that the padded length is a multiple of 1024.
  store<u8>(blk + fill, 0x80);
  fill++;
  if (fill > 112) {
    while (fill < 128) { store<u8>(blk + fill, 0); fill++; }
    compress(ctx, blk);
    fill = 0;
  }
  while (fill < 112) { store<u8>(blk + fill, 0); fill++; }
  store<u64>(blk + 112, bswap<u64>(len >>> 61));
  store<u64>(blk + 120, bswap<u64>(len << 3));
  compress(ctx, blk);
  for (let i: usize = 0; i < 64; i += 8) store<u64>(out + i, bswap<u64>(load<u64>(ctx + i)));
}

// Copies a context's state (H, length, and the pending bytes only), e.g. to
// reuse a keyed HMAC prefix. dst and src must not overlap.
export function sha512Copy(dst: usize, src: usize): void {
  for (let i: usize = 0; i < 64; i += 8) store<u64>(dst + i, load<u64>(src + i));
  store<u64>(dst + CTX_LEN, load<u64>(src + CTX_LEN));
  const fill = <usize>load<u32>(src + CTX_FILL);
  store<u32>(dst + CTX_FILL, <u32>fill);
  for (let i: usize = 0; i < fill; i++) store<u8>(dst + CTX_BLOCK + i, load<u8>(src + CTX_BLOCK + i));
}

// Zeroes a whole context (state, pending block, schedule).
export function sha512Wipe(ctx: usize): void {
  for (let i: usize = 0; i < SHA512_CTX_SIZE; i += 4) store<u32>(ctx + i, 0);
}

// One-shot SHA-512(data) -> out (64 bytes).
export function sha512(data: usize, len: usize, out: usize): void {
  sha512Init(ONESHOT_CTX);
  sha512Update(ONESHOT_CTX, data, len);
  sha512Final(ONESHOT_CTX, out);
  sha512Wipe(ONESHOT_CTX);
}

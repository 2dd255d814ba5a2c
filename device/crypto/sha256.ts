// SHA-256 (FIPS 180-4) over raw memory. No allocation: callers own the context
// memory (SHA256_CTX_SIZE bytes), one-shot sha256() uses a private static context.

// Context layout (bytes):
//   0..31   H0..H7 (u32, native order)
//   32..95  pending block (64 bytes)
//   96..103 total length in bytes (u64)
//   104..107 bytes pending in block (u32)
//   108..363 message schedule W[0..63] (u32)
export const SHA256_CTX_SIZE: usize = 364;
const CTX_H: usize = 0;
const CTX_BLOCK: usize = 32;
const CTX_LEN: usize = 96;
const CTX_FILL: usize = 104;
const CTX_W: usize = 108;

// Round constants K[0..63] (FIPS 180-4 §4.2.2).
const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const ONESHOT_CTX: usize = memory.data(<i32>SHA256_CTX_SIZE);

@inline function rotr(x: u32, n: u32): u32 {
  return (x >>> n) | (x << (32 - n));
}

@inline function loadBE32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline function storeBE32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

export function sha256Init(ctx: usize): void {
  store<u32>(ctx + CTX_H, 0x6a09e667);
  store<u32>(ctx + CTX_H + 4, 0xbb67ae85);
  store<u32>(ctx + CTX_H + 8, 0x3c6ef372);
  store<u32>(ctx + CTX_H + 12, 0xa54ff53a);
  store<u32>(ctx + CTX_H + 16, 0x510e527f);
  store<u32>(ctx + CTX_H + 20, 0x9b05688c);
  store<u32>(ctx + CTX_H + 24, 0x1f83d9ab);
  store<u32>(ctx + CTX_H + 28, 0x5be0cd19);
  store<u64>(ctx + CTX_LEN, 0);
  store<u32>(ctx + CTX_FILL, 0);
}

// One compression of the 64-byte block at `block` into the state of `ctx`.
function compress(ctx: usize, block: usize): void {
  const w = ctx + CTX_W;
  for (let i: usize = 0; i < 16; i++) {
    store<u32>(w + (i << 2), loadBE32(block + (i << 2)));
  }
  for (let i: usize = 16; i < 64; i++) {
    const w15 = load<u32>(w + ((i - 15) << 2));
    const w2 = load<u32>(w + ((i - 2) << 2));
    const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
    store<u32>(w + (i << 2), load<u32>(w + ((i - 16) << 2)) + s0 + load<u32>(w + ((i - 7) << 2)) + s1);
  }
  let a = load<u32>(ctx), b = load<u32>(ctx, 4), c = load<u32>(ctx, 8), d = load<u32>(ctx, 12);
  let e = load<u32>(ctx, 16), f = load<u32>(ctx, 20), g = load<u32>(ctx, 24), h = load<u32>(ctx, 28);
  for (let i: usize = 0; i < 64; i++) {
    const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const ch = (e & f) ^ (~e & g);
    const t1 = h + S1 + ch + load<u32>(K + (i << 2)) + load<u32>(w + (i << 2));
    const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = S0 + maj;
    h = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(ctx, load<u32>(ctx) + a);
  store<u32>(ctx, load<u32>(ctx, 4) + b, 4);
  store<u32>(ctx, load<u32>(ctx, 8) + c, 8);
  store<u32>(ctx, load<u32>(ctx, 12) + d, 12);
  store<u32>(ctx, load<u32>(ctx, 16) + e, 16);
  store<u32>(ctx, load<u32>(ctx, 20) + f, 20);
  store<u32>(ctx, load<u32>(ctx, 24) + g, 24);
  store<u32>(ctx, load<u32>(ctx, 28) + h, 28);
}

export function sha256Update(ctx: usize, data: usize, len: usize): void {
  store<u64>(ctx + CTX_LEN, load<u64>(ctx + CTX_LEN) + <u64>len);
  let fill = <usize>load<u32>(ctx + CTX_FILL);
  const blk = ctx + CTX_BLOCK;
  if (fill > 0) {
    while (len > 0 && fill < 64) {
      store<u8>(blk + fill, load<u8>(data));
      fill++; data++; len--;
    }
    if (fill < 64) {
      store<u32>(ctx + CTX_FILL, <u32>fill);
      return;
    }
    compress(ctx, blk);
    fill = 0;
  }
  while (len >= 64) {
    compress(ctx, data);
    data += 64; len -= 64;
  }
  while (len > 0) {
    store<u8>(blk + fill, load<u8>(data));
    fill++; data++; len--;
  }
  store<u32>(ctx + CTX_FILL, <u32>fill);
}

// Writes the 32-byte digest to `out` (which may alias nothing in ctx). ctx is spent.
export function sha256Final(ctx: usize, out: usize): void {
  const bits = load<u64>(ctx + CTX_LEN) << 3;
  const blk = ctx + CTX_BLOCK;
  let fill = <usize>load<u32>(ctx + CTX_FILL);
  store<u8>(blk + fill, 0x80);
  fill++;
  if (fill > 56) {
    while (fill < 64) { store<u8>(blk + fill, 0); fill++; }
    compress(ctx, blk);
    fill = 0;
  }
  while (fill < 56) { store<u8>(blk + fill, 0); fill++; }
  store<u64>(blk + 56, bswap<u64>(bits));
  compress(ctx, blk);
  for (let i: usize = 0; i < 8; i++) {
    storeBE32(out + (i << 2), load<u32>(ctx + (i << 2)));
  }
}

// Copies a context (to reuse a precomputed prefix state, e.g. a tagged-hash midstate).
export function sha256Copy(dst: usize, src: usize): void {
  for (let i: usize = 0; i < 108; i += 4) store<u32>(dst + i, load<u32>(src + i));
}

export function sha256(data: usize, len: usize, out: usize): void {
  sha256Init(ONESHOT_CTX);
  sha256Update(ONESHOT_CTX, data, len);
  sha256Final(ONESHOT_CTX, out);
}

// secp256k1 base field GF(p), p = 2^256 - 2^32 - 977, in 10 limbs of 26 bits
// (limb i has weight 2^(26*i); limb 9 holds the top 22 bits when normalized).
// An element lives in memory: 10 x u32 at a pointer (FE_SIZE = 40 bytes).
// Products are formed in u64 columns (see docs/firmware/secp256k1.md).
//
// Magnitude (as tracked by callers): an element has magnitude m when limbs 0..8
// are <= 2m*(2^26-1) and limb 9 <= 2m*(2^22-1). feMul/feSqr accept magnitude
// <= 8 (every limb < 2^30, so a 10-term column of products stays < 2^64) and
// return magnitude 1; feAdd adds magnitudes; feNeg(a, m) returns m+1.
// Everything here is constant time: no branch or memory index depends on the
// value of an element, except the functions whose name ends in Var.

export const FE_SIZE: usize = 40;

const M26: u64 = 0x3FFFFFF;
const M22: u64 = 0x3FFFFF;
const R0: u64 = 0x3D10; // 2^260 = R0 + R1*2^26 (mod p)
const R1: u64 = 0x400;

// Limbs of p.
const P0: u32 = 0x3FFFC2F;
const P1: u32 = 0x3FFFFBF;
const PM: u32 = 0x3FFFFFF;
const P9: u32 = 0x3FFFFF;

// Last step shared by feMul and feSqr: `t` holds column 9 (limb 9 keeps 22
// bits), `h` the carry d19; folds everything >= 2^256 back into limbs 0..3
// (2^256 = 0x1000003D1 mod p) and stores the 10 limbs. Inlined: no call cost.
@inline function finishProduct(
  r: usize, t: u64, h: u64,
  r0: u64, r1: u64, r2: u64, r3: u64, r4: u64, r5: u64, r6: u64, r7: u64, r8: u64,
): void {
  const r9 = t & M22;
  // Bits >= 2^256: t >> 22, and d19*R1 at 2^260 = 16 * 2^256; 2^256 = 0x1000003D1 (mod p).
  const top = (t >> 22) + ((h * R1) << 4);
  t = r0 + top * 0x3D1;
  store<u32>(r, <u32>(t & M26));
  t = r1 + (top << 6) + (t >> 26);
  store<u32>(r, <u32>(t & M26), 4);
  t = r2 + (t >> 26);
  store<u32>(r, <u32>(t & M26), 8);
  store<u32>(r, <u32>(r3 + (t >> 26)), 12);
  store<u32>(r, <u32>r4, 16);
  store<u32>(r, <u32>r5, 20);
  store<u32>(r, <u32>r6, 24);
  store<u32>(r, <u32>r7, 28);
  store<u32>(r, <u32>r8, 32);
  store<u32>(r, <u32>r9, 36);
}

// Multiplication in one sweep: low column j and high column j+10 are formed
// together; the high digit (with its carry) is folded into the low columns as
// soon as it is known (2^260 = R0 + R1*2^26 mod p), and the low carries run in
// the same sweep. Every partial sum stays below 2^64 for limbs < 2^30.
// r = a * b mod p. Inputs: every limb < 2^30 (magnitude <= 8). Output magnitude 1. r may alias a or b.
export function feMul(r: usize, a: usize, b: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  const a8 = <u64>load<u32>(a, 32);
  const a9 = <u64>load<u32>(a, 36);
  const b0 = <u64>load<u32>(b, 0);
  const b1 = <u64>load<u32>(b, 4);
  const b2 = <u64>load<u32>(b, 8);
  const b3 = <u64>load<u32>(b, 12);
  const b4 = <u64>load<u32>(b, 16);
  const b5 = <u64>load<u32>(b, 20);
  const b6 = <u64>load<u32>(b, 24);
  const b7 = <u64>load<u32>(b, 28);
  const b8 = <u64>load<u32>(b, 32);
  const b9 = <u64>load<u32>(b, 36);
  // j = 0: high digit d10 from column 10; low column 0.
  let h = a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + a9 * b1;
  let d = h & M26; // d10
  h >>= 26;
  let t = a0 * b0 + d * R0;
  const r0 = t & M26;
  t >>= 26;
  let dp = d;
  // j = 1: d11 from column 11 plus carry; low column 1 gets d11*R0 + d10*R1.
  h += a2 * b9 + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + a9 * b2;
  d = h & M26;
  h >>= 26;
  t += a0 * b1 + a1 * b0 + d * R0 + dp * R1;
  const r1 = t & M26;
  t >>= 26;
  dp = d;
  // j = 2: d12 from column 12 plus carry; low column 2 gets d12*R0 + d11*R1.
  h += a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + a9 * b3;
  d = h & M26;
  h >>= 26;
  t += a0 * b2 + a1 * b1 + a2 * b0 + d * R0 + dp * R1;
  const r2 = t & M26;
  t >>= 26;
  dp = d;
  // j = 3: d13 from column 13 plus carry; low column 3 gets d13*R0 + d12*R1.
  h += a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + a9 * b4;
  d = h & M26;
  h >>= 26;
  t += a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + d * R0 + dp * R1;
  const r3 = t & M26;
  t >>= 26;
  dp = d;
  // j = 4: d14 from column 14 plus carry; low column 4 gets d14*R0 + d13*R1.
  h += a5 * b9 + a6 * b8 + a7 * b7 + a8 * b6 + a9 * b5;
  d = h & M26;
  h >>= 26;
  t += a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0 + d * R0 + dp * R1;
  const r4 = t & M26;
  t >>= 26;
  dp = d;
  // j = 5: d15 from column 15 plus carry; low column 5 gets d15*R0 + d14*R1.
  h += a6 * b9 + a7 * b8 + a8 * b7 + a9 * b6;
  d = h & M26;
  h >>= 26;
  t += a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0 + d * R0 + dp * R1;
  const r5 = t & M26;
  t >>= 26;
  dp = d;
  // j = 6: d16 from column 16 plus carry; low column 6 gets d16*R0 + d15*R1.
  h += a7 * b9 + a8 * b8 + a9 * b7;
  d = h & M26;
  h >>= 26;
  t += a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0 + d * R0 + dp * R1;
  const r6 = t & M26;
  t >>= 26;
  dp = d;
  // j = 7: d17 from column 17 plus carry; low column 7 gets d17*R0 + d16*R1.
  h += a8 * b9 + a9 * b8;
  d = h & M26;
  h >>= 26;
  t += a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0 + d * R0 + dp * R1;
  const r7 = t & M26;
  t >>= 26;
  dp = d;
  // j = 8: d18 from column 18 plus carry; low column 8 gets d18*R0 + d17*R1.
  h += a9 * b9;
  d = h & M26;
  h >>= 26;
  t += a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0 + d * R0 + dp * R1;
  const r8 = t & M26;
  t >>= 26;
  dp = d;
  // j = 9: d19 = carry out of column 18 (h); limb 9 keeps 22 bits.
  t += a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + a9 * b0 + h * R0 + dp * R1;
  finishProduct(r, t, h, r0, r1, r2, r3, r4, r5, r6, r7, r8);
}

// r = a^2 mod p. Input: every limb < 2^30 (magnitude <= 8). Output magnitude 1. r may alias a.
export function feSqr(r: usize, a: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  const a8 = <u64>load<u32>(a, 32);
  const a9 = <u64>load<u32>(a, 36);
  const e0 = a0 << 1;
  const e1 = a1 << 1;
  const e2 = a2 << 1;
  const e3 = a3 << 1;
  const e4 = a4 << 1;
  const e5 = a5 << 1;
  const e6 = a6 << 1;
  const e7 = a7 << 1;
  const e8 = a8 << 1;
  // j = 0: high digit d10 from column 10; low column 0.
  let h = e1 * a9 + e2 * a8 + e3 * a7 + e4 * a6 + a5 * a5;
  let d = h & M26; // d10
  h >>= 26;
  let t = a0 * a0 + d * R0;
  const r0 = t & M26;
  t >>= 26;
  let dp = d;
  // j = 1: d11 from column 11 plus carry; low column 1 gets d11*R0 + d10*R1.
  h += e2 * a9 + e3 * a8 + e4 * a7 + e5 * a6;
  d = h & M26;
  h >>= 26;
  t += e0 * a1 + d * R0 + dp * R1;
  const r1 = t & M26;
  t >>= 26;
  dp = d;
  // j = 2: d12 from column 12 plus carry; low column 2 gets d12*R0 + d11*R1.
  h += e3 * a9 + e4 * a8 + e5 * a7 + a6 * a6;
  d = h & M26;
  h >>= 26;
  t += e0 * a2 + a1 * a1 + d * R0 + dp * R1;
  const r2 = t & M26;
  t >>= 26;
  dp = d;
  // j = 3: d13 from column 13 plus carry; low column 3 gets d13*R0 + d12*R1.
  h += e4 * a9 + e5 * a8 + e6 * a7;
  d = h & M26;
  h >>= 26;
  t += e0 * a3 + e1 * a2 + d * R0 + dp * R1;
  const r3 = t & M26;
  t >>= 26;
  dp = d;
  // j = 4: d14 from column 14 plus carry; low column 4 gets d14*R0 + d13*R1.
  h += e5 * a9 + e6 * a8 + a7 * a7;
  d = h & M26;
  h >>= 26;
  t += e0 * a4 + e1 * a3 + a2 * a2 + d * R0 + dp * R1;
  const r4 = t & M26;
  t >>= 26;
  dp = d;
  // j = 5: d15 from column 15 plus carry; low column 5 gets d15*R0 + d14*R1.
  h += e6 * a9 + e7 * a8;
  d = h & M26;
  h >>= 26;
  t += e0 * a5 + e1 * a4 + e2 * a3 + d * R0 + dp * R1;
  const r5 = t & M26;
  t >>= 26;
  dp = d;
  // j = 6: d16 from column 16 plus carry; low column 6 gets d16*R0 + d15*R1.
  h += e7 * a9 + a8 * a8;
  d = h & M26;
  h >>= 26;
  t += e0 * a6 + e1 * a5 + e2 * a4 + a3 * a3 + d * R0 + dp * R1;
  const r6 = t & M26;
  t >>= 26;
  dp = d;
  // j = 7: d17 from column 17 plus carry; low column 7 gets d17*R0 + d16*R1.
  h += e8 * a9;
  d = h & M26;
  h >>= 26;
  t += e0 * a7 + e1 * a6 + e2 * a5 + e3 * a4 + d * R0 + dp * R1;
  const r7 = t & M26;
  t >>= 26;
  dp = d;
  // j = 8: d18 from column 18 plus carry; low column 8 gets d18*R0 + d17*R1.
  h += a9 * a9;
  d = h & M26;
  h >>= 26;
  t += e0 * a8 + e1 * a7 + e2 * a6 + e3 * a5 + a4 * a4 + d * R0 + dp * R1;
  const r8 = t & M26;
  t >>= 26;
  dp = d;
  // j = 9: d19 = carry out of column 18 (h); limb 9 keeps 22 bits.
  t += e0 * a9 + e1 * a8 + e2 * a7 + e3 * a6 + e4 * a5 + h * R0 + dp * R1;
  finishProduct(r, t, h, r0, r1, r2, r3, r4, r5, r6, r7, r8);
}


export function feSetInt(r: usize, v: u32): void {
  store<u32>(r, v);
  for (let i: usize = 4; i < 40; i += 4) store<u32>(r + i, 0);
}

export function feCopy(r: usize, a: usize): void {
  store<u64>(r, load<u64>(a)); store<u64>(r, load<u64>(a, 8), 8); store<u64>(r, load<u64>(a, 16), 16);
  store<u64>(r, load<u64>(a, 24), 24); store<u64>(r, load<u64>(a, 32), 32);
}

// r = a + b (magnitudes add).
export function feAdd(r: usize, a: usize, b: usize): void {
  store<u32>(r, load<u32>(a, 0) + load<u32>(b, 0), 0);
  store<u32>(r, load<u32>(a, 4) + load<u32>(b, 4), 4);
  store<u32>(r, load<u32>(a, 8) + load<u32>(b, 8), 8);
  store<u32>(r, load<u32>(a, 12) + load<u32>(b, 12), 12);
  store<u32>(r, load<u32>(a, 16) + load<u32>(b, 16), 16);
  store<u32>(r, load<u32>(a, 20) + load<u32>(b, 20), 20);
  store<u32>(r, load<u32>(a, 24) + load<u32>(b, 24), 24);
  store<u32>(r, load<u32>(a, 28) + load<u32>(b, 28), 28);
  store<u32>(r, load<u32>(a, 32) + load<u32>(b, 32), 32);
  store<u32>(r, load<u32>(a, 36) + load<u32>(b, 36), 36);
}

// r = a * k for a small k (magnitude times k).
export function feMulInt(r: usize, a: usize, k: u32): void {
  store<u32>(r, load<u32>(a, 0) * k, 0);
  store<u32>(r, load<u32>(a, 4) * k, 4);
  store<u32>(r, load<u32>(a, 8) * k, 8);
  store<u32>(r, load<u32>(a, 12) * k, 12);
  store<u32>(r, load<u32>(a, 16) * k, 16);
  store<u32>(r, load<u32>(a, 20) * k, 20);
  store<u32>(r, load<u32>(a, 24) * k, 24);
  store<u32>(r, load<u32>(a, 28) * k, 28);
  store<u32>(r, load<u32>(a, 32) * k, 32);
  store<u32>(r, load<u32>(a, 36) * k, 36);
}

// r = -a, for a of magnitude <= m (m <= 31): r = 2(m+1)p - a, magnitude m+1.
export function feNeg(r: usize, a: usize, m: u32): void {
  const k = (m + 1) << 1;
  const p0 = P0 * k, p1 = P1 * k, pm = PM * k, p9 = P9 * k;
  store<u32>(r, p0 - load<u32>(a, 0), 0);
  store<u32>(r, p1 - load<u32>(a, 4), 4);
  store<u32>(r, pm - load<u32>(a, 8), 8);
  store<u32>(r, pm - load<u32>(a, 12), 12);
  store<u32>(r, pm - load<u32>(a, 16), 16);
  store<u32>(r, pm - load<u32>(a, 20), 20);
  store<u32>(r, pm - load<u32>(a, 24), 24);
  store<u32>(r, pm - load<u32>(a, 28), 28);
  store<u32>(r, pm - load<u32>(a, 32), 32);
  store<u32>(r, p9 - load<u32>(a, 36), 36);
}

// r = a - b where b has magnitude <= mb.
export function feSub(r: usize, a: usize, b: usize, mb: u32): void {
  const k = (mb + 1) << 1;
  const p0 = P0 * k, p1 = P1 * k, pm = PM * k, p9 = P9 * k;
  store<u32>(r, load<u32>(a, 0) + p0 - load<u32>(b, 0), 0);
  store<u32>(r, load<u32>(a, 4) + p1 - load<u32>(b, 4), 4);
  store<u32>(r, load<u32>(a, 8) + pm - load<u32>(b, 8), 8);
  store<u32>(r, load<u32>(a, 12) + pm - load<u32>(b, 12), 12);
  store<u32>(r, load<u32>(a, 16) + pm - load<u32>(b, 16), 16);
  store<u32>(r, load<u32>(a, 20) + pm - load<u32>(b, 20), 20);
  store<u32>(r, load<u32>(a, 24) + pm - load<u32>(b, 24), 24);
  store<u32>(r, load<u32>(a, 28) + pm - load<u32>(b, 28), 28);
  store<u32>(r, load<u32>(a, 32) + pm - load<u32>(b, 32), 32);
  store<u32>(r, load<u32>(a, 36) + p9 - load<u32>(b, 36), 36);
}

// Carries and folds the bits above 2^256 once: any input whose limbs fit in
// u32 becomes magnitude 1 (same value mod p). In place.
export function feNormalizeWeak(r: usize): void {
  let t0 = <u64>load<u32>(r), t1 = <u64>load<u32>(r, 4), t2 = <u64>load<u32>(r, 8);
  let t3 = <u64>load<u32>(r, 12), t4 = <u64>load<u32>(r, 16), t5 = <u64>load<u32>(r, 20);
  let t6 = <u64>load<u32>(r, 24), t7 = <u64>load<u32>(r, 28), t8 = <u64>load<u32>(r, 32);
  let t9 = <u64>load<u32>(r, 36);
  const x = t9 >> 22; t9 &= M22;
  t0 += x * 0x3D1; t1 += x << 6;
  t1 += t0 >> 26; t0 &= M26;
  t2 += t1 >> 26; t1 &= M26;
  t3 += t2 >> 26; t2 &= M26;
  t4 += t3 >> 26; t3 &= M26;
  t5 += t4 >> 26; t4 &= M26;
  t6 += t5 >> 26; t5 &= M26;
  t7 += t6 >> 26; t6 &= M26;
  t8 += t7 >> 26; t7 &= M26;
  t9 += t8 >> 26; t8 &= M26;
  store<u32>(r, <u32>t0); store<u32>(r, <u32>t1, 4); store<u32>(r, <u32>t2, 8);
  store<u32>(r, <u32>t3, 12); store<u32>(r, <u32>t4, 16); store<u32>(r, <u32>t5, 20);
  store<u32>(r, <u32>t6, 24); store<u32>(r, <u32>t7, 28); store<u32>(r, <u32>t8, 32);
  store<u32>(r, <u32>t9, 36);
}

// Full normalization in constant time: r becomes the unique representative
// in [0, p) with limbs 0..8 < 2^26 and limb 9 < 2^22. In place.
export function feNormalize(r: usize): void {
  let t0 = <u64>load<u32>(r), t1 = <u64>load<u32>(r, 4), t2 = <u64>load<u32>(r, 8);
  let t3 = <u64>load<u32>(r, 12), t4 = <u64>load<u32>(r, 16), t5 = <u64>load<u32>(r, 20);
  let t6 = <u64>load<u32>(r, 24), t7 = <u64>load<u32>(r, 28), t8 = <u64>load<u32>(r, 32);
  let t9 = <u64>load<u32>(r, 36);
  // Pass 1: value becomes < 2^256 + 2^44.
  let x = t9 >> 22; t9 &= M22;
  t0 += x * 0x3D1; t1 += x << 6;
  t1 += t0 >> 26; t0 &= M26;
  t2 += t1 >> 26; t1 &= M26;
  t3 += t2 >> 26; t2 &= M26;
  t4 += t3 >> 26; t3 &= M26;
  t5 += t4 >> 26; t4 &= M26;
  t6 += t5 >> 26; t5 &= M26;
  t7 += t6 >> 26; t6 &= M26;
  t8 += t7 >> 26; t7 &= M26;
  t9 += t8 >> 26; t8 &= M26;
  // Pass 2: fold the (0 or 1) bit at 2^256 again; now value < 2^256.
  x = t9 >> 22; t9 &= M22;
  t0 += x * 0x3D1; t1 += x << 6;
  t1 += t0 >> 26; t0 &= M26;
  t2 += t1 >> 26; t1 &= M26;
  t3 += t2 >> 26; t2 &= M26;
  t4 += t3 >> 26; t3 &= M26;
  t5 += t4 >> 26; t4 &= M26;
  t6 += t5 >> 26; t5 &= M26;
  t7 += t6 >> 26; t6 &= M26;
  t8 += t7 >> 26; t7 &= M26;
  t9 += t8 >> 26; t8 &= M26;
  // Pass 3: u = t + (2^256 - p); u reaches 2^256 exactly when t >= p, and
  // then u - 2^256 = t - p. Select without branching.
  let u0 = t0 + 0x3D1;
  let u1 = t1 + 0x40 + (u0 >> 26); u0 &= M26;
  let u2 = t2 + (u1 >> 26); u1 &= M26;
  let u3 = t3 + (u2 >> 26); u2 &= M26;
  let u4 = t4 + (u3 >> 26); u3 &= M26;
  let u5 = t5 + (u4 >> 26); u4 &= M26;
  let u6 = t6 + (u5 >> 26); u5 &= M26;
  let u7 = t7 + (u6 >> 26); u6 &= M26;
  let u8 = t8 + (u7 >> 26); u7 &= M26;
  let u9 = t9 + (u8 >> 26); u8 &= M26;
  const ge = u9 >> 22; // 1 when t >= p
  u9 &= M22;
  const mu: u64 = 0 - ge, mt = ~mu;
  store<u32>(r, <u32>((t0 & mt) | (u0 & mu)));
  store<u32>(r, <u32>((t1 & mt) | (u1 & mu)), 4);
  store<u32>(r, <u32>((t2 & mt) | (u2 & mu)), 8);
  store<u32>(r, <u32>((t3 & mt) | (u3 & mu)), 12);
  store<u32>(r, <u32>((t4 & mt) | (u4 & mu)), 16);
  store<u32>(r, <u32>((t5 & mt) | (u5 & mu)), 20);
  store<u32>(r, <u32>((t6 & mt) | (u6 & mu)), 24);
  store<u32>(r, <u32>((t7 & mt) | (u7 & mu)), 28);
  store<u32>(r, <u32>((t8 & mt) | (u8 & mu)), 32);
  store<u32>(r, <u32>((t9 & mt) | (u9 & mu)), 36);
}

// 1 when a = 0 (mod p), else 0. Constant time; a is not modified. One carry
// pass brings the value below 2^256 + 2^44 < 2p, so it is 0 mod p exactly when
// it equals 0 or p.
export function feIsZero(a: usize): u32 {
  let t0 = <u64>load<u32>(a), t1 = <u64>load<u32>(a, 4), t2 = <u64>load<u32>(a, 8);
  let t3 = <u64>load<u32>(a, 12), t4 = <u64>load<u32>(a, 16), t5 = <u64>load<u32>(a, 20);
  let t6 = <u64>load<u32>(a, 24), t7 = <u64>load<u32>(a, 28), t8 = <u64>load<u32>(a, 32);
  let t9 = <u64>load<u32>(a, 36);
  const x = t9 >> 22; t9 &= M22;
  t0 += x * 0x3D1; t1 += x << 6;
  t1 += t0 >> 26; t0 &= M26;
  t2 += t1 >> 26; t1 &= M26;
  t3 += t2 >> 26; t2 &= M26;
  t4 += t3 >> 26; t3 &= M26;
  t5 += t4 >> 26; t4 &= M26;
  t6 += t5 >> 26; t5 &= M26;
  t7 += t6 >> 26; t6 &= M26;
  t8 += t7 >> 26; t7 &= M26;
  t9 += t8 >> 26; t8 &= M26;
  const z = t0 | t1 | t2 | t3 | t4 | t5 | t6 | t7 | t8 | t9;
  const q = (t0 ^ <u64>P0) | (t1 ^ <u64>P1) | (t2 ^ <u64>PM) | (t3 ^ <u64>PM) | (t4 ^ <u64>PM) |
    (t5 ^ <u64>PM) | (t6 ^ <u64>PM) | (t7 ^ <u64>PM) | (t8 ^ <u64>PM) | (t9 ^ <u64>P9);
  // Constant time: z and q are below 2^27, so (v - 1) >> 63 is 1 exactly when
  // v = 0. Written as `(z == 0) | (q == 0)` binaryen turned it into a branch
  // on z (test/firmware-constant-time.test.ts).
  return <u32>(((z - 1) | (q - 1)) >> 63);
}

// Parity of a normalized element.
@inline export function feIsOdd(a: usize): u32 {
  return load<u32>(a) & 1;
}

// 1 when a = b (mod p). Constant time. Neither input is modified.
const TE: usize = memory.data(40, 8);
export function feEqual(a: usize, b: usize): u32 {
  feSub(TE, a, b, 8);
  return feIsZero(TE);
}

// r = flag ? a : r, flag in {0, 1}, without branching.
export function feCmov(r: usize, a: usize, flag: u32): void {
  const m: u64 = 0 - <u64>flag, k = ~m;
  store<u64>(r, (load<u64>(r, 0) & k) | (load<u64>(a, 0) & m), 0);
  store<u64>(r, (load<u64>(r, 8) & k) | (load<u64>(a, 8) & m), 8);
  store<u64>(r, (load<u64>(r, 16) & k) | (load<u64>(a, 16) & m), 16);
  store<u64>(r, (load<u64>(r, 24) & k) | (load<u64>(a, 24) & m), 24);
  store<u64>(r, (load<u64>(r, 32) & k) | (load<u64>(a, 32) & m), 32);
}

// Limbs from eight little-endian 32-bit words w0..w7 (w0 least significant).
@inline function setWords(r: usize, w0: u32, w1: u32, w2: u32, w3: u32, w4: u32, w5: u32, w6: u32, w7: u32): void {
  const m: u32 = 0x3FFFFFF;
  store<u32>(r, w0 & m);
  store<u32>(r, (w0 >>> 26) | ((w1 << 6) & m), 4);
  store<u32>(r, (w1 >>> 20) | ((w2 << 12) & m), 8);
  store<u32>(r, (w2 >>> 14) | ((w3 << 18) & m), 12);
  store<u32>(r, (w3 >>> 8) | ((w4 << 24) & m), 16);
  store<u32>(r, (w4 >>> 2) & m, 20);
  store<u32>(r, (w4 >>> 28) | ((w5 << 4) & m), 24);
  store<u32>(r, (w5 >>> 22) | ((w6 << 10) & m), 28);
  store<u32>(r, (w6 >>> 16) | ((w7 << 16) & m), 32);
  store<u32>(r, w7 >>> 10, 36);
}

// Storage form: the normalized value as 8 little-endian u32 words (32 bytes).
export function feFromStorage(r: usize, s: usize): void {
  setWords(r, load<u32>(s), load<u32>(s, 4), load<u32>(s, 8), load<u32>(s, 12),
    load<u32>(s, 16), load<u32>(s, 20), load<u32>(s, 24), load<u32>(s, 28));
}

// a must be normalized.
export function feToStorage(s: usize, a: usize): void {
  const l0 = load<u32>(a), l1 = load<u32>(a, 4), l2 = load<u32>(a, 8), l3 = load<u32>(a, 12);
  const l4 = load<u32>(a, 16), l5 = load<u32>(a, 20), l6 = load<u32>(a, 24), l7 = load<u32>(a, 28);
  const l8 = load<u32>(a, 32), l9 = load<u32>(a, 36);
  store<u32>(s, l0 | (l1 << 26));
  store<u32>(s, (l1 >>> 6) | (l2 << 20), 4);
  store<u32>(s, (l2 >>> 12) | (l3 << 14), 8);
  store<u32>(s, (l3 >>> 18) | (l4 << 8), 12);
  store<u32>(s, (l4 >>> 24) | (l5 << 2) | (l6 << 28), 16);
  store<u32>(s, (l6 >>> 4) | (l7 << 22), 20);
  store<u32>(s, (l7 >>> 10) | (l8 << 16), 24);
  store<u32>(s, (l8 >>> 16) | (l9 << 10), 28);
}

@inline function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

// Reads 32 big-endian bytes. Returns 1 when the value is < p (then r holds it,
// normalized), 0 when it is >= p (r then holds the value reduced mod p).
// Constant time.
export function feSetB32(r: usize, b: usize): u32 {
  const w0 = be32(b + 28), w1 = be32(b + 24), w2 = be32(b + 20), w3 = be32(b + 16);
  const w4 = be32(b + 12), w5 = be32(b + 8), w6 = be32(b + 4), w7 = be32(b);
  // x >= p  <=>  x + (2^256 - p) carries out of 256 bits; 2^256 - p = 2^32 + 0x3D1.
  let c: u64 = <u64>w0 + 0x3D1;
  c = (c >> 32) + <u64>w1 + 1;
  c = (c >> 32) + <u64>w2;
  c = (c >> 32) + <u64>w3;
  c = (c >> 32) + <u64>w4;
  c = (c >> 32) + <u64>w5;
  c = (c >> 32) + <u64>w6;
  c = (c >> 32) + <u64>w7;
  const overflow = <u32>(c >> 32);
  setWords(r, w0, w1, w2, w3, w4, w5, w6, w7);
  feNormalize(r);
  return overflow ^ 1;
}

// Writes 32 big-endian bytes of a normalized element.
const TB: usize = memory.data(32, 8);
export function feGetB32(out: usize, a: usize): void {
  feToStorage(TB, a);
  for (let i: usize = 0; i < 8; i++) store<u32>(out + 28 - (i << 2), bswap<u32>(load<u32>(TB + (i << 2))));
}

// r = a^(2^n) (n squarings).
function feSqrN(r: usize, a: usize, n: i32): void {
  feSqr(r, a);
  for (let i = 1; i < n; i++) feSqr(r, r);
}

// Shared prefix of inversion and square root: x2, x3, x22 and x223 hold
// a^(2^k - 1) for k = 2, 3, 22, 223. Fixed sequence of operations.
const X2: usize = memory.data(40, 8);
const X3: usize = memory.data(40, 8);
const X6: usize = memory.data(40, 8);
const X11: usize = memory.data(40, 8);
const X22: usize = memory.data(40, 8);
const X44: usize = memory.data(40, 8);
const X88: usize = memory.data(40, 8);
const XT: usize = memory.data(40, 8);
const XA: usize = memory.data(40, 8);
const SQ: usize = memory.data(40, 8);

function powPrefix(a: usize): void {
  feCopy(XA, a);
  feSqr(X2, XA); feMul(X2, X2, XA);          // 2^2 - 1
  feSqr(X3, X2); feMul(X3, X3, XA);          // 2^3 - 1
  feSqrN(X6, X3, 3); feMul(X6, X6, X3);      // 2^6 - 1
  feSqrN(XT, X6, 3); feMul(XT, XT, X3);      // 2^9 - 1
  feSqrN(X11, XT, 2); feMul(X11, X11, X2);   // 2^11 - 1
  feSqrN(X22, X11, 11); feMul(X22, X22, X11);// 2^22 - 1
  feSqrN(X44, X22, 22); feMul(X44, X44, X22);// 2^44 - 1
  feSqrN(X88, X44, 44); feMul(X88, X88, X44);// 2^88 - 1
  feSqrN(XT, X88, 88); feMul(XT, XT, X88);   // 2^176 - 1
  feSqrN(XT, XT, 44); feMul(XT, XT, X44);    // 2^220 - 1
  feSqrN(XT, XT, 3); feMul(XT, XT, X3);      // 2^223 - 1
}

// Zeroes the static temporaries of inversion and square root.
export function feWipeScratch(): void {
  wipe40(X2); wipe40(X3); wipe40(X6); wipe40(X11); wipe40(X22); wipe40(X44); wipe40(X88); wipe40(XT);
  wipe40(XA); wipe40(SQ); wipe40(TE); wipe40(TB);
}

@inline function wipe40(p: usize): void {
  store<u64>(p, 0); store<u64>(p, 0, 8); store<u64>(p, 0, 16); store<u64>(p, 0, 24); store<u64>(p, 0, 32);
}

// r = a^(p-2) = 1/a (0 maps to 0). Constant time (Fermat).
// p - 2 = [223 ones] 0 [22 ones] 0000 1 0 11 0 1.
export function feInv(r: usize, a: usize): void {
  powPrefix(a);
  feSqrN(XT, XT, 23); feMul(XT, XT, X22);
  feSqrN(XT, XT, 5); feMul(XT, XT, XA);
  feSqrN(XT, XT, 3); feMul(XT, XT, X2);
  feSqrN(XT, XT, 2); feMul(r, XT, XA);
}

// r = a^((p+1)/4), a square root of a when one exists. Returns 1 when r^2 = a.
// (p+1)/4 = [223 ones] 0 [22 ones] 0000 11 00. Constant time.
export function feSqrt(r: usize, a: usize): u32 {
  powPrefix(a);
  feSqrN(XT, XT, 23); feMul(XT, XT, X22);
  feSqrN(XT, XT, 6); feMul(XT, XT, X2);
  feSqrN(XT, XT, 2);
  feSqr(SQ, XT);
  const ok = feEqual(SQ, XA);
  feCopy(r, XT);
  return ok;
}

// Scalars modulo the group order
//   n = 0xFFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFE BAAEDCE6 AF48A03B BFD25E8C D0364141
// as 8 little-endian u32 words at a pointer (SC_SIZE = 32 bytes), always < n
// unless stated. Everything here is constant time (fixed loops, masks instead
// of branches) except functions whose name ends in Var.

export const SC_SIZE: usize = 32;

// n, and c = 2^256 - n (129 bits), so that 2^256 = c (mod n).
const N: usize = memory.data<u32>([0xD0364141, 0xBFD25E8C, 0xAF48A03B, 0xBAAEDCE6, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF]);
const NC: usize = memory.data<u32>([0x2FC9BEBF, 0x402DA173, 0x50B75FC4, 0x45512319, 0x00000001, 0x00000000, 0x00000000, 0x00000000]);
// floor(n / 2)
const HALFN: usize = memory.data<u32>([0x681B20A0, 0xDFE92F46, 0x57A4501D, 0x5D576E73, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0x7FFFFFFF]);
// 1/2 mod n = (n + 1) / 2
export const SC_INV2: usize = memory.data<u32>([0x681B20A1, 0xDFE92F46, 0x57A4501D, 0x5D576E73, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0x7FFFFFFF]);
// (2^256 - 1) / 2 mod n: offset of the signed-digit recoding of ecmult_gen.
export const SC_GEN_OFFSET: usize = memory.data<u32>([0x97E4DF5F, 0x2016D0B9, 0xA85BAFE2, 0xA2A8918C, 0x00000000, 0x00000000, 0x00000000, 0x00000000]);
// (1 + lambda) * (2^132 - 1 - 2^129) / 2 mod n: offset of the GLV signed-digit
// recoding of ecmult_const (see ecmult-const.ts and docs/firmware/secp256k1.md).
export const SC_CONST_OFFSET: usize = memory.data<u32>([0x53F62C2E, 0xB9A37D99, 0x32DA3575, 0x19F36D7A, 0xCA749C09, 0x990AC3A5, 0x87D71E35, 0xBB58EC9E]);
// 2^128
export const SC_2_128: usize = memory.data<u32>([0, 0, 0, 0, 1, 0, 0, 0]);

// GLV endomorphism: lambda^3 = 1 (mod n), lambda*(x, y) = (beta*x, y).
const LAMBDA: usize = memory.data<u32>([0x1B23BD72, 0xDF02967C, 0x20816678, 0x122E22EA, 0x8812645A, 0xA5261C02, 0xC05C30E0, 0x5363AD4C]);
// Lattice basis (a1, b1), (a2, b2) of {(x, y): x + y*lambda = 0 mod n}:
//   a1 = b2 = 0x3086d221a7d46bcde86c90e49284eb15, b1 = -0xe4437ed6010e88286f547fa90abfe4c3,
//   a2 = 0x114ca50f7a8e2f3f657c1108d9d44cfd8.
// g1 = round(2^384 * b2 / n), g2 = round(2^384 * (-b1) / n), mb1 = -b1, mb2 = -b2 mod n.
const G1: usize = memory.data<u32>([0x45DBB031, 0xE893209A, 0x71E8CA7F, 0x3DAA8A14, 0x9284EB15, 0xE86C90E4, 0xA7D46BCD, 0x3086D221]);
const G2: usize = memory.data<u32>([0x8AC47F71, 0x1571B4AE, 0x9DF506C6, 0x221208AC, 0x0ABFE4C4, 0x6F547FA9, 0x010E8828, 0xE4437ED6]);
const MB1: usize = memory.data<u32>([0x0ABFE4C3, 0x6F547FA9, 0x010E8828, 0xE4437ED6, 0x00000000, 0x00000000, 0x00000000, 0x00000000]);
const MB2: usize = memory.data<u32>([0x3DB1562C, 0xD765CDA8, 0x0774346D, 0x8A280AC5, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF]);

@inline function w(a: usize, i: usize): u64 {
  return <u64>load<u32>(a + (i << 2));
}

export function scCopy(r: usize, a: usize): void {
  for (let i: usize = 0; i < 32; i += 8) store<u64>(r + i, load<u64>(a + i));
}

export function scSetInt(r: usize, v: u32): void {
  store<u32>(r, v);
  for (let i: usize = 4; i < 32; i += 4) store<u32>(r + i, 0);
}

// Zeroes `len` bytes (len a multiple of 4): wipes secrets from scratch memory.
export function wipe(p: usize, len: usize): void {
  for (let i: usize = 0; i < len; i += 4) store<u32>(p + i, 0);
}

// 1 when a >= n (a any 256-bit value), computed as the carry of a + c.
function overflowOf(a: usize): u32 {
  let c: u64 = 0;
  for (let i: usize = 0; i < 8; i++) c = ((c + w(a, i) + w(NC, i)) >> 32);
  return <u32>c;
}

// r = a - n if flag, else a (a < 2n as 256 bits plus `hi` at 2^256, handled by the caller).
// Adding c modulo 2^256 subtracts n from a value >= n.
function condSubN(r: usize, a: usize, flag: u32): void {
  const m: u64 = 0 - <u64>flag;
  let c: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    c += w(a, i) + (w(NC, i) & m);
    store<u32>(r + (i << 2), <u32>c);
    c >>= 32;
  }
}

// Reads 32 big-endian bytes. Returns 1 when the value is >= n (then r = value - n),
// else 0 (r = value).
export function scSetB32(r: usize, b: usize): u32 {
  for (let i: usize = 0; i < 8; i++) store<u32>(r + (i << 2), bswap<u32>(load<u32>(b + 28 - (i << 2))));
  const o = overflowOf(r);
  condSubN(r, r, o);
  return o;
}

export function scGetB32(out: usize, a: usize): void {
  for (let i: usize = 0; i < 8; i++) store<u32>(out + 28 - (i << 2), bswap<u32>(load<u32>(a + (i << 2))));
}

export function scIsZero(a: usize): u32 {
  let z: u32 = 0;
  for (let i: usize = 0; i < 32; i += 4) z |= load<u32>(a + i);
  return <u32>(z == 0);
}

// r = (a + b) mod n.
export function scAdd(r: usize, a: usize, b: usize): void {
  let c: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    c += w(a, i) + w(b, i);
    store<u32>(r + (i << 2), <u32>c);
    c >>= 32;
  }
  // a + b >= n  <=>  carry out of 2^256, or the low 256 bits are >= n.
  condSubN(r, r, <u32>c | overflowOf(r));
}

// r = -a mod n (0 stays 0).
export function scNeg(r: usize, a: usize): void {
  const nz: u64 = 0 - <u64>(scIsZero(a) ^ 1);
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    const t = w(N, i) - w(a, i) - borrow;
    store<u32>(r + (i << 2), <u32>(t & nz));
    borrow = (t >> 63) & 1;
  }
}

const TNEG: usize = memory.data(32, 8);
// r = flag ? -a : a, flag in {0, 1}.
export function scCondNeg(r: usize, a: usize, flag: u32): void {
  scNeg(TNEG, a);
  const m: u32 = 0 - flag, k = ~m;
  for (let i: usize = 0; i < 32; i += 4) store<u32>(r + i, (load<u32>(a + i) & k) | (load<u32>(TNEG + i) & m));
}

// out[0..16) = a * b (512-bit product, 16 words).
function mul512(out: usize, a: usize, b: usize): void {
  for (let i: usize = 0; i < 64; i += 4) store<u32>(out + i, 0);
  for (let i: usize = 0; i < 8; i++) {
    const ai = w(a, i);
    let c: u64 = 0;
    for (let j: usize = 0; j < 8; j++) {
      const k = out + ((i + j) << 2);
      c += ai * w(b, j) + <u64>load<u32>(k);
      store<u32>(k, <u32>c);
      c >>= 32;
    }
    store<u32>(out + ((i + 8) << 2), <u32>c);
  }
}

// out[0..outLen) = x[0..xLen) + y[0..yLen) * c (c = 2^256 - n, 5 words).
function addMulC(out: usize, outLen: usize, x: usize, xLen: usize, y: usize, yLen: usize): void {
  for (let i: usize = 0; i < outLen; i++) store<u32>(out + (i << 2), 0);
  for (let i: usize = 0; i < xLen; i++) store<u32>(out + (i << 2), load<u32>(x + (i << 2)));
  for (let i: usize = 0; i < yLen; i++) {
    const yi = w(y, i);
    let c: u64 = 0;
    for (let j: usize = 0; j < 5; j++) {
      const k = out + ((i + j) << 2);
      c += yi * w(NC, j) + <u64>load<u32>(k);
      store<u32>(k, <u32>c);
      c >>= 32;
    }
    for (let k = i + 5; k < outLen; k++) {
      const p = out + (k << 2);
      c += <u64>load<u32>(p);
      store<u32>(p, <u32>c);
      c >>= 32;
    }
  }
}

const WIDE: usize = memory.data(64, 8);
const RA: usize = memory.data(56, 8);
const RB: usize = memory.data(40, 8);
const RC: usize = memory.data(36, 8);
const SPC1: usize = memory.data(32, 8);
const SPC2: usize = memory.data(32, 8);

// r = x mod n for a 512-bit x (16 words), using 2^256 = c (mod n) three times.
function reduce512(r: usize, x: usize): void {
  addMulC(RA, 14, x, 8, x + 32, 8);   // < 2^256 + 2^385
  addMulC(RB, 10, RA, 8, RA + 32, 6); // < 2^256 + 2^260
  addMulC(RC, 9, RB, 8, RB + 32, 2);  // < 2^256 + 2^194, word 8 in {0, 1}
  // Value v = RC < 2n: subtract n once when v >= n.
  condSubN(r, RC, load<u32>(RC + 32) | overflowOf(RC));
}

// Zeroes the static temporaries of multiplication, negation and the GLV split
// (they hold products of secret scalars).
export function scWipeScratch(): void {
  wipe(WIDE, 64); wipe(RA, 56); wipe(RB, 40); wipe(RC, 36); wipe(SPC1, 32); wipe(SPC2, 32); wipe(TNEG, 32);
}

// r = a * b mod n.
export function scMul(r: usize, a: usize, b: usize): void {
  mul512(WIDE, a, b);
  reduce512(r, WIDE);
}

// r = round(a * b / 2^384) (a, b < 2^256; result < 2^128 + 1).
function mulShift384(r: usize, a: usize, b: usize): void {
  mul512(WIDE, a, b);
  let c: u64 = <u64>(load<u32>(WIDE + 44) >>> 31);
  for (let i: usize = 0; i < 4; i++) {
    c += w(WIDE, 12 + i);
    store<u32>(r + (i << 2), <u32>c);
    c >>= 32;
  }
  store<u32>(r + 16, <u32>c);
  store<u32>(r + 20, 0); store<u32>(r + 24, 0); store<u32>(r + 28, 0);
}


// GLV split: k = r1 + lambda * r2 (mod n) with r1, r2 in (-2^128, 2^128),
// a negative value x held as n - x. r1, r2 must not alias k.
export function scSplitLambda(r1: usize, r2: usize, k: usize): void {
  mulShift384(SPC1, k, G1);
  mulShift384(SPC2, k, G2);
  scMul(SPC1, SPC1, MB1);
  scMul(SPC2, SPC2, MB2);
  scAdd(r2, SPC1, SPC2);
  scMul(r1, r2, LAMBDA);
  scNeg(r1, r1);
  scAdd(r1, r1, k);
}

// 4-bit window j (bits 4j..4j+3) of a. Window positions are public.
@inline export function scWindow4(a: usize, j: u32): u32 {
  return (load<u32>(a + ((j >>> 3) << 2)) >>> ((j & 7) << 2)) & 15;
}

// Bits [pos, pos+len) of a, len <= 6; a read past word 7 is not allowed (pos+len <= 256).
export function scBitsVar(a: usize, pos: u32, len: u32): u32 {
  const wi = pos >>> 5, sh = pos & 31;
  let v = load<u32>(a + (wi << 2)) >>> sh;
  if (sh + len > 32 && wi < 7) v |= load<u32>(a + ((wi + 1) << 2)) << (32 - sh);
  return v & ((1 << len) - 1);
}

// 1 when a > floor(n/2) (a "negative" scalar). Public data only.
export function scIsHighVar(a: usize): bool {
  for (let i = 7; i >= 0; i--) {
    const x = load<u32>(a + (<usize>i << 2)), h = load<u32>(HALFN + (<usize>i << 2));
    if (x > h) return true;
    if (x < h) return false;
  }
  return false;
}

// 1 when a < n (a any 256-bit value in scalar layout).
export function scIsValid(a: usize): u32 {
  return overflowOf(a) ^ 1;
}

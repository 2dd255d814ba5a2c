// Variable-time k*P for public inputs (BIP-340 verification): GLV split and
// width-5 wNAF over the effective-affine table of odd multiples of P and
// lambda(P). Never use with a secret scalar.
import { FE_SIZE, feCopy, feMul, feNeg, feNormalizeWeak } from "./field";
import { FE_BETA, GE_SIZE, gejAddGeVar, gejDouble, gejIsInfinity, gejSetInfinity, groupInit } from "./group";
import { oddMultiplesTable } from "./ecmult-const";
import { scBitsVar, scIsHighVar, scNeg, scSplitLambda } from "./scalar";

const WNAF_W: u32 = 5;
const WNAF_BITS: u32 = 131;

const T1: usize = memory.data(8 * 80, 8);
const T2: usize = memory.data(8 * 80, 8);
const ZG: usize = memory.data(40, 8);
const K1: usize = memory.data(32, 8);
const K2: usize = memory.data(32, 8);
const W1: usize = memory.data(4 * <i32>WNAF_BITS, 8);
const W2: usize = memory.data(4 * <i32>WNAF_BITS, 8);
const PT: usize = memory.data(<i32>GE_SIZE, 8);

// Width-w NAF of a (< 2^129) into out[0..WNAF_BITS) (i32 digits, odd or 0,
// |d| < 2^(w-1)). Returns 1 + the index of the top nonzero digit (0 if a = 0).
function wnaf(out: usize, a: usize): i32 {
  for (let i: u32 = 0; i < WNAF_BITS; i++) store<i32>(out + (<usize>i << 2), 0);
  let carry: u32 = 0;
  let top: i32 = 0;
  let i: u32 = 0;
  while (i < WNAF_BITS) {
    if (scBitsVar(a, i, 1) == carry) { i++; continue; }
    let d = <i32>(scBitsVar(a, i, WNAF_W) + carry);
    carry = <u32>(d >> (WNAF_W - 1)) & 1;
    d -= <i32>(carry << WNAF_W);
    store<i32>(out + (<usize>i << 2), d);
    top = <i32>i + 1;
    i += WNAF_W;
  }
  return top;
}

// Adds digit d (odd, nonzero) of table t to r; flip negates the digit.
function addDigitVar(r: usize, t: usize, d: i32, flip: bool): void {
  const neg = (d < 0) != flip;
  const idx = <usize>((d < 0 ? -d : d) >> 1);
  const e = t + idx * 80;
  feCopy(PT, e);
  if (neg) { feNeg(PT + 40, e + 40, 1); feNormalizeWeak(PT + 40); }
  else feCopy(PT + 40, e + 40);
  store<u32>(PT + 80, 0);
  gejAddGeVar(r, r, PT, 0);
}

// r = k*P (Jacobian). P affine, valid; k < n. Variable time.
export function ecmultVar(r: usize, p: usize, k: usize): void {
  groupInit();
  gejSetInfinity(r);
  oddMultiplesTable(T1, ZG, p);
  for (let i: usize = 0; i < 8; i++) {
    feMul(T2 + i * 80, T1 + i * 80, FE_BETA);
    feCopy(T2 + i * 80 + 40, T1 + i * 80 + 40);
  }
  scSplitLambda(K1, K2, k);
  const n1 = scIsHighVar(K1), n2 = scIsHighVar(K2);
  if (n1) scNeg(K1, K1);
  if (n2) scNeg(K2, K2);
  const l1 = wnaf(W1, K1), l2 = wnaf(W2, K2);
  const top = l1 > l2 ? l1 : l2;
  for (let i = top - 1; i >= 0; i--) {
    if (!gejIsInfinity(r)) gejDouble(r, r);
    const d1 = load<i32>(W1 + (<usize>i << 2));
    if (d1 != 0) addDigitVar(r, T1, d1, n1);
    const d2 = load<i32>(W2 + (<usize>i << 2));
    if (d2 != 0) addDigitVar(r, T2, d2, n2);
  }
  if (!gejIsInfinity(r)) feMul(r + 80, r + 80, ZG);
}

// Variable-base multiplication q*P in constant time (ECDH, point x scalar),
// with the GLV endomorphism and signed 4-bit windows.
//
// Recoding (all digits odd, never zero, so every step is the same work):
//   s = q/2 + (1 + lambda)(2^132 - 1 - 2^129)/2 mod n, split s = s1 + lambda*s2
//   with |s1|, |s2| < 2^128, and v_i = s_i + 2^128 in [0, 2^129).
//   With b_{i,j} the 4-bit windows of v_i (j = 0..32) and d = 2b - 15:
//   sum_j d_{1,j} 16^j + lambda * sum_j d_{2,j} 16^j = 2(v1 + lambda v2) - (2^132-1)(1+lambda) = q.
// So q*P = sum_j 16^j (d_{1,j} P + d_{2,j} lambda(P)): 33 windows, 128
// doublings and 65 complete additions, each digit read from a table of the 8
// odd multiples {1,3,..,15}P by a full masked scan (lambda(P) = (beta x, y)).
//
// The table is "effective affine": all 8 multiples are computed with one
// shared Z (zg) and used as affine points of the isomorphic curve
// y^2 = x^3 + 7 zg^6; the addition formulas do not involve the curve constant,
// so the ladder runs there and the result is mapped back by Z *= zg.
import { FE_SIZE, feCmov, feCopy, feMul, feSqr } from "./field";
import { FE_BETA, GE_SIZE, GEJ_SIZE, geCondNegY, gejAddGe, gejAddGeVar, gejDouble, gejSetGe, groupInit } from "./group";
import { SC_2_128, SC_CONST_OFFSET, SC_INV2, scAdd, scMul, scSplitLambda, scWindow4, wipe } from "./scalar";

export const ODD_TABLE_SIZE: usize = 8;
const TJ: usize = memory.data(8 * <i32>GEJ_SIZE, 8);
const ZR: usize = memory.data(8 * 40, 8);
const DJ: usize = memory.data(<i32>GEJ_SIZE, 8);
const DGE: usize = memory.data(<i32>GE_SIZE, 8);
const PJ: usize = memory.data(<i32>GEJ_SIZE, 8);
const ZD2: usize = memory.data(40, 8);
const ZD3: usize = memory.data(40, 8);
const ZS: usize = memory.data(40, 8);
const ZS2: usize = memory.data(40, 8);

// table[i] = (2i+1) P for i = 0..7 as affine points (x @0, y @40, 80 bytes
// each) over a common Z, returned in zg. P is affine, not infinity. The work
// depends only on P (public), never on a scalar.
export function oddMultiplesTable(table: usize, zg: usize, p: usize): void {
  // D = 2P (Jacobian); treat D as affine on the curve scaled by Z(D).
  gejSetGe(PJ, p);
  gejDouble(DJ, PJ);
  feCopy(DGE, DJ);
  feCopy(DGE + 40, DJ + 40);
  store<u32>(DGE + 80, 0);
  // P on that curve: (x zd^2, y zd^3), Z = 1.
  feSqr(ZD2, DJ + 80);
  feMul(ZD3, ZD2, DJ + 80);
  feMul(TJ, p, ZD2);
  feMul(TJ + 40, p + 40, ZD3);
  feCopy(TJ + 80, PJ + 80); // 1
  store<u32>(TJ + 120, 0);
  // T_i = T_{i-1} + D, recording Z_i / Z_{i-1} in ZR[i].
  for (let i: usize = 1; i < 8; i++) {
    gejAddGeVar(TJ + i * GEJ_SIZE, TJ + (i - 1) * GEJ_SIZE, DGE, ZR + i * 40);
  }
  // Bring every T_i to Z_7: scale by (Z_7/Z_i) = ZR[i+1] ... ZR[7].
  const last = TJ + 7 * GEJ_SIZE;
  feCopy(table + 7 * 80, last);
  feCopy(table + 7 * 80 + 40, last + 40);
  feCopy(ZS, ZR + 7 * 40);
  for (let i: isize = 6; i >= 0; i--) {
    const t = TJ + <usize>i * GEJ_SIZE, e = table + <usize>i * 80;
    feSqr(ZS2, ZS);
    feMul(e, t, ZS2);
    feMul(ZS2, ZS2, ZS);
    feMul(e + 40, t + 40, ZS2);
    if (i > 0) feMul(ZS, ZS, ZR + <usize>i * 40);
  }
  feMul(zg, DJ + 80, last + 80);
}

const TABLE: usize = memory.data(8 * 80, 8);
const ZG: usize = memory.data(40, 8);
const S: usize = memory.data(32, 8);
const V1: usize = memory.data(32, 8);
const V2: usize = memory.data(32, 8);
const SEL: usize = memory.data(<i32>GE_SIZE, 8);

// Copies table entry idx into SEL (x, y) reading all 8 entries.
function selectEntry(idx: u32): void {
  let s0: u64 = 0, s1: u64 = 0, s2: u64 = 0, s3: u64 = 0, s4: u64 = 0;
  let s5: u64 = 0, s6: u64 = 0, s7: u64 = 0, s8: u64 = 0, s9: u64 = 0;
  for (let i: u32 = 0; i < 8; i++) {
    const m: u64 = 0 - <u64>(i == idx);
    const e = TABLE + <usize>i * 80;
    s0 |= load<u64>(e) & m; s1 |= load<u64>(e, 8) & m; s2 |= load<u64>(e, 16) & m; s3 |= load<u64>(e, 24) & m;
    s4 |= load<u64>(e, 32) & m; s5 |= load<u64>(e, 40) & m; s6 |= load<u64>(e, 48) & m; s7 |= load<u64>(e, 56) & m;
    s8 |= load<u64>(e, 64) & m; s9 |= load<u64>(e, 72) & m;
  }
  store<u64>(SEL, s0); store<u64>(SEL, s1, 8); store<u64>(SEL, s2, 16); store<u64>(SEL, s3, 24);
  store<u64>(SEL, s4, 32); store<u64>(SEL, s5, 40); store<u64>(SEL, s6, 48); store<u64>(SEL, s7, 56);
  store<u64>(SEL, s8, 64); store<u64>(SEL, s9, 72);
  store<u32>(SEL + 80, 0);
}

// Adds (or, when first, sets) the point for 4-bit window b of table T or lambda(T).
function addDigit(r: usize, b: u32, lambda: bool, first: bool): void {
  const pos = b >>> 3;
  const idx = (b ^ ((pos - 1) & 7)) & 7;
  selectEntry(idx);
  if (lambda) feMul(SEL, SEL, FE_BETA);
  geCondNegY(SEL, pos ^ 1);
  if (first) gejSetGe(r, SEL);
  else gejAddGe(r, r, SEL);
}

// r = q*P (Jacobian). P affine, valid, not infinity; q < n. Constant time in q.
export function ecmultConst(r: usize, p: usize, q: usize): void {
  groupInit();
  oddMultiplesTable(TABLE, ZG, p);
  scMul(S, q, SC_INV2);
  scAdd(S, S, SC_CONST_OFFSET);
  scSplitLambda(V1, V2, S);
  scAdd(V1, V1, SC_2_128);
  scAdd(V2, V2, SC_2_128);
  addDigit(r, scWindow4(V1, 32), false, true);
  addDigit(r, scWindow4(V2, 32), true, false);
  for (let j: i32 = 31; j >= 0; j--) {
    gejDouble(r, r);
    gejDouble(r, r);
    gejDouble(r, r);
    gejDouble(r, r);
    addDigit(r, scWindow4(V1, <u32>j), false, false);
    addDigit(r, scWindow4(V2, <u32>j), true, false);
  }
  feMul(r + 80, r + 80, ZG);
  wipe(S, 32); wipe(V1, 32); wipe(V2, 32); wipe(SEL, <usize>GE_SIZE);
}

// Fixed-base multiplication k*G with a precomputed comb table.
//
// Every bit a signed digit: with x = (k + 2^256 - 1) / 2 mod n (< 2^256) and
// x_i its bits, k = sum_i (2 x_i - 1) 2^i (mod n), since that sum is
// 2x - (2^256 - 1). No digit is zero, so every step costs the same.
//
// Comb (teeth 4, spacing S = GEN_SPACING, blocks 64 / S): bit i = 4S*b + S*t + s
// (block b, tooth t < 4, offset s < S). The 4 bits of block b at offset s form
// a nibble whose signed value is 2^s * sum_t (2 x_t - 1) 2^(S t) * 2^(4S b).
// Row b of the table holds, for i = 0..7 (the low three teeth), the affine
// point e_i = (2^(3S) + sum_{t<3} (2 i_t - 1) 2^(S t)) * 2^(4S b) * G in
// storage form (64 bytes); a nibble with the top tooth clear is -e_(~n & 7).
// k*G = sum_s 2^s sum_b (+-e): for s = S-1 down to 0, double (S - 1 times in
// all), then add one entry per block: 64 table reads, 63 mixed additions and
// S - 1 doublings. Size 64/S rows * 8 * 64 bytes = 32 KiB / S of static
// memory, computed by the firmware at first use (genInit) from G alone - no
// data segment. S = 4: 8 KiB, 3 doublings (docs/firmware/secp256k1.md,
// "Memory", has the measurements behind the choice).
//
// Constant-time variant (secret k): every step reads all 8 entries of its
// row and keeps one by mask, negates y by mask, and adds with the complete
// constant-time formula. The variable-time variant (public k, verification)
// indexes the row directly.
import { GE_SIZE, GEJ_SIZE, GES_SIZE, G_STORAGE, geFromStorage, geSetGejZinv, geToStorage,
  gejAddGe, gejAddGeVar, gejAddVar, gejCopy, gejDouble, gejSetGe, geCondNegY, groupInit } from "./group";
import { feCopy, feInv, feMul, feNeg, feNormalizeWeak } from "./field";
import { SC_GEN_OFFSET, SC_INV2, scAdd, scMul, wipe } from "./scalar";

/** Comb spacing S (1, 2 or 4): the table is 32 KiB / S, k*G costs S - 1 doublings more. */
export const GEN_SPACING: u32 = 4;
const BLOCKS: u32 = 64 / GEN_SPACING;
const ROW: usize = 8 * GES_SIZE; // 512 bytes per block
export const GEN_TABLE_BYTES: usize = <usize>BLOCKS * ROW;
const TABLE: usize = memory.data(<i32>GEN_TABLE_BYTES, 16);

let ready = false;

const Q: usize = memory.data(4 * <i32>GEJ_SIZE, 8);    // Q_t = 2^(S t) * 2^(4S b) G, t = 0..3
const D: usize = memory.data(3 * <i32>GEJ_SIZE, 8);    // 2 Q_t, t = 0..2
const ROWJ: usize = memory.data(8 * <i32>GEJ_SIZE, 8); // 8 Jacobian points of one row
const PREF: usize = memory.data(8 * 40, 8);         // prefix products of their Z
const ZI: usize = memory.data(40, 8);
const ZT: usize = memory.data(40, 8);
const GA: usize = memory.data(<i32>GE_SIZE, 8);
const GEJ_Y: usize = 40;

// dst = 2^S src (Jacobian; dst may alias src)
function doubleS(dst: usize, src: usize): void {
  gejDouble(dst, src);
  for (let d: u32 = 1; d < GEN_SPACING; d++) gejDouble(dst, dst);
}

@inline function rowj(i: usize): usize { return ROWJ + i * GEJ_SIZE; }

// Builds the table (per row 4S doublings, 12 additions and one inversion).
export function genInit(): void {
  if (ready) return;
  groupInit();
  geFromStorage(GA, G_STORAGE);
  gejSetGe(Q, GA);
  for (let b: u32 = 0; b < BLOCKS; b++) {
    for (let t: usize = 1; t < 4; t++) doubleS(Q + t * GEJ_SIZE, Q + (t - 1) * GEJ_SIZE);
    // e_0 = Q_3 - (Q_0 + Q_1 + Q_2)
    gejAddVar(rowj(0), Q, Q + GEJ_SIZE);
    gejAddVar(rowj(0), rowj(0), Q + 2 * GEJ_SIZE);
    feNormalizeWeak(rowj(0) + GEJ_Y);
    feNeg(rowj(0) + GEJ_Y, rowj(0) + GEJ_Y, 1);
    feNormalizeWeak(rowj(0) + GEJ_Y);
    gejAddVar(rowj(0), rowj(0), Q + 3 * GEJ_SIZE);
    // e_i = e_(i without one set bit t) + 2 Q_t
    for (let t: usize = 0; t < 3; t++) gejDouble(D + t * GEJ_SIZE, Q + t * GEJ_SIZE);
    gejAddVar(rowj(1), rowj(0), D);
    gejAddVar(rowj(2), rowj(0), D + GEJ_SIZE);
    gejAddVar(rowj(3), rowj(2), D);
    gejAddVar(rowj(4), rowj(0), D + 2 * GEJ_SIZE);
    gejAddVar(rowj(5), rowj(4), D);
    gejAddVar(rowj(6), rowj(4), D + GEJ_SIZE);
    gejAddVar(rowj(7), rowj(6), D);
    // Batch inversion of the 8 Z coordinates (Montgomery's trick).
    feCopy(PREF, ROWJ + 80);
    for (let i: usize = 1; i < 8; i++) feMul(PREF + i * 40, PREF + (i - 1) * 40, ROWJ + i * GEJ_SIZE + 80);
    feInv(ZI, PREF + 7 * 40);
    for (let i: isize = 7; i >= 0; i--) {
      const pj = ROWJ + <usize>i * GEJ_SIZE;
      if (i > 0) {
        feMul(ZT, ZI, PREF + <usize>(i - 1) * 40); // 1/Z_i
        feMul(ZI, ZI, pj + 80);                    // 1/(Z_0..Z_{i-1})
      } else {
        feCopy(ZT, ZI);
      }
      geSetGejZinv(GA, pj, ZT);
      geToStorage(TABLE + <usize>b * ROW + <usize>i * GES_SIZE, GA);
    }
    doubleS(Q, Q + 3 * GEJ_SIZE); // next block: 2^(4S) times this one's base
  }
  ready = true;
}

const X: usize = memory.data(32, 8);
const SEL: usize = memory.data(<i32>GES_SIZE, 8);
const PT: usize = memory.data(<i32>GE_SIZE, 8);

// The nibble of block b at offset s: bits 4S*b + S*t + s of X, t = 0..3.
// A block's 4S bits never cross a 32-bit word (4S divides 32).
@inline function combNibble(b: u32, s: u32): u32 {
  const pos = b * 4 * GEN_SPACING + s;
  const v = load<u32>(X + ((pos >>> 5) << 2)) >>> (pos & 31);
  return (v & 1) | ((v >>> (GEN_SPACING - 1)) & 2) | ((v >>> (2 * GEN_SPACING - 2)) & 4) | ((v >>> (3 * GEN_SPACING - 3)) & 8);
}

// Copies entry idx of row j into SEL reading all 8 entries (constant time).
function selectRow(j: u32, idx: u32): void {
  const row = TABLE + <usize>j * ROW;
  let s0: u64 = 0, s1: u64 = 0, s2: u64 = 0, s3: u64 = 0, s4: u64 = 0, s5: u64 = 0, s6: u64 = 0, s7: u64 = 0;
  for (let i: u32 = 0; i < 8; i++) {
    const m: u64 = 0 - <u64>(i == idx);
    const e = row + <usize>i * GES_SIZE;
    s0 |= load<u64>(e) & m; s1 |= load<u64>(e, 8) & m; s2 |= load<u64>(e, 16) & m; s3 |= load<u64>(e, 24) & m;
    s4 |= load<u64>(e, 32) & m; s5 |= load<u64>(e, 40) & m; s6 |= load<u64>(e, 48) & m; s7 |= load<u64>(e, 56) & m;
  }
  store<u64>(SEL, s0); store<u64>(SEL, s1, 8); store<u64>(SEL, s2, 16); store<u64>(SEL, s3, 24);
  store<u64>(SEL, s4, 32); store<u64>(SEL, s5, 40); store<u64>(SEL, s6, 48); store<u64>(SEL, s7, 56);
}

// r = k*G, k a scalar < n (k = 0 gives infinity). Constant time in k.
export function ecmultGen(r: usize, k: usize): void {
  genInit();
  scMul(X, k, SC_INV2);
  scAdd(X, X, SC_GEN_OFFSET);
  for (let s: i32 = <i32>GEN_SPACING - 1; s >= 0; s--) {
    if (s != <i32>GEN_SPACING - 1) gejDouble(r, r);
    for (let b: u32 = 0; b < BLOCKS; b++) {
      const n = combNibble(b, <u32>s);
      const pos = n >>> 3;                   // top tooth set: +e
      const idx = (n ^ ((pos - 1) & 7)) & 7; // else -e of the complement
      selectRow(b, idx);
      geFromStorage(PT, SEL);
      geCondNegY(PT, pos ^ 1);
      if (s == <i32>GEN_SPACING - 1 && b == 0) gejSetGe(r, PT);
      else gejAddGe(r, r, PT);
    }
  }
  wipe(X, 32);
  wipe(SEL, <usize>GES_SIZE);
  wipe(PT, <usize>GE_SIZE);
}

// r = k*G for a public k (verification): direct table reads, variable-time adds.
export function ecmultGenVar(r: usize, k: usize): void {
  genInit();
  scMul(X, k, SC_INV2);
  scAdd(X, X, SC_GEN_OFFSET);
  for (let s: i32 = <i32>GEN_SPACING - 1; s >= 0; s--) {
    if (s != <i32>GEN_SPACING - 1) gejDouble(r, r);
    for (let b: u32 = 0; b < BLOCKS; b++) {
      const n = combNibble(b, <u32>s);
      const pos = n >>> 3;
      const idx = (n ^ ((pos - 1) & 7)) & 7;
      geFromStorage(PT, TABLE + <usize>b * ROW + <usize>idx * GES_SIZE);
      if (!pos) geCondNegY(PT, 1);
      if (s == <i32>GEN_SPACING - 1 && b == 0) gejSetGe(r, PT);
      else gejAddGeVar(r, r, PT, 0);
    }
  }
}

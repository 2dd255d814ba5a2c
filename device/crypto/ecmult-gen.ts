// Fixed-base multiplication k*G with a precomputed table.
//
// Signed 4-bit windows: k is recoded as k = sum_{j<64} d_j * 16^j with every
// d_j odd in [-15, 15] (no zero digit, so every window costs the same): with
// x = (k + 2^256 - 1) / 2 mod n (< 2^256) and b_j the 4-bit windows of x,
// d_j = 2*b_j - 15, since sum (2 b_j - 15) 16^j = 2x - (2^256 - 1) = k (mod n).
//
// Table: for window j and i = 0..7 the affine point (2i+1) * 16^j * G, in
// storage form (64 bytes): 64 * 8 * 64 = 32 KiB of static memory, computed by
// the firmware at first use (genInit) from G alone - no data segment.
// k*G is then 64 table reads and 63 mixed additions, no doublings.
//
// Constant-time variant (secret k): every window reads all 8 entries of its
// row and keeps one by mask, negates y by mask, and adds with the complete
// constant-time formula. The variable-time variant (public k, verification)
// indexes the row directly.
import { GE_SIZE, GEJ_SIZE, GES_SIZE, G_STORAGE, geFromStorage, geSetGejZinv, geToStorage,
  gejAddGe, gejAddGeVar, gejAddVar, gejCopy, gejDouble, gejSetGe, geCondNegY, groupInit } from "./group";
import { feCopy, feInv, feMul } from "./field";
import { SC_GEN_OFFSET, SC_INV2, scAdd, scMul, scWindow4, wipe } from "./scalar";

const WINDOWS: u32 = 64;
const ROW: usize = 8 * GES_SIZE; // 512 bytes per window
export const GEN_TABLE_BYTES: usize = 64 * 8 * 64;
const TABLE: usize = memory.data(<i32>GEN_TABLE_BYTES, 16);

let ready = false;

const B: usize = memory.data(<i32>GEJ_SIZE, 8);     // 16^j G
const B2: usize = memory.data(<i32>GEJ_SIZE, 8);    // 2 * 16^j G
const ROWJ: usize = memory.data(8 * <i32>GEJ_SIZE, 8); // 8 Jacobian points of one row
const PREF: usize = memory.data(8 * 40, 8);         // prefix products of their Z
const ZI: usize = memory.data(40, 8);
const ZT: usize = memory.data(40, 8);
const GA: usize = memory.data(<i32>GE_SIZE, 8);

// Builds the table (about 64 field inversions and 700 group operations).
export function genInit(): void {
  if (ready) return;
  groupInit();
  geFromStorage(GA, G_STORAGE);
  gejSetGe(B, GA);
  for (let j: u32 = 0; j < WINDOWS; j++) {
    gejDouble(B2, B);
    gejCopy(ROWJ, B);
    for (let i: usize = 1; i < 8; i++) {
      gejAddVar(ROWJ + i * GEJ_SIZE, ROWJ + (i - 1) * GEJ_SIZE, B2);
    }
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
      geToStorage(TABLE + <usize>j * ROW + <usize>i * GES_SIZE, GA);
    }
    // B = 16 B
    gejDouble(B, B2);
    gejDouble(B, B);
    gejDouble(B, B);
  }
  ready = true;
}

const X: usize = memory.data(32, 8);
const SEL: usize = memory.data(<i32>GES_SIZE, 8);
const PT: usize = memory.data(<i32>GE_SIZE, 8);

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
  for (let j: u32 = 0; j < WINDOWS; j++) {
    const b = scWindow4(X, j);
    const pos = b >>> 3;                 // digit 2b-15 > 0
    const idx = (b ^ ((pos - 1) & 7)) & 7; // |2b-15| = 2*idx+1
    selectRow(j, idx);
    geFromStorage(PT, SEL);
    geCondNegY(PT, pos ^ 1);
    if (j == 0) gejSetGe(r, PT);
    else gejAddGe(r, r, PT);
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
  for (let j: u32 = 0; j < WINDOWS; j++) {
    const b = scWindow4(X, j);
    const pos = b >>> 3;
    const idx = (b ^ ((pos - 1) & 7)) & 7;
    geFromStorage(PT, TABLE + <usize>j * ROW + <usize>idx * GES_SIZE);
    if (!pos) geCondNegY(PT, 1);
    if (j == 0) gejSetGe(r, PT);
    else gejAddGeVar(r, r, PT, 0);
  }
}

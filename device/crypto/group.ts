// secp256k1 points (y^2 = x^3 + 7 over GF(p)).
//   ge  (affine):   x @0, y @40, infinity flag (u32) @80        GE_SIZE  = 88
//   gej (Jacobian): X @0, Y @40, Z @80, infinity flag @120      GEJ_SIZE = 128
//   storage:        x, y normalized as 8 u32 words each          GES_SIZE = 64
// (X, Y, Z) stands for (X/Z^2, Y/Z^3). Stored coordinates have magnitude 1,
// except Jacobian Z, which may have magnitude 2 (Z is only ever a
// multiplication input).
// Functions ending in Var branch on their (public) inputs; the others run the
// same instructions and touch the same memory whatever the point values.
import {
  FE_SIZE, feAdd, feCmov, feCopy, feFromStorage, feInv, feIsOdd, feIsZero, feMul, feMulInt,
  feNeg, feNormalize, feNormalizeWeak, feSetB32, feSetInt, feSqr, feSqrt, feSub, feToStorage, feEqual, feGetB32,
} from "./field";

export const GE_SIZE: usize = 88;
export const GEJ_SIZE: usize = 128;
export const GES_SIZE: usize = 64;
const Y: usize = 40;
const Z: usize = 80;
const GE_INF: usize = 80;
const GEJ_INF: usize = 120;

// The generator G (SEC 2, 2.4.1) in storage form (little-endian words).
export const G_STORAGE: usize = memory.data<u32>([
  0x16F81798, 0x59F2815B, 0x2DCE28D9, 0x029BFCDB, 0xCE870B07, 0x55A06295, 0xF9DCBBAC, 0x79BE667E,
  0xFB10D4B8, 0x9C47D08F, 0xA6855419, 0xFD17B448, 0x0E1108A8, 0x5DA4FBFC, 0x26A3C465, 0x483ADA77,
]);

// beta: a primitive cube root of unity mod p; lambda*(x, y) = (beta*x, y).
export const FE_BETA: usize = memory.data<u32>([
  // 0x7AE96A2B657C07106E64479EAC3434E99CF0497512F58995C1396C28719501EE as 10x26 limbs,
  // filled in by groupInit() from storage words (see BETA_STORAGE).
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);
const BETA_STORAGE: usize = memory.data<u32>([
  0x719501EE, 0xC1396C28, 0x12F58995, 0x9CF04975, 0xAC3434E9, 0x6E64479E, 0x657C0710, 0x7AE96A2B,
]);
const FE_SEVEN: usize = memory.data<u32>([7, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const FE_ONE: usize = memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

let groupReady = false;
export function groupInit(): void {
  if (groupReady) return;
  feFromStorage(FE_BETA, BETA_STORAGE);
  groupReady = true;
}

// ---- conversions -------------------------------------------------------------

export function geFromStorage(r: usize, s: usize): void {
  feFromStorage(r, s);
  feFromStorage(r + Y, s + 32);
  store<u32>(r + GE_INF, 0);
}

// a must not be infinity; its coordinates are normalized in place.
export function geToStorage(s: usize, a: usize): void {
  feNormalize(a);
  feNormalize(a + Y);
  feToStorage(s, a);
  feToStorage(s + 32, a + Y);
}

export function gejSetGe(r: usize, a: usize): void {
  feCopy(r, a);
  feCopy(r + Y, a + Y);
  feSetInt(r + Z, 1);
  store<u32>(r + GEJ_INF, load<u32>(a + GE_INF));
}

export function gejCopy(r: usize, a: usize): void {
  for (let i: usize = 0; i < GEJ_SIZE; i += 8) store<u64>(r + i, load<u64>(a + i));
}

export function gejSetInfinity(r: usize): void {
  for (let i: usize = 0; i < GEJ_SIZE; i += 8) store<u64>(r + i, 0);
  store<u32>(r + GEJ_INF, 1);
}

@inline export function gejIsInfinity(a: usize): bool {
  return load<u32>(a + GEJ_INF) != 0;
}

const CZI: usize = memory.data(40, 8);
const CZ2: usize = memory.data(40, 8);
// r = affine form of a, normalized coordinates. Constant time (Fermat inversion).
// If a is infinity, r gets the infinity flag (and meaningless coordinates).
export function geSetGej(r: usize, a: usize): void {
  feInv(CZI, a + Z);
  geSetGejZinv(r, a, CZI);
}

// r = affine form of a given zi = 1/Z(a).
export function geSetGejZinv(r: usize, a: usize, zi: usize): void {
  feSqr(CZ2, zi);
  feMul(r, a, CZ2);
  feMul(CZ2, CZ2, zi);
  feMul(r + Y, a + Y, CZ2);
  feNormalize(r);
  feNormalize(r + Y);
  store<u32>(r + GE_INF, load<u32>(a + GEJ_INF));
}

// ---- doubling ------------------------------------------------------------------

const DA: usize = memory.data(40, 8);
const DB: usize = memory.data(40, 8);
const DC: usize = memory.data(40, 8);
const DD: usize = memory.data(40, 8);
const DE: usize = memory.data(40, 8);
const DF: usize = memory.data(40, 8);
const DZ: usize = memory.data(40, 8);

// r = 2a (r may alias a). Constant time. For secp256k1 2a is infinity only when
// a is (no point of order 2), so the flag is copied.
//   A = X^2, B = Y^2, C = B^2, D = X*B, E = 3A, F = E^2
//   X3 = F - 8D, Y3 = E*(4D - X3) - 8C, Z3 = 2*Y*Z
export function gejDouble(r: usize, a: usize): void {
  feMul(DZ, a + Y, a + Z);        // Y*Z (1)
  feSqr(DA, a);                   // A (1)
  feSqr(DB, a + Y);               // B (1)
  feMul(DD, a, DB);               // D = X*Y^2 (1)
  feSqr(DC, DB);                  // C = Y^4 (1)
  feMulInt(DE, DA, 3);            // E (3)
  feSqr(DF, DE);                  // F (1)
  feMulInt(DB, DD, 8);            // 8D (8)
  feSub(r, DF, DB, 8);            // X3 (10)
  feNormalizeWeak(r);             // X3 (1)
  feMulInt(DD, DD, 4);            // 4D (4)
  feSub(DD, DD, r, 1);            // 4D - X3 (6)
  feMul(DD, DD, DE);              // E*(4D - X3) (1)
  feMulInt(DC, DC, 8);            // 8C (8)
  feSub(r + Y, DD, DC, 8);        // Y3 (10)
  feNormalizeWeak(r + Y);
  feAdd(r + Z, DZ, DZ);           // Z3 = 2YZ (2)
  store<u32>(r + GEJ_INF, load<u32>(a + GEJ_INF));
}

// ---- constant-time mixed addition ---------------------------------------------

const AZZ: usize = memory.data(40, 8);
const AU1: usize = memory.data(40, 8);
const AU2: usize = memory.data(40, 8);
const AS1: usize = memory.data(40, 8);
const AS2: usize = memory.data(40, 8);
const AT: usize = memory.data(40, 8);
const AM: usize = memory.data(40, 8);
const ARR: usize = memory.data(40, 8);
const ANU2: usize = memory.data(40, 8);
const ATT: usize = memory.data(40, 8);
const ARA: usize = memory.data(40, 8);
const AMA: usize = memory.data(40, 8);
const AN: usize = memory.data(40, 8);
const AQ: usize = memory.data(40, 8);
const AT2: usize = memory.data(40, 8);
const AZ3: usize = memory.data(40, 8);
const AX3: usize = memory.data(40, 8);
const AW: usize = memory.data(40, 8);

// r = a + b, b affine and not infinity, a any point (infinity, equal to b, or
// its negation included). Constant time; r may alias a.
//
// Unified slope (Brier-Joye): lambda = (x1^2 + x1*x2 + x2^2) / (y1 + y2), valid
// for addition and doubling, undefined (0/0) only when y1 = -y2 and
// x1^3 = x2^3; then x1 != x2 (or a = -b) and the chord slope
// (y1 - y2) / (x1 - x2) is used instead, chosen by mask.
// With U1 = X1, U2 = x2*Z1^2, S1 = Y1, S2 = y2*Z1^3:
//   T = U1 + U2, M = S1 + S2, R = T^2 - U1*U2      (lambda = R / (M*Z1))
//   degenerate: R' = S1 - S2, M' = U1 - U2          (lambda = R' / (M'*Z1))
//   Q = T*M'^2, X3 = 4(R'^2 - Q), Y3 = 4(R'(Q - 2(R'^2 - Q)) - M*M'^3), Z3 = 2*M'*Z1
// where M*M'^3 = M'^4 when not degenerate and 0 (= M) when degenerate.
// Z3 = 0 exactly when a = -b: the result is infinity.
export function gejAddGe(r: usize, a: usize, b: usize): void {
  const aInf = load<u32>(a + GEJ_INF);
  feSqr(AZZ, a + Z);                       // Z1^2 (1)
  feCopy(AU1, a);                          // U1 (1)
  feMul(AU2, b, AZZ);                      // U2 (1)
  feCopy(AS1, a + Y);                      // S1 (1)
  feMul(AS2, b + Y, AZZ);
  feMul(AS2, AS2, a + Z);                  // S2 (1)
  feAdd(AT, AU1, AU2);                     // T (2)
  feAdd(AM, AS1, AS2);                     // M (2)
  feSqr(ARR, AT);                          // T^2 (1)
  feNeg(ANU2, AU2, 1);                     // -U2 (2)
  feMul(ATT, AU1, ANU2);                   // -U1*U2 (1)
  feAdd(ARR, ARR, ATT);                    // R (2)
  const degenerate = feIsZero(AM) & feIsZero(ARR);
  feSub(ARA, AS1, AS2, 1);                 // S1 - S2 (3)
  feAdd(AMA, AU1, ANU2);                   // U1 - U2 (3)
  const nd = degenerate ^ 1;
  feCmov(ARA, ARR, nd);                    // R' (<= 3)
  feCmov(AMA, AM, nd);                     // M' (<= 3)
  feSqr(AN, AMA);                          // M'^2 (1)
  feMul(AQ, AN, AT);                       // Q (1)
  feSqr(AN, AN);                           // M'^4 (1)
  feCmov(AN, AM, degenerate);              // M*M'^3 (<= 2)
  feSqr(AT2, ARA);                         // R'^2 (1)
  feMul(AZ3, a + Z, AMA);                  // M'*Z1 (1)
  const inf = feIsZero(AZ3) & (aInf ^ 1);
  feSub(AX3, AT2, AQ, 1);                  // x3' = R'^2 - Q (3)
  feNormalizeWeak(AX3);                    // (1)
  feAdd(AW, AX3, AX3);                     // 2x3' (2)
  feSub(AW, AW, AQ, 1);                    // 2x3' - Q (4)
  feMul(AW, AW, ARA);                      // R'(2x3' - Q) (1)
  feAdd(AW, AW, AN);                       // R'(2x3' - Q) + M*M'^3 (3)
  feNeg(r + Y, AW, 3);                     // y3' (4)
  feMulInt(r + Y, r + Y, 4);               // Y3 (16)
  feNormalizeWeak(r + Y);
  feMulInt(r, AX3, 4);                     // X3 (4)
  feNormalizeWeak(r);
  feAdd(r + Z, AZ3, AZ3);                  // Z3 (2)
  // a = infinity: the result is b.
  feCmov(r, b, aInf);
  feCmov(r + Y, b + Y, aInf);
  feCmov(r + Z, FE_ONE, aInf);
  store<u32>(r + GEJ_INF, inf);
}

// r = flag ? -a : a for an affine point of magnitude-1 coordinates, in place.
const CNY: usize = memory.data(40, 8);
export function geCondNegY(a: usize, flag: u32): void {
  feNeg(CNY, a + Y, 1);
  feNormalizeWeak(CNY);
  feCmov(a + Y, CNY, flag);
}

// a = -a for an affine point with normalized coordinates (public data).
export function geNegVar(a: usize): void {
  feNeg(a + Y, a + Y, 1);
  feNormalize(a + Y);
}

// ---- variable-time additions (public data) -------------------------------------

const VZZ: usize = memory.data(40, 8);
const VU1: usize = memory.data(40, 8);
const VU2: usize = memory.data(40, 8);
const VS1: usize = memory.data(40, 8);
const VS2: usize = memory.data(40, 8);
const VH: usize = memory.data(40, 8);
const VI: usize = memory.data(40, 8);
const VI2: usize = memory.data(40, 8);
const VH2: usize = memory.data(40, 8);
const VH3: usize = memory.data(40, 8);
const VT: usize = memory.data(40, 8);
const VZ12: usize = memory.data(40, 8);

// Shared tail of the variable-time additions: given U1, U2, S1, S2 (magnitude 1)
// and the Z product factor(s), computes r. Returns false when H = 0 (equal x),
// leaving r untouched so that the caller can double or set infinity.
//   H = U2 - U1, I = S2 - S1, X3 = I^2 - H^3 - 2*U1*H^2,
//   Y3 = I*(U1*H^2 - X3) - S1*H^3, Z3 = Z1*(Z2)*H
function addTail(r: usize): void {
  feSqr(VI2, VI);                          // (1)
  feSqr(VH2, VH);                          // (1)
  feMul(VH3, VH, VH2);                     // (1)
  feMul(VT, VU1, VH2);                     // U1*H^2 (1)
  feAdd(r, VT, VT);                        // (2)
  feAdd(r, r, VH3);                        // (3)
  feSub(r, VI2, r, 3);                     // X3 (5)
  feNormalizeWeak(r);
  feSub(VT, VT, r, 1);                     // (3)
  feMul(r + Y, VT, VI);                    // (1)
  feMul(VH3, VH3, VS1);                    // (1)
  feSub(r + Y, r + Y, VH3, 1);             // (3)
  feNormalizeWeak(r + Y);
}

// r = a + b (b affine, a Jacobian), variable time. If rzr != 0, stores there the
// ratio Z(r)/Z(a) (= H) when a is not infinity and the result is a plain addition.
// r may alias a.
export function gejAddGeVar(r: usize, a: usize, b: usize, rzr: usize): void {
  if (load<u32>(b + GE_INF)) { if (r != a) gejCopy(r, a); return; }
  if (load<u32>(a + GEJ_INF)) { gejSetGe(r, b); return; }
  feSqr(VZZ, a + Z);
  feCopy(VU1, a);
  feMul(VU2, b, VZZ);
  feCopy(VS1, a + Y);
  feMul(VS2, b + Y, VZZ);
  feMul(VS2, VS2, a + Z);
  feSub(VH, VU2, VU1, 1);
  feSub(VI, VS2, VS1, 1);
  if (feIsZero(VH)) {
    if (feIsZero(VI)) gejDouble(r, a);
    else gejSetInfinity(r);
    return;
  }
  feNormalizeWeak(VH);
  feNormalizeWeak(VI);
  if (rzr != 0) feCopy(rzr, VH);
  feMul(r + Z, a + Z, VH);
  addTail(r);
  store<u32>(r + GEJ_INF, 0);
}

// r = a + b, both Jacobian, variable time. r may alias a or b.
export function gejAddVar(r: usize, a: usize, b: usize): void {
  if (load<u32>(a + GEJ_INF)) { if (r != b) gejCopy(r, b); return; }
  if (load<u32>(b + GEJ_INF)) { if (r != a) gejCopy(r, a); return; }
  feSqr(VZ12, a + Z);
  feSqr(VZZ, b + Z);
  feMul(VU1, a, VZZ);
  feMul(VU2, b, VZ12);
  feMul(VS1, a + Y, VZZ);
  feMul(VS1, VS1, b + Z);
  feMul(VS2, b + Y, VZ12);
  feMul(VS2, VS2, a + Z);
  feSub(VH, VU2, VU1, 1);
  feSub(VI, VS2, VS1, 1);
  if (feIsZero(VH)) {
    if (feIsZero(VI)) gejDouble(r, a);
    else gejSetInfinity(r);
    return;
  }
  feNormalizeWeak(VH);
  feNormalizeWeak(VI);
  feMul(VZ12, a + Z, b + Z);
  feMul(r + Z, VZ12, VH);
  addTail(r);
  store<u32>(r + GEJ_INF, 0);
}

// ---- curve membership, parsing, serialization -----------------------------------

const LX3: usize = memory.data(40, 8);
const LY: usize = memory.data(40, 8);
const LNY: usize = memory.data(40, 8);

// r = the point with x-coordinate x (normalized, < p) and y parity `odd`.
// Returns false when x^3 + 7 is not a square (no such point). Variable time.
export function geSetXoVar(r: usize, x: usize, odd: u32): bool {
  feSqr(LX3, x);
  feMul(LX3, LX3, x);
  feAdd(LX3, LX3, FE_SEVEN);
  if (!feSqrt(LY, LX3)) return false;
  feNormalize(LY);
  feNeg(LNY, LY, 1);
  feNormalize(LNY);
  feCopy(r, x);
  feNormalize(r);
  if (feIsOdd(LY) == odd) feCopy(r + Y, LY);
  else feCopy(r + Y, LNY);
  store<u32>(r + GE_INF, 0);
  return true;
}

const PX: usize = memory.data(40, 8);

// Parses a 33-byte SEC1 compressed point. Returns false for a bad prefix,
// x >= p, or x not on the curve.
export function gePubkeyParseVar(r: usize, in33: usize): bool {
  const prefix = load<u8>(in33);
  // SEC1 2.3.4: compressed points start with 0x02 (even y) or 0x03 (odd y).
  if (prefix != 2 && prefix != 3) return false;
  // SEC1 2.3.4 / BIP-340 lift_x: fail if x >= p.
  if (!feSetB32(PX, in33 + 1)) return false;
  // Fail if x^3 + 7 has no square root (x not on the curve).
  return geSetXoVar(r, PX, <u32>(prefix & 1));
}

// BIP-340 lift_x: the point with x-coordinate from 32 bytes and even y.
export function geLiftXVar(r: usize, in32: usize): bool {
  // BIP-340: fail if x >= p.
  if (!feSetB32(PX, in32)) return false;
  return geSetXoVar(r, PX, 0);
}

// Writes the 33-byte compressed form of a (not infinity; coordinates normalized in place).
export function gePubkeySerialize(out33: usize, a: usize): void {
  feNormalize(a);
  feNormalize(a + Y);
  store<u8>(out33, <u8>(2 | feIsOdd(a + Y)));
  feGetB32(out33 + 1, a);
}

// 1 when the affine point a (not infinity) satisfies y^2 = x^3 + 7.
const VY2: usize = memory.data(40, 8);
export function geIsValidVar(a: usize): bool {
  feSqr(VY2, a + Y);
  feSqr(LX3, a);
  feMul(LX3, LX3, a);
  feAdd(LX3, LX3, FE_SEVEN);
  return feEqual(VY2, LX3) != 0;
}

// Zeroes the static temporaries of the constant-time point formulas and
// conversions (they hold coordinates derived from secret scalars).
export function groupWipeScratch(): void {
  feSetInt(CZI, 0);
  feSetInt(CZ2, 0);
  feSetInt(DA, 0);
  feSetInt(DB, 0);
  feSetInt(DC, 0);
  feSetInt(DD, 0);
  feSetInt(DE, 0);
  feSetInt(DF, 0);
  feSetInt(DZ, 0);
  feSetInt(AZZ, 0);
  feSetInt(AU1, 0);
  feSetInt(AU2, 0);
  feSetInt(AS1, 0);
  feSetInt(AS2, 0);
  feSetInt(AT, 0);
  feSetInt(AM, 0);
  feSetInt(ARR, 0);
  feSetInt(ANU2, 0);
  feSetInt(ATT, 0);
  feSetInt(ARA, 0);
  feSetInt(AMA, 0);
  feSetInt(AN, 0);
  feSetInt(AQ, 0);
  feSetInt(AT2, 0);
  feSetInt(AZ3, 0);
  feSetInt(AX3, 0);
  feSetInt(AW, 0);
  feSetInt(CNY, 0);
}

// BIP-340 Schnorr signatures over secp256k1 (sign with aux randomness, verify).
// Signing is constant time in the secret key and nonce; verification handles
// public data only and uses variable-time arithmetic.
import {
  SECP_ERR_ENTROPY, SECP_ERR_NONCE, SECP_ERR_PUBKEY, SECP_ERR_SECKEY, SECP_ERR_SIG_INVALID,
  SECP_ERR_SIG_R, SECP_ERR_SIG_S, SECP_ERR_FAULT, SECP_OK,
} from "../../shared/crypto-status";
import { hal_entropy } from "../hal";
import { SHA256_CTX_SIZE, sha256Final, sha256Update } from "./sha256";
import { MID_AUX, MID_CHALLENGE, MID_NONCE, taggedHashStart } from "./tagged-hash";
import { feEqual, feGetB32, feIsOdd, feMul, feSetB32, feSqr } from "./field";
import { GE_SIZE, GEJ_SIZE, geCondNegY, geLiftXVar, geNegVar, geSetGej, gejAddVar, gejIsInfinity } from "./group";
import { ecmultGenVar } from "./ecmult-gen";
import { ecmultVar } from "./ecmult-var";
import { pubkeyPoint, seckeyLoad, wipeScratch } from "./keys";
import { scAdd, scCondNeg, scGetB32, scIsZero, scMul, scNeg, scSetB32, wipe } from "./scalar";

const CTX: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);
const D: usize = memory.data(32, 8);
const K: usize = memory.data(32, 8);
const E: usize = memory.data(32, 8);
const PA: usize = memory.data(<i32>GE_SIZE, 8);
const RA: usize = memory.data(<i32>GE_SIZE, 8);
const PX: usize = memory.data(32, 8);
const RX: usize = memory.data(32, 8);
const AUX: usize = memory.data(32, 8);
const T: usize = memory.data(32, 8);
const H: usize = memory.data(32, 8);
const SIGB: usize = memory.data(64, 8);

// e = int(hash_challenge(rx || px || m)) mod n into E.
function challenge(rx: usize, px: usize, msg: usize, msgLen: usize): void {
  taggedHashStart(CTX, MID_CHALLENGE);
  sha256Update(CTX, rx, 32);
  sha256Update(CTX, px, 32);
  sha256Update(CTX, msg, msgLen);
  sha256Final(CTX, H);
  scSetB32(E, H);
}

function wipeSign(): void {
  wipe(D, 32); wipe(K, 32); wipe(T, 32); wipe(H, 32); wipe(AUX, 32);
  wipe(CTX, SHA256_CTX_SIZE);
}

// R' = s*G - e*P for public s, e and P (affine, even y), variable time.
const J1: usize = memory.data(<i32>GEJ_SIZE, 8);
const J2: usize = memory.data(<i32>GEJ_SIZE, 8);
const NE: usize = memory.data(32, 8);
function sgMinusEp(p: usize, s: usize, e: usize): void {
  scNeg(NE, e);
  ecmultGenVar(J1, s);
  ecmultVar(J2, p, NE);
  gejAddVar(J1, J1, J2);
}

// BIP-340's final checks on R' = s*G - e*P (in J1) against r (a normalized field element).
const RV: usize = memory.data(<i32>GE_SIZE, 8);
function verifyPoint(p: usize, r: usize, s: usize, e: usize): i32 {
  sgMinusEp(p, s, e);
  // BIP-340: fail if is_infinite(R).
  if (gejIsInfinity(J1)) return SECP_ERR_SIG_INVALID;
  geSetGej(RV, J1);
  // BIP-340: fail if not has_even_y(R).
  if (feIsOdd(RV + 40)) return SECP_ERR_SIG_INVALID;
  // BIP-340: fail if x(R) != r.
  if (!feEqual(RV, r)) return SECP_ERR_SIG_INVALID;
  return SECP_OK;
}

// Signing's self-check: R' = s*G - e*P must be exactly the point R (affine,
// even y) the signature was made with; compared projectively (X' = x Z'^2,
// Y' = y Z'^3), so no inversion. Implies BIP-340's checks (R on the curve,
// x(R) = r, even y) for the released signature.
const CZ: usize = memory.data(40, 8);
const CT: usize = memory.data(40, 8);
function signatureMatches(p: usize, rpt: usize, s: usize, e: usize): bool {
  sgMinusEp(p, s, e);
  if (gejIsInfinity(J1)) return false;
  feSqr(CZ, J1 + 80);
  feMul(CT, rpt, CZ);
  if (!feEqual(CT, J1)) return false;
  feMul(CZ, CZ, J1 + 80);
  feMul(CT, rpt + 40, CZ);
  return feEqual(CT, J1 + 40) != 0;
}

const S: usize = memory.data(32, 8);
const VR: usize = memory.data(40, 8);

// BIP-340 Sign(sk, m) with auxiliary randomness a (32 bytes at aux, or 32
// bytes from the hardware entropy source when aux = 0). Writes the 64-byte
// signature to out64 (written last, so it may overlap the inputs) after
// checking it as bip340Verify would (SECP_ERR_FAULT and nothing written if
// that fails).
function bip340SignInner(out64: usize, msg: usize, msgLen: usize, seckey: usize, aux: usize): i32 {
  // BIP-340: d' = int(sk); fail if d' = 0 or d' >= n.
  if (!seckeyLoad(D, seckey)) { wipe(D, 32); return SECP_ERR_SECKEY; }
  if (aux == 0) {
    if (hal_entropy(AUX, 32) != 0) { wipe(D, 32); return SECP_ERR_ENTROPY; }
  } else {
    for (let i: usize = 0; i < 32; i += 4) store<u32>(AUX + i, load<u32>(aux + i));
  }
  // P = d'G (computed from the secret, as libsecp256k1's keypair signing does).
  pubkeyPoint(PA, D);
  feGetB32(PX, PA);
  // d = d' if has_even_y(P), otherwise n - d'.
  const oddP = feIsOdd(PA + 40);
  scCondNeg(D, D, oddP);
  // t = bytes(d) xor hash_aux(a).
  taggedHashStart(CTX, MID_AUX);
  sha256Update(CTX, AUX, 32);
  sha256Final(CTX, H);
  scGetB32(T, D);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(T + i, load<u32>(T + i) ^ load<u32>(H + i));
  // rand = hash_nonce(t || bytes(P) || m); k' = int(rand) mod n.
  taggedHashStart(CTX, MID_NONCE);
  sha256Update(CTX, T, 32);
  sha256Update(CTX, PX, 32);
  sha256Update(CTX, msg, msgLen);
  sha256Final(CTX, H);
  scSetB32(K, H);
  // BIP-340: fail if k' = 0.
  if (scIsZero(K)) { wipeSign(); return SECP_ERR_NONCE; }
  // R = k'G; k = k' if has_even_y(R), otherwise n - k'.
  pubkeyPoint(RA, K);
  feGetB32(RX, RA);
  const oddR = feIsOdd(RA + 40);
  scCondNeg(K, K, oddR);
  geCondNegY(RA, oddR); // RA = the point lift_x(r) a verifier reconstructs
  // e = int(hash_challenge(bytes(R) || bytes(P) || m)) mod n.
  challenge(RX, PX, msg, msgLen);
  // sig = bytes(R) || bytes((k + e*d) mod n).
  scMul(S, E, D);
  scAdd(S, S, K);
  wipeSign();
  // BIP-340 (recommended): verify the signature before releasing it, so that a
  // computation fault (glitch) cannot leak the key through a bad signature.
  // The public key is lift_x(bytes(P)), i.e. P with its y made even.
  if (oddP) geNegVar(PA);
  if (!signatureMatches(PA, RA, S, E)) { wipe(S, 32); wipe(E, 32); return SECP_ERR_FAULT; }
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out64 + i, load<u32>(RX + i));
  scGetB32(out64 + 32, S);
  wipe(S, 32); wipe(E, 32);
  return SECP_OK;
}

const VS: usize = memory.data(32, 8);
const VPX: usize = memory.data(32, 8);

// BIP-340 Verify(pk, m, sig). Returns SECP_OK when valid, otherwise the reason.
export function bip340Verify(msg: usize, msgLen: usize, pk: usize, sig: usize): i32 {
  // BIP-340: P = lift_x(int(pk)); fail if that fails (pk >= p or not on curve).
  if (!geLiftXVar(PA, pk)) return SECP_ERR_PUBKEY;
  // BIP-340: r = int(sig[0:32]); fail if r >= p.
  if (!feSetB32(VR, sig)) return SECP_ERR_SIG_R;
  // BIP-340: s = int(sig[32:64]); fail if s >= n.
  if (scSetB32(VS, sig + 32)) return SECP_ERR_SIG_S;
  // e = int(hash_challenge(bytes(r) || bytes(P) || m)) mod n.
  for (let i: usize = 0; i < 32; i += 4) store<u32>(VPX + i, load<u32>(pk + i));
  challenge(sig, VPX, msg, msgLen);
  // R = s*G - e*P, checked as BIP-340 requires.
  return verifyPoint(PA, VR, VS, E);
}

// bip340SignInner, then zero the static temporaries (wipeScratch).
export function bip340Sign(out64: usize, msg: usize, msgLen: usize, seckey: usize, aux: usize): i32 {
  const r = bip340SignInner(out64, msg, msgLen, seckey, aux);
  wipeScratch();
  return r;
}

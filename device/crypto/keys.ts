// Secret and public keys: validation, derivation, tweaks, point x scalar.
// Functions taking secret data run in constant time apart from the final
// valid/invalid decision. Statuses: shared/crypto-status.ts.
import {
  SECP_ERR_INFINITY, SECP_ERR_PUBKEY, SECP_ERR_RESULT_ZERO, SECP_ERR_SCALAR, SECP_ERR_SECKEY,
  SECP_ERR_TWEAK, SECP_OK,
} from "../../shared/crypto-status";
import { feGetB32, feWipeScratch } from "./field";
import { GE_SIZE, GEJ_SIZE, gePubkeyParseVar, gePubkeySerialize, geSetGej, gejIsInfinity, groupWipeScratch } from "./group";
import { ecmultGen } from "./ecmult-gen";
import { ecmultConst } from "./ecmult-const";
import { scAdd, scGetB32, scIsZero, scMul, scSetB32, scWipeScratch, wipe } from "./scalar";

// Loads a 32-byte big-endian secret key into scalar r. Returns 1 when
// 0 < key < n (SEC1 / BIP-340 key range), else 0.
export function seckeyLoad(r: usize, b32: usize): u32 {
  const overflow = scSetB32(r, b32);
  return (overflow | scIsZero(r)) ^ 1;
}

// Zeroes every static temporary that can hold secret-derived values (field
// chains, scalar products, point formulas). Called at the end of each
// operation on a secret; cheap (about 2 KB of stores).
export function wipeScratch(): void {
  feWipeScratch();
  scWipeScratch();
  groupWipeScratch();
}

const KJ: usize = memory.data(<i32>GEJ_SIZE, 8);

// out = d*G as an affine point (normalized), d a valid secret scalar.
export function pubkeyPoint(out: usize, d: usize): void {
  ecmultGen(KJ, d);
  geSetGej(out, KJ);
  wipe(KJ, GEJ_SIZE);
}

const KD: usize = memory.data(32, 8);
const KT: usize = memory.data(32, 8);
const KP: usize = memory.data(<i32>GE_SIZE, 8);

// 33-byte compressed public key of a 32-byte secret key.
function pubkeyCreateInner(out33: usize, seckey: usize): i32 {
  if (!seckeyLoad(KD, seckey)) { wipe(KD, 32); return SECP_ERR_SECKEY; }
  pubkeyPoint(KP, KD);
  wipe(KD, 32);
  gePubkeySerialize(out33, KP);
  return SECP_OK;
}

// 32-byte x-only public key (BIP-340) of a 32-byte secret key.
function xonlyPubkeyCreateInner(out32: usize, seckey: usize): i32 {
  if (!seckeyLoad(KD, seckey)) { wipe(KD, 32); return SECP_ERR_SECKEY; }
  pubkeyPoint(KP, KD);
  wipe(KD, 32);
  feGetB32(out32, KP);
  return SECP_OK;
}

// out32 = (seckey + tweak) mod n.
function seckeyTweakAddInner(out32: usize, seckey: usize, tweak: usize): i32 {
  if (!seckeyLoad(KD, seckey)) { wipe(KD, 32); return SECP_ERR_SECKEY; }
  // Fail if the tweak is >= n.
  if (scSetB32(KT, tweak)) { wipe(KD, 32); wipe(KT, 32); return SECP_ERR_TWEAK; }
  scAdd(KD, KD, KT);
  // Fail if the result is 0 (tweak = n - seckey).
  const zero = scIsZero(KD);
  if (!zero) scGetB32(out32, KD);
  wipe(KD, 32); wipe(KT, 32);
  return zero ? SECP_ERR_RESULT_ZERO : SECP_OK;
}

// out32 = (seckey * tweak) mod n (e.g. onion ephemeral key blinding
// e_{i+1} = e_i * b_i). Fails for an invalid key or a tweak that is 0 or >= n.
function seckeyTweakMulInner(out32: usize, seckey: usize, tweak: usize): i32 {
  if (!seckeyLoad(KD, seckey)) { wipe(KD, 32); return SECP_ERR_SECKEY; }
  if (!seckeyLoad(KT, tweak)) { wipe(KD, 32); wipe(KT, 32); return SECP_ERR_TWEAK; }
  scMul(KD, KD, KT);
  scGetB32(out32, KD);
  wipe(KD, 32); wipe(KT, 32);
  return SECP_OK;
}

// out32 = (a * b) mod n for two 32-byte scalars < n (either may be 0).
function scalarMulModNInner(out32: usize, a: usize, b: usize): i32 {
  const oa = scSetB32(KD, a), ob = scSetB32(KT, b);
  if (oa | ob) { wipe(KD, 32); wipe(KT, 32); return SECP_ERR_SCALAR; }
  scMul(KD, KD, KT);
  scGetB32(out32, KD);
  wipe(KD, 32); wipe(KT, 32);
  return SECP_OK;
}

// out = q*P as an affine point; q a valid secret scalar, P a parsed public key.
// Returns false only if the result is infinity (impossible for valid inputs).
// No branch at all: the result's infinity flag is returned, not branched on
// (test/firmware-constant-time.test.ts checks the compiled function, into
// which the ecmultConst ladder is inlined). On infinity `out` holds the flag
// and meaningless coordinates, which every caller discards.
export function pointMul(out: usize, p: usize, q: usize): bool {
  ecmultConst(KJ, p, q);
  const inf = <u32>gejIsInfinity(KJ);
  geSetGej(out, KJ);
  wipe(KJ, GEJ_SIZE);
  return inf == 0;
}

// out33 = compressed(tweak * P) for a 33-byte compressed P (e.g. onion
// ephemeral public key blinding epk_{i+1} = b_i * epk_i). Constant time in tweak.
function pubkeyTweakMulInner(out33: usize, pub33: usize, tweak: usize): i32 {
  if (!seckeyLoad(KT, tweak)) { wipe(KT, 32); return SECP_ERR_TWEAK; }
  if (!gePubkeyParseVar(KP, pub33)) { wipe(KT, 32); return SECP_ERR_PUBKEY; }
  const ok = pointMul(KP, KP, KT);
  wipe(KT, 32);
  if (!ok) return SECP_ERR_INFINITY;
  gePubkeySerialize(out33, KP);
  return SECP_OK;
}

// Parses and re-serializes a compressed public key (validation). Returns SECP_OK
// or SECP_ERR_PUBKEY.
export function pubkeyValidate(out33: usize, pub33: usize): i32 {
  if (!gePubkeyParseVar(KP, pub33)) return SECP_ERR_PUBKEY;
  gePubkeySerialize(out33, KP);
  return SECP_OK;
}

// pubkeyCreateInner, then zero the static temporaries (wipeScratch).
export function pubkeyCreate(out33: usize, seckey: usize): i32 {
  const r = pubkeyCreateInner(out33, seckey);
  wipeScratch();
  return r;
}

// xonlyPubkeyCreateInner, then zero the static temporaries (wipeScratch).
export function xonlyPubkeyCreate(out32: usize, seckey: usize): i32 {
  const r = xonlyPubkeyCreateInner(out32, seckey);
  wipeScratch();
  return r;
}

// seckeyTweakAddInner, then zero the static temporaries (wipeScratch).
export function seckeyTweakAdd(out32: usize, seckey: usize, tweak: usize): i32 {
  const r = seckeyTweakAddInner(out32, seckey, tweak);
  wipeScratch();
  return r;
}

// seckeyTweakMulInner, then zero the static temporaries (wipeScratch).
export function seckeyTweakMul(out32: usize, seckey: usize, tweak: usize): i32 {
  const r = seckeyTweakMulInner(out32, seckey, tweak);
  wipeScratch();
  return r;
}

// scalarMulModNInner, then zero the static temporaries (wipeScratch).
export function scalarMulModN(out32: usize, a: usize, b: usize): i32 {
  const r = scalarMulModNInner(out32, a, b);
  wipeScratch();
  return r;
}

// pubkeyTweakMulInner, then zero the static temporaries (wipeScratch).
export function pubkeyTweakMul(out33: usize, pub33: usize, tweak: usize): i32 {
  const r = pubkeyTweakMulInner(out33, pub33, tweak);
  wipeScratch();
  return r;
}

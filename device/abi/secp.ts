// Exported secp256k1 / ECDH / BIP-340 primitives (chip interface). Every
// argument is an absolute pointer into linear memory (the host uses the io
// scratch area); every function returns a status from shared/crypto-status.ts
// (0 = success) and writes its output only on success. A (pointer, length)
// argument reaching outside linear memory gives SECP_ERR_ARG instead of a trap.
import { bip340Sign, bip340Verify } from "../crypto/bip340";
import { ecdh } from "../crypto/ecdh";
import {
  pubkeyCreate, pubkeyTweakMul, pubkeyValidate, scalarMulModN, seckeyLoad, seckeyTweakAdd,
  seckeyTweakMul, xonlyPubkeyCreate,
} from "../crypto/keys";
import { SECP_ERR_ARG, SECP_ERR_SECKEY, SECP_OK } from "../../shared/crypto-status";
import { wipe } from "../crypto/scalar";
import { inMemory as inMem } from "./bounds";


export function secp_abi_version(): u32 {
  return 1;
}

const SK: usize = memory.data(32, 8);

// 0 when 0 < seckey < n, else SECP_ERR_SECKEY.
export function secp_seckey_verify(seckey: usize): i32 {
  if (!inMem(seckey, 32)) return SECP_ERR_ARG;
  const ok = seckeyLoad(SK, seckey);
  wipe(SK, 32);
  return ok ? SECP_OK : SECP_ERR_SECKEY;
}

// out33 = compressed public key (02/03 || x) of seckey.
export function secp_pubkey(seckey: usize, out33: usize): i32 {
  if (!inMem(seckey, 32) || !inMem(out33, 33)) return SECP_ERR_ARG;
  return pubkeyCreate(out33, seckey);
}

// out32 = BIP-340 x-only public key of seckey.
export function secp_xonly_pubkey(seckey: usize, out32: usize): i32 {
  if (!inMem(seckey, 32) || !inMem(out32, 32)) return SECP_ERR_ARG;
  return xonlyPubkeyCreate(out32, seckey);
}

// out33 = the same public key re-serialized, after validation (prefix, x < p, on curve).
export function secp_pubkey_validate(pubkey33: usize, out33: usize): i32 {
  if (!inMem(pubkey33, 33) || !inMem(out33, 33)) return SECP_ERR_ARG;
  return pubkeyValidate(out33, pubkey33);
}

// out32 = (seckey + tweak) mod n; SECP_ERR_TWEAK when tweak >= n,
// SECP_ERR_RESULT_ZERO when the sum is 0.
export function secp_seckey_tweak_add(seckey: usize, tweak: usize, out32: usize): i32 {
  if (!inMem(seckey, 32) || !inMem(tweak, 32) || !inMem(out32, 32)) return SECP_ERR_ARG;
  return seckeyTweakAdd(out32, seckey, tweak);
}

// out32 = (seckey * tweak) mod n; SECP_ERR_TWEAK when tweak is 0 or >= n.
export function secp_seckey_tweak_mul(seckey: usize, tweak: usize, out32: usize): i32 {
  if (!inMem(seckey, 32) || !inMem(tweak, 32) || !inMem(out32, 32)) return SECP_ERR_ARG;
  return seckeyTweakMul(out32, seckey, tweak);
}

// out33 = compressed(tweak * pubkey); SECP_ERR_TWEAK when tweak is 0 or >= n.
export function secp_pubkey_tweak_mul(pubkey33: usize, tweak: usize, out33: usize): i32 {
  if (!inMem(pubkey33, 33) || !inMem(tweak, 32) || !inMem(out33, 33)) return SECP_ERR_ARG;
  return pubkeyTweakMul(out33, pubkey33, tweak);
}

// out32 = (a * b) mod n for scalars a, b < n (SECP_ERR_SCALAR otherwise).
export function secp_scalar_mul(a: usize, b: usize, out32: usize): i32 {
  if (!inMem(a, 32) || !inMem(b, 32) || !inMem(out32, 32)) return SECP_ERR_ARG;
  return scalarMulModN(out32, a, b);
}

// out32 = SHA256(compressed(seckey * pubkey33)) (BOLT 4 shared secret).
export function secp_ecdh(seckey: usize, pubkey33: usize, out32: usize): i32 {
  if (!inMem(seckey, 32) || !inMem(pubkey33, 33) || !inMem(out32, 32)) return SECP_ERR_ARG;
  return ecdh(out32, seckey, pubkey33);
}

// out64 = BIP-340 signature of msg[0..msglen) with seckey and 32 bytes of aux
// randomness at aux (aux = 0: 32 bytes from env.entropy). Pass 32 zero bytes
// for the deterministic signatures Core Lightning produces.
export function bip340_sign(msg: usize, msglen: u32, seckey: usize, aux: usize, out64: usize): i32 {
  if (!inMem(msg, msglen) || !inMem(seckey, 32) || (aux != 0 && !inMem(aux, 32)) || !inMem(out64, 64)) return SECP_ERR_ARG;
  return bip340Sign(out64, msg, msglen, seckey, aux);
}

// 0 when sig64 is a valid BIP-340 signature of msg under the x-only key xonly32.
export function bip340_verify(msg: usize, msglen: u32, xonly32: usize, sig64: usize): i32 {
  if (!inMem(msg, msglen) || !inMem(xonly32, 32) || !inMem(sig64, 64)) return SECP_ERR_ARG;
  return bip340Verify(msg, msglen, xonly32, sig64);
}

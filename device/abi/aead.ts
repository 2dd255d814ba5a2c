// Exported ChaCha20-Poly1305 (chip interface; docs/firmware/blinding.md):
// RFC 8439 AEAD seal and open over caller memory, for the test-suites and
// benchmarks. Statuses: shared/hash-cipher-status.ts (0 ok, CRYPTO_ERR_ARG a
// range outside memory); open returns 1 when the tag matched.
import { aeadOpen, aeadSeal } from "../crypto/chacha20poly1305";
import { inMemory } from "./bounds";
import { CRYPTO_ERR_ARG, CRYPTO_OK } from "../../shared/hash-cipher-status";

/** out[len + 16] = ChaCha20-Poly1305(key[32], nonce[12], aad) of pt[len]. */
export function crypto_chacha20poly1305_seal(key: usize, nonce: usize, aad: usize, aadLen: u32, pt: usize, len: u32, out: usize): i32 {
  if (!inMemory(key, 32) || !inMemory(nonce, 12) || !inMemory(aad, aadLen) || !inMemory(pt, len) || !inMemory(out, <usize>len + 16)) return CRYPTO_ERR_ARG;
  return aeadSeal(key, nonce, aad, aadLen, pt, len, out) == 0 ? CRYPTO_OK : CRYPTO_ERR_ARG;
}

/** 1 and out[ctLen - 16] = plaintext when the tag of ct[ctLen] verifies; 0 otherwise (nothing written); -1 a range outside memory. */
export function crypto_chacha20poly1305_open(key: usize, nonce: usize, aad: usize, aadLen: u32, ct: usize, ctLen: u32, out: usize): i32 {
  if (!inMemory(key, 32) || !inMemory(nonce, 12) || !inMemory(aad, aadLen) || !inMemory(ct, ctLen) || !inMemory(out, ctLen)) return -1;
  return aeadOpen(key, nonce, aad, aadLen, ct, ctLen, out) ? 1 : 0;
}

// Exported primitives of the device crypto core (chip interface, used by the
// emulator's self-checks, the test-suites and the benchmarks; nothing here
// touches the device secret).
import { sha256, sha256Init, sha256Update, sha256Final, SHA256_CTX_SIZE } from "../crypto/sha256";
import { hmacSha256 } from "../crypto/hmac";
import { hkdfSha256, hkdfSha256Extract, hkdfSha256Expand, HKDF_SHA256_MAX_OUT } from "../crypto/hkdf";
import { chacha20Block, chacha20Xor } from "../crypto/chacha20";
import { inMemory } from "./bounds";
import { CRYPTO_OK, CRYPTO_ERR_ARG, CRYPTO_ERR_LENGTH, CRYPTO_ERR_COUNTER, CRYPTO_ERR_OVERLAP } from "../../shared/hash-cipher-status";

// Every export checks its (pointer, length) arguments like the secp_* ones:
// outside memory is CRYPTO_ERR_ARG, never a trap (issue 9).

// SHA-256(data) -> out (32 bytes).
export function crypto_sha256(data: usize, len: u32, out: usize): i32 {
  if (!inMemory(data, len) || !inMemory(out, 32)) return CRYPTO_ERR_ARG;
  sha256(data, len, out);
  return CRYPTO_OK;
}

export function crypto_sha256_ctx_size(): u32 {
  return <u32>SHA256_CTX_SIZE;
}

export function crypto_sha256_init(ctx: usize): i32 {
  if (!inMemory(ctx, SHA256_CTX_SIZE)) return CRYPTO_ERR_ARG;
  sha256Init(ctx);
  return CRYPTO_OK;
}

export function crypto_sha256_update(ctx: usize, data: usize, len: u32): i32 {
  if (!inMemory(ctx, SHA256_CTX_SIZE) || !inMemory(data, len)) return CRYPTO_ERR_ARG;
  sha256Update(ctx, data, len);
  return CRYPTO_OK;
}

export function crypto_sha256_final(ctx: usize, out: usize): i32 {
  if (!inMemory(ctx, SHA256_CTX_SIZE) || !inMemory(out, 32)) return CRYPTO_ERR_ARG;
  sha256Final(ctx, out);
  return CRYPTO_OK;
}

// ---- HMAC-SHA256, HKDF-SHA256, ChaCha20 (docs/firmware/hashes.md) ----
// Status codes: shared/hash-cipher-status.ts. Nothing is written on error.

@inline function overlaps(a: usize, alen: usize, b: usize, blen: usize): bool {
  return alen != 0 && blen != 0 && <u64>a < <u64>b + <u64>blen && <u64>b < <u64>a + <u64>alen;
}

// HMAC-SHA256(key, msg) -> out (32 bytes).
export function crypto_hmac_sha256(key: usize, keyLen: u32, msg: usize, msgLen: u32, out: usize): i32 {
  if (!inMemory(key, keyLen) || !inMemory(msg, msgLen) || !inMemory(out, 32)) return CRYPTO_ERR_ARG;
  hmacSha256(key, keyLen, msg, msgLen, out);
  return CRYPTO_OK;
}

// HKDF-SHA256 extract-then-expand (RFC 5869) -> out (outLen <= 8160 bytes).
export function crypto_hkdf_sha256(
  salt: usize, saltLen: u32, ikm: usize, ikmLen: u32,
  info: usize, infoLen: u32, out: usize, outLen: u32,
): i32 {
  if (!inMemory(salt, saltLen) || !inMemory(ikm, ikmLen) || !inMemory(info, infoLen) || !inMemory(out, outLen)) {
    return CRYPTO_ERR_ARG;
  }
  if (<usize>outLen > HKDF_SHA256_MAX_OUT) return CRYPTO_ERR_LENGTH;
  if (overlaps(out, outLen, info, infoLen)) return CRYPTO_ERR_OVERLAP;
  hkdfSha256(salt, saltLen, ikm, ikmLen, info, infoLen, out, outLen);
  return CRYPTO_OK;
}

// HKDF-Extract (RFC 5869 §2.2) -> prk (32 bytes).
export function crypto_hkdf_sha256_extract(salt: usize, saltLen: u32, ikm: usize, ikmLen: u32, prk: usize): i32 {
  if (!inMemory(salt, saltLen) || !inMemory(ikm, ikmLen) || !inMemory(prk, 32)) return CRYPTO_ERR_ARG;
  hkdfSha256Extract(salt, saltLen, ikm, ikmLen, prk);
  return CRYPTO_OK;
}

// HKDF-Expand (RFC 5869 §2.3) -> out (outLen <= 8160 bytes).
export function crypto_hkdf_sha256_expand(prk: usize, prkLen: u32, info: usize, infoLen: u32, out: usize, outLen: u32): i32 {
  if (!inMemory(prk, prkLen) || !inMemory(info, infoLen) || !inMemory(out, outLen)) return CRYPTO_ERR_ARG;
  if (<usize>outLen > HKDF_SHA256_MAX_OUT) return CRYPTO_ERR_LENGTH;
  if (overlaps(out, outLen, info, infoLen)) return CRYPTO_ERR_OVERLAP;
  hkdfSha256Expand(prk, prkLen, info, infoLen, out, outLen);
  return CRYPTO_OK;
}

// ChaCha20 block function (RFC 8439 §2.3): key (32), nonce (12), counter -> out (64).
export function crypto_chacha20_block(key: usize, nonce: usize, counter: u32, out: usize): i32 {
  if (!inMemory(key, 32) || !inMemory(nonce, 12) || !inMemory(out, 64)) return CRYPTO_ERR_ARG;
  chacha20Block(key, nonce, counter, out);
  return CRYPTO_OK;
}

// ChaCha20 XOR (RFC 8439 §2.4) starting `offset` bytes into the keystream of
// block `counter`; in == out (in place) or disjoint.
export function crypto_chacha20_xor(key: usize, nonce: usize, counter: u32, offset: u32, input: usize, out: usize, len: u32): i32 {
  if (!inMemory(key, 32) || !inMemory(nonce, 12) || !inMemory(input, len) || !inMemory(out, len)) return CRYPTO_ERR_ARG;
  if (input != out && overlaps(input, len, out, len)) return CRYPTO_ERR_ARG;
  return chacha20Xor(key, nonce, counter, offset, input, out, len) == 0 ? CRYPTO_OK : CRYPTO_ERR_COUNTER;
}

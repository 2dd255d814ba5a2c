// Exported key-derivation functions (chip interface): Core Lightning
// hsm_secret → secret_data → node key, makesecret, BOLT 12 payer keys and
// signatures (docs/firmware/keys.md), plus the SHA-512 / HMAC-SHA512 /
// PBKDF2-HMAC-SHA512 primitives they rest on. Every function is a pure
// function of caller-supplied inputs (absolute pointers into linear memory);
// none reads the device's own stored secret. Statuses: shared/keys-status.ts
// (crypto_* ones: shared/hash-cipher-status.ts). A (pointer, length) argument
// reaching outside linear memory gives an error code, never a trap; nothing is
// written on error.
import { sha512 } from "../crypto/sha512";
import { hmacSha512 } from "../crypto/hmac-sha512";
import { pbkdf2HmacSha512 } from "../crypto/pbkdf2";
import { hsmSecretToSecretData } from "../keys/hsm-secret";
import { bip39Word } from "../keys/mnemonic";
import {
  deriveNodeKey, deriveDerivedSecret, deriveNodeKeys, makesecret, payerTweakFromBase, payerKeyFromBase,
  secretDataLenOk,
} from "../keys/derive";
import { bolt12Sign } from "../keys/sign";
import { pubkeyCreate } from "../crypto/keys";
import { inMemory } from "./bounds";
import { CRYPTO_OK, CRYPTO_ERR_ARG, CRYPTO_ERR_LENGTH } from "../../shared/hash-cipher-status";
import { SECP_OK } from "../../shared/crypto-status";
import { KEYS_OK, KEYS_ERR_ARG, KEYS_ERR_SECRET_DATA, KEYS_ERR_TWEAK } from "../../shared/keys-status";

export function keys_abi_version(): u32 {
  return 1;
}

// ---- SHA-512 family ----

// SHA-512(data) -> out (64 bytes).
export function crypto_sha512(data: usize, len: u32, out: usize): i32 {
  if (!inMemory(data, len) || !inMemory(out, 64)) return CRYPTO_ERR_ARG;
  sha512(data, len, out);
  return CRYPTO_OK;
}

// HMAC-SHA512(key, msg) -> out (64 bytes).
export function crypto_hmac_sha512(key: usize, keyLen: u32, msg: usize, msgLen: u32, out: usize): i32 {
  if (!inMemory(key, keyLen) || !inMemory(msg, msgLen) || !inMemory(out, 64)) return CRYPTO_ERR_ARG;
  hmacSha512(key, keyLen, msg, msgLen, out);
  return CRYPTO_OK;
}

@inline function overlaps(a: usize, alen: usize, b: usize, blen: usize): bool {
  return alen != 0 && blen != 0 && <u64>a < <u64>b + <u64>blen && <u64>b < <u64>a + <u64>alen;
}

// PBKDF2-HMAC-SHA512(pass, salt, iterations) -> out[0..outLen). CRYPTO_ERR_ARG
// for iterations = 0 or an out that overlaps pass or salt (they are read for
// every 64-byte block); CRYPTO_ERR_LENGTH for outLen = 0.
export function crypto_pbkdf2_hmac_sha512(
  pass: usize, passLen: u32, salt: usize, saltLen: u32, iterations: u32, out: usize, outLen: u32,
): i32 {
  if (!inMemory(pass, passLen) || !inMemory(salt, saltLen) || !inMemory(out, outLen)) return CRYPTO_ERR_ARG;
  if (iterations == 0) return CRYPTO_ERR_ARG;
  if (outLen == 0) return CRYPTO_ERR_LENGTH;
  if (overlaps(out, outLen, pass, passLen) || overlaps(out, outLen, salt, saltLen)) return CRYPTO_ERR_ARG;
  pbkdf2HmacSha512(pass, passLen, salt, saltLen, 0, 0, iterations, out, outLen);
  return CRYPTO_OK;
}

// ---- hsm_secret and BIP39 ----

// Decodes a Core Lightning hsm_secret file: out64 <- secret_data (32 or 64
// bytes), u32 at outLenPtr <- its length. passphrase = 0: none; otherwise
// passphrase[0..plen) (may be empty) is the BIP39 passphrase, used verbatim.
export function keys_secret_data_from_hsm_secret(
  file: usize, len: u32, passphrase: usize, plen: u32, out64: usize, outLenPtr: usize,
): i32 {
  const havePass = passphrase != 0;
  if (!inMemory(file, len) || (havePass && !inMemory(passphrase, plen)) ||
      !inMemory(out64, 64) || !inMemory(outLenPtr, 4)) return KEYS_ERR_ARG;
  return hsmSecretToSecretData(file, len, passphrase, plen, havePass, out64, outLenPtr);
}

// BIP39 English word `index` as ASCII at out (<= 8 bytes); returns its length,
// or 0 when index >= 2048 or out is outside memory.
export function keys_bip39_word(index: u32, out: usize): u32 {
  if (!inMemory(out, 8)) return 0;
  return bip39Word(index, out);
}

// ---- derivations from secret_data (32 or 64 bytes) ----

@inline function sdOk(sd: usize, sdLen: u32): i32 {
  if (!inMemory(sd, sdLen)) return KEYS_ERR_ARG;
  return secretDataLenOk(sdLen) ? KEYS_OK : KEYS_ERR_SECRET_DATA;
}

const PRIV: usize = memory.data(32, 8);
const BASE: usize = memory.data(32, 8);
const OUT: usize = memory.data(72, 8); // up to a signature, or key (32) + id (33)

function wipeTemps(): void {
  for (let i: usize = 0; i < 32; i += 4) { store<u32>(PRIV + i, 0); store<u32>(BASE + i, 0); }
  for (let i: usize = 0; i < 72; i += 4) store<u32>(OUT + i, 0);
}

@inline function copyOut(dst: usize, len: usize): void {
  for (let i: usize = 0; i < len; i++) store<u8>(dst + i, load<u8>(OUT + i));
}

// Node private key (32 bytes).
export function keys_node_key(sd: usize, sdLen: u32, outPriv32: usize): i32 {
  let r = sdOk(sd, sdLen);
  if (r != KEYS_OK) return r;
  if (!inMemory(outPriv32, 32)) return KEYS_ERR_ARG;
  return deriveNodeKey(sd, sdLen, outPriv32);
}

// Node id: the compressed public key of the node key (33 bytes).
export function keys_node_id(sd: usize, sdLen: u32, outId33: usize): i32 {
  let r = sdOk(sd, sdLen);
  if (r != KEYS_OK) return r;
  if (!inMemory(outId33, 33)) return KEYS_ERR_ARG;
  r = deriveNodeKeys(sd, sdLen, 0, 0, OUT);
  if (r == KEYS_OK) copyOut(outId33, 33);
  wipeTemps();
  return r;
}

// hsmd's derived_secret (32 bytes).
export function keys_derived_secret(sd: usize, sdLen: u32, out32: usize): i32 {
  let r = sdOk(sd, sdLen);
  if (r != KEYS_OK) return r;
  if (!inMemory(out32, 32)) return KEYS_ERR_ARG;
  return deriveDerivedSecret(sd, sdLen, out32);
}

// makesecret(info) (32 bytes), e.g. info = "scb secret", "node-alias-base".
export function keys_makesecret(sd: usize, sdLen: u32, info: usize, infoLen: u32, out32: usize): i32 {
  let r = sdOk(sd, sdLen);
  if (r != KEYS_OK) return r;
  if (!inMemory(info, infoLen) || !inMemory(out32, 32)) return KEYS_ERR_ARG;
  r = makesecret(sd, sdLen, info, infoLen, OUT);
  if (r == KEYS_OK) copyOut(out32, 32);
  wipeTemps();
  return r;
}

// BOLT 12 payer-key tweak SHA256(makesecret("node-alias-base") || metadata).
export function keys_payer_tweak(sd: usize, sdLen: u32, meta: usize, metaLen: u32, out32: usize): i32 {
  let r = sdOk(sd, sdLen);
  if (r != KEYS_OK) return r;
  if (!inMemory(meta, metaLen) || !inMemory(out32, 32)) return KEYS_ERR_ARG;
  r = deriveNodeKeys(sd, sdLen, 0, BASE, 0);
  if (r == KEYS_OK) r = payerTweakFromBase(BASE, meta, metaLen, OUT);
  if (r == KEYS_OK) copyOut(out32, 32);
  wipeTemps();
  return r;
}

// BOLT 12 payer private key node_priv + tweak(metadata) mod n (any metadata
// length, including 0; the signing rule "empty tweak = node key" is
// keys_bolt12_sign's).
export function keys_payer_key(sd: usize, sdLen: u32, meta: usize, metaLen: u32, outPriv32: usize): i32 {
  let r = sdOk(sd, sdLen);
  if (r != KEYS_OK) return r;
  if (!inMemory(meta, metaLen) || !inMemory(outPriv32, 32)) return KEYS_ERR_ARG;
  r = deriveNodeKeys(sd, sdLen, PRIV, BASE, 0);
  if (r == KEYS_OK) r = payerKeyFromBase(PRIV, BASE, meta, metaLen, OUT);
  if (r == KEYS_OK) copyOut(outPriv32, 32);
  wipeTemps();
  return r;
}

// invreq_payer_id: the compressed public key of keys_payer_key (33 bytes).
export function keys_payer_id(sd: usize, sdLen: u32, meta: usize, metaLen: u32, outId33: usize): i32 {
  let r = sdOk(sd, sdLen);
  if (r != KEYS_OK) return r;
  if (!inMemory(meta, metaLen) || !inMemory(outId33, 33)) return KEYS_ERR_ARG;
  r = deriveNodeKeys(sd, sdLen, PRIV, BASE, 0);
  if (r == KEYS_OK) r = payerKeyFromBase(PRIV, BASE, meta, metaLen, OUT);
  if (r == KEYS_OK && pubkeyCreate(OUT + 32, OUT) != SECP_OK) r = KEYS_ERR_TWEAK;
  if (r == KEYS_OK) for (let i: usize = 0; i < 33; i++) store<u8>(outId33 + i, load<u8>(OUT + 32 + i));
  wipeTemps();
  return r;
}

// BIP-340 signature (aux = 32 zero bytes, as CLN) of a 32-byte BOLT 12
// sighash (bolt12_sighash) with the key CLN's hsmd_sign_bolt12_2 uses:
// the node key when tweakLen = 0, else the payer key of tweak = invreq_metadata.
export function keys_bolt12_sign(sd: usize, sdLen: u32, tweak: usize, tweakLen: u32, sighash32: usize, out64: usize): i32 {
  let r = sdOk(sd, sdLen);
  if (r != KEYS_OK) return r;
  if (!inMemory(tweak, tweakLen) || !inMemory(sighash32, 32) || !inMemory(out64, 64)) return KEYS_ERR_ARG;
  r = deriveNodeKeys(sd, sdLen, PRIV, BASE, 0);
  if (r == KEYS_OK) r = bolt12Sign(PRIV, BASE, tweak, tweakLen, sighash32, OUT);
  if (r == KEYS_OK) copyOut(out64, 64);
  wipeTemps();
  return r;
}

// Core Lightning hsm_secret file → secret_data (the bytes every CLN key is
// derived from), over raw memory, no allocation. Formats (spec: CLN RPC
// digest §7.1; Core Lightning common/hsm_secret.c decides by length):
//   32 bytes   legacy plain: secret_data = the 32 bytes
//   73 bytes   legacy encrypted (Argon2id + XChaCha20-Poly1305): refused,
//              KEYS_ERR_ENCRYPTED (decrypt with lightning-hsmtool first)
//   otherwise  v25.12+ mnemonic: 32-byte header (all zero = no passphrase,
//              else SHA-256 of the seed) ‖ BIP39 English mnemonic text;
//              secret_data = the 64-byte BIP39 seed
// File length and header kind are public; the secret bytes are handled in
// constant time (mnemonic.ts), the passphrase check compares with masks, and
// every scratch buffer is wiped.
import { sha256 } from "../crypto/sha256";
import { mnemonicCheck, mnemonicToSeed } from "./mnemonic";
import {
  KEYS_OK, KEYS_ERR_FORMAT, KEYS_ERR_ENCRYPTED, KEYS_ERR_PASSPHRASE_REQUIRED, KEYS_ERR_PASSPHRASE_NOT_NEEDED,
  KEYS_ERR_WRONG_PASSPHRASE, KEYS_ERR_PASSPHRASE_LENGTH, KEYS_MAX_PASSPHRASE,
} from "../../shared/keys-status";

export const HSM_SECRET_PLAIN_LEN: usize = 32;
// libsodium secretstream header (24) + 32-byte secret + ABYTES (17).
export const HSM_SECRET_ENCRYPTED_LEN: usize = 73;
export const HSM_SECRET_HEADER_LEN: usize = 32;

const SEED: usize = memory.data(64, 8);
const SEED_HASH: usize = memory.data(32, 8);

// Decodes an hsm_secret file into secret_data at out64 (32 or 64 bytes; the
// length is stored as a u32 at outLenPtr). havePass = false: no passphrase
// (pass/passLen ignored); true: pass[0..passLen) is the BIP39 passphrase,
// possibly empty. Returns KEYS_OK or a KEYS_ERR_* code (nothing written).
// out64 and outLenPtr must not overlap the file or the passphrase.
// Cost: one PBKDF2-HMAC-SHA512 with 2048 rounds for a mnemonic file.
export function hsmSecretToSecretData(
  file: usize, fileLen: usize, pass: usize, passLen: usize, havePass: bool, out64: usize, outLenPtr: usize,
): i32 {
  // CLN: a file shorter than 32 bytes is no hsm_secret.
  if (fileLen < HSM_SECRET_PLAIN_LEN) return KEYS_ERR_FORMAT;
  if (fileLen == HSM_SECRET_PLAIN_LEN) {
    // Legacy plain files take no passphrase (CLN ignores one; we refuse it so
    // that a user who typed one learns that the file is not protected by it).
    if (havePass) return KEYS_ERR_PASSPHRASE_NOT_NEEDED;
    for (let i: usize = 0; i < 32; i += 4) store<u32>(out64 + i, load<u32>(file + i));
    store<u32>(outLenPtr, 32);
    return KEYS_OK;
  }
  // CLN: exactly 73 bytes is the encrypted legacy format.
  if (fileLen == HSM_SECRET_ENCRYPTED_LEN) return KEYS_ERR_ENCRYPTED;
  // A passphrase is at most KEYS_MAX_PASSPHRASE bytes (our bound; CLN has none).
  if (havePass && passLen > <usize>KEYS_MAX_PASSPHRASE) return KEYS_ERR_PASSPHRASE_LENGTH;

  // Mnemonic format: the header says whether a passphrase was used.
  let header: u32 = 0;
  for (let i: usize = 0; i < HSM_SECRET_HEADER_LEN; i++) header |= load<u8>(file + i);
  const needsPass = header != 0;
  // CLN: a zero header with a passphrase, or a hash header without one, is an error.
  if (needsPass && !havePass) return KEYS_ERR_PASSPHRASE_REQUIRED;
  if (!needsPass && havePass) return KEYS_ERR_PASSPHRASE_NOT_NEEDED;

  const text = file + HSM_SECRET_HEADER_LEN;
  const textLen = fileLen - HSM_SECRET_HEADER_LEN;
  const r = mnemonicCheck(text, textLen);
  if (r != KEYS_OK) return r;
  mnemonicToSeed(text, textLen, pass, havePass ? passLen : 0, SEED);
  if (needsPass) {
    // CLN: header = SHA-256(64-byte seed) for the right passphrase. Compared
    // with an OR of XORs, not an early-exit loop.
    sha256(SEED, 64, SEED_HASH);
    let diff: u32 = 0;
    for (let i: usize = 0; i < 32; i += 4) diff |= load<u32>(SEED_HASH + i) ^ load<u32>(file + i);
    for (let i: usize = 0; i < 32; i += 4) store<u32>(SEED_HASH + i, 0);
    if (diff != 0) {
      for (let i: usize = 0; i < 64; i += 4) store<u32>(SEED + i, 0);
      return KEYS_ERR_WRONG_PASSPHRASE;
    }
  }
  for (let i: usize = 0; i < 64; i += 4) {
    store<u32>(out64 + i, load<u32>(SEED + i));
    store<u32>(SEED + i, 0);
  }
  store<u32>(outLenPtr, 64);
  return KEYS_OK;
}

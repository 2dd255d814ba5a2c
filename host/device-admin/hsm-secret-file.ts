// Reading a Core Lightning hsm_secret file for `lnsigner device provision`
// (formats: docs/firmware/keys.md). The host only sorts the file by shape —
// the firmware parses and checks it again and has the last word — so that a
// passphrase is asked for exactly when the file has one, and an encrypted
// file is refused with the tool that decrypts it.
import { HSM_SECRET_TEXT } from '../device-client/explain.js';
import { readFileSync } from 'node:fs';
import * as K from '../../shared/keys-status.js';

export type HsmSecretFormat = 'legacy' | 'mnemonic' | 'mnemonic-with-passphrase';

export interface HsmSecretFile {
  bytes: Uint8Array;
  format: HsmSecretFormat;
}

/** Length of CLN's pre-v25.12 encrypted hsm_secret (Argon2id salt ‖ XChaCha20-Poly1305 box). */
const ENCRYPTED_SIZE = 73;

export class HsmSecretFileError extends Error {}

export function classifyHsmSecret(bytes: Uint8Array): HsmSecretFormat {
  if (bytes.length === 32) return 'legacy';
  if (bytes.length === ENCRYPTED_SIZE) {
    throw new HsmSecretFileError('this is an encrypted hsm_secret (73 bytes): decrypt it first with `lightning-hsmtool decrypt`');
  }
  if (bytes.length < 32 + K.KEYS_MIN_MNEMONIC_TEXT || bytes.length > K.KEYS_MAX_HSM_SECRET) {
    throw new HsmSecretFileError(
      `${bytes.length} bytes is neither a 32-byte hsm_secret nor a mnemonic-format one (${32 + K.KEYS_MIN_MNEMONIC_TEXT}..${K.KEYS_MAX_HSM_SECRET} bytes)`,
    );
  }
  // v25.12+ format: a 32-byte header, all zero unless a passphrase was used (then SHA-256 of the seed).
  return bytes.subarray(0, 32).some((b) => b !== 0) ? 'mnemonic-with-passphrase' : 'mnemonic';
}

export function readHsmSecretFile(path: string): HsmSecretFile {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new HsmSecretFileError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return { bytes, format: classifyHsmSecret(bytes) };
}

/** Why the firmware refused the file (ERR_HSM_SECRET detail, shared/keys-status.ts). */
export function hsmSecretRefusal(detail: number): string {
  return HSM_SECRET_TEXT[detail] ?? `key derivation failed (detail ${detail})`;
}

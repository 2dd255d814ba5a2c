// @noble/secp256k1, set up once for synchronous use (its v3 API needs the
// hash functions supplied). The host verifies with it; it never signs.
import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';

secp.hashes.sha256 ??= sha256;
secp.hashes.hmacSha256 ??= (key: Uint8Array, msg: Uint8Array) => hmac(sha256, key, msg);

export { secp };

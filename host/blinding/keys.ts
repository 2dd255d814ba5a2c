// Route blinding key arithmetic on @noble (bolt-digest §4.7, cln-offers-flow
// digest §6.3–6.4): the shared secret of a hop, its blinded node id (and the
// matching private key a hop decrypts with), the next path key, and the
// ChaCha20-Poly1305 sealing of encrypted_recipient_data (rho key, 12 zero
// nonce bytes, no associated data, 16-byte tag appended).
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { secp } from '../crypto/noble.js';
import { deriveKey, ecdh } from '../onion/sphinx.js';

const N = secp.Point.CURVE().n;
const ZERO_NONCE = new Uint8Array(12);
const toScalar = (b: Uint8Array) => secp.etc.mod(secp.etc.bytesToNumberBE(b), N);
const toBytes = (k: bigint) => secp.etc.numberToBytesBE(k);

/** ss_i = SHA256(compressed(secret · point)): e_i·N_i for the creator, k_i·E_i for the hop. */
export const blindingSharedSecret = (secret: Uint8Array, point: Uint8Array): Uint8Array => ecdh(secret, point);

/** rho_i = HMAC-SHA256("rho", ss_i): the key of encrypted_recipient_data_i. */
export const rhoKey = (ss: Uint8Array): Uint8Array => deriveKey('rho', ss);

/** HMAC-SHA256("blinded_node_id", ss_i) as a scalar: the tweak of the hop's node key. */
export const blindingTweak = (ss: Uint8Array): bigint => toScalar(deriveKey('blinded_node_id', ss));

/** B_i = HMAC("blinded_node_id", ss_i) · N_i. */
export const blindedNodeId = (nodeId: Uint8Array, ss: Uint8Array): Uint8Array =>
  secp.Point.fromBytes(nodeId).multiply(blindingTweak(ss)).toBytes(true);

/** b_i = HMAC("blinded_node_id", ss_i) · k_i mod n: the private key of B_i (the hop's Sphinx key). */
export const blindedNodeSecret = (nodeSecret: Uint8Array, ss: Uint8Array): Uint8Array =>
  toBytes(secp.etc.mod(secp.etc.bytesToNumberBE(nodeSecret) * blindingTweak(ss), N));

/** h_i = SHA256(E_i ‖ ss_i) as a scalar. */
const pathKeyFactor = (pathKey: Uint8Array, ss: Uint8Array) => toScalar(sha256(concatBytes(pathKey, ss)));

/** E_{i+1} = SHA256(E_i ‖ ss_i) · E_i. */
export const nextPathKey = (pathKey: Uint8Array, ss: Uint8Array): Uint8Array =>
  secp.Point.fromBytes(pathKey).multiply(pathKeyFactor(pathKey, ss)).toBytes(true);

/** e_{i+1} = SHA256(E_i ‖ ss_i) · e_i (creator side). */
export const nextPathSecret = (pathSecret: Uint8Array, pathKey: Uint8Array, ss: Uint8Array): Uint8Array =>
  toBytes(secp.etc.mod(secp.etc.bytesToNumberBE(pathSecret) * pathKeyFactor(pathKey, ss), N));

/** ChaCha20-Poly1305 (RFC 8439) with key rho, 12 zero nonce bytes, no AAD: ciphertext ‖ 16-byte tag. */
export const sealRecipientData = (rho: Uint8Array, plaintext: Uint8Array): Uint8Array =>
  chacha20poly1305(rho, ZERO_NONCE).encrypt(plaintext);

/** The inverse of sealRecipientData; undefined when the tag does not verify (or the data is shorter than a tag). */
export function openRecipientData(rho: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < 16) return undefined;
  try {
    return chacha20poly1305(rho, ZERO_NONCE).decrypt(sealed);
  } catch {
    return undefined;
  }
}

/** A fresh random 32-byte secret key (CSPRNG), for path and Sphinx session keys. */
export const randomSessionKey = (): Uint8Array => secp.utils.randomSecretKey();

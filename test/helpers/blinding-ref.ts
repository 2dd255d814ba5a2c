// A minimal, independent route-blinding reader on @noble (BOLT 4 §4.7 as a
// path's hops and onion-message recipients apply it), used to check what the
// device builds. TO BE REPLACED by host/blinding/ (issue 10 host part) once
// that branch is merged: it is written here only so the device tests do not
// depend on work in progress elsewhere.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { secp } from '../../host/crypto/noble.js';

const N = secp.Point.CURVE().n;
const num = (b: Uint8Array) => secp.etc.bytesToNumberBE(b);
const b32 = (v: bigint): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));

/** SHA256(compressed(k·P)). */
export function ecdhRef(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  return sha256(secp.Point.fromBytes(pub).multiply(num(priv) % N).toBytes(true));
}

export interface Unblinded {
  /** The decrypted encrypted_data_tlv. */
  plaintext: Uint8Array;
  /** The node's blinded private key (for peeling the onion addressed to it). */
  blindedPriv: Uint8Array;
  /** Next path key: SHA256(E ‖ ss)·E (the hop applies next_path_key_override itself). */
  nextPathKey: Uint8Array;
}

/**
 * What the hop holding `nodePriv` does with `pathKey` and its encrypted data:
 * ss = ECDH(E, k), rho = HMAC("rho", ss), ChaCha20-Poly1305 open (zero
 * nonce, no AAD). Throws when the tag does not verify (not this hop's data).
 */
export function unblindRef(nodePriv: Uint8Array, pathKey: Uint8Array, encrypted: Uint8Array): Unblinded {
  const ss = ecdhRef(nodePriv, pathKey);
  const rho = hmac(sha256, utf8ToBytes('rho'), ss);
  const plaintext = chacha20poly1305(rho, new Uint8Array(12)).decrypt(encrypted);
  const tweak = num(hmac(sha256, utf8ToBytes('blinded_node_id'), ss));
  const blindedPriv = b32((num(nodePriv) * tweak) % N);
  const h = num(sha256(concatBytes(pathKey, ss))) % N;
  const nextPathKey = secp.Point.fromBytes(pathKey).multiply(h).toBytes(true);
  return { plaintext, blindedPriv, nextPathKey };
}

/** Blinded node id of `nodePub` for path key secret e: HMAC("blinded_node_id", ss)·N. */
export function blindedIdRef(e: Uint8Array, nodePub: Uint8Array): Uint8Array {
  const ss = ecdhRef(e, nodePub);
  const tweak = num(hmac(sha256, utf8ToBytes('blinded_node_id'), ss));
  return secp.Point.fromBytes(nodePub).multiply(tweak).toBytes(true);
}

/** Minimal TLV reader (records in order; enough for plaintexts the tests made). */
export function tlvRecords(b: Uint8Array): { type: bigint; value: Uint8Array }[] {
  const out: { type: bigint; value: Uint8Array }[] = [];
  let o = 0;
  const bs = (): bigint => {
    const f = b[o];
    if (f < 0xfd) { o += 1; return BigInt(f); }
    if (f === 0xfd) { const v = (b[o + 1] << 8) | b[o + 2]; o += 3; return BigInt(v); }
    if (f === 0xfe) { const v = new DataView(b.buffer, b.byteOffset + o + 1, 4).getUint32(0); o += 5; return BigInt(v); }
    const v = new DataView(b.buffer, b.byteOffset + o + 1, 8).getBigUint64(0); o += 9; return v;
  };
  while (o < b.length) {
    const type = bs();
    const len = Number(bs());
    out.push({ type, value: b.slice(o, o + len) });
    o += len;
  }
  return out;
}

/** BigSize encoding. */
export function bigsize(v: number | bigint): Uint8Array {
  const n = BigInt(v);
  if (n < 0xfdn) return Uint8Array.of(Number(n));
  if (n <= 0xffffn) return Uint8Array.of(0xfd, Number(n >> 8n), Number(n & 0xffn));
  if (n <= 0xffffffffn) { const b = new Uint8Array(5); b[0] = 0xfe; new DataView(b.buffer).setUint32(1, Number(n)); return b; }
  const b = new Uint8Array(9); b[0] = 0xff; new DataView(b.buffer).setBigUint64(1, n); return b;
}

/** One TLV record. */
export const rec = (type: number | bigint, value: Uint8Array): Uint8Array => concatBytes(bigsize(type), bigsize(value.length), value);

/** Minimal big-endian (tu32 / tu64) encoding. */
export function tu(v: number | bigint): Uint8Array {
  let n = BigInt(v);
  const bytes: number[] = [];
  while (n > 0n) { bytes.unshift(Number(n & 0xffn)); n >>= 8n; }
  return Uint8Array.from(bytes);
}

/** The blinded private key a hop derives from the path key alone (to peel the onion addressed to it). */
export function blindedPrivRef(nodePriv: Uint8Array, pathKey: Uint8Array): Uint8Array {
  const ss = ecdhRef(nodePriv, pathKey);
  const tweak = num(hmac(sha256, utf8ToBytes('blinded_node_id'), ss));
  return b32((num(nodePriv) * tweak) % N);
}

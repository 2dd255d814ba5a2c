// BOLT 4 Sphinx on @noble/* only (bolt-digest §4): sender-side construction,
// the per-hop processing a forwarding node does (peel), and the failure onion
// (return path). It shares no code with the firmware's onion builder
// (device/onion/), so the tests, the benchmark and the simulated network use
// it as an independent check of the device; the payment engine uses it to
// decode failure onions with the shared secrets the device returns
// (docs/firmware/onion.md, docs/host/simnet.md).
import { secp } from '../crypto/noble.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { readBigSize, type BigSizeRead } from '../bolt12/bigsize.js';

/** hop_payloads length of a payment onion (§4.1); createonion may ask for others. */
export const ONION_ROUTING_SIZE = 1300;
/** version ‖ public_key ‖ hop_payloads ‖ hmac around `payloadsLen` bytes of hop_payloads. */
export const onionPacketLen = (payloadsLen = ONION_ROUTING_SIZE) => 1 + 33 + payloadsLen + 32;
/** A payment onion packet: 1366 bytes. */
export const ONION_PACKET_LEN = onionPacketLen();
const N = secp.Point.CURVE().n;

const enc = new TextEncoder();
const ZERO12 = new Uint8Array(12);

/** Constant-time equality of two byte strings of equal length. */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** §4.2: ss = SHA256(compressed(k · P)). */
export function ecdh(secret: Uint8Array, point: Uint8Array): Uint8Array {
  return sha256(secp.getSharedSecret(secret, point, true));
}

/** §4.2: key(name, ss) = HMAC-SHA256(key = ASCII name, data = ss); `blinded_node_id` is route blinding's (§4.7). */
export const deriveKey = (name: 'rho' | 'mu' | 'um' | 'pad' | 'ammag' | 'blinded_node_id', ss: Uint8Array) => hmac(sha256, enc.encode(name), ss);

/** §4.2: ChaCha20 keystream, 96-bit zero nonce, counter 0. */
export const stream = (key: Uint8Array, len: number) => chacha20(key, ZERO12, new Uint8Array(len));

const xorInto = (dst: Uint8Array, src: Uint8Array) => {
  for (let i = 0; i < dst.length; i++) dst[i] ^= src[i];
};

// ---------------------------------------------------------------------------
// Per-hop processing (§4.4)

export type PeelResult =
  | { ok: true; sharedSecret: Uint8Array; payload: Uint8Array; final: true }
  | { ok: true; sharedSecret: Uint8Array; payload: Uint8Array; final: false; next: Uint8Array }
  /** A BADONION failure: code and sha256_of_onion (the data of update_fail_malformed_htlc). */
  | { ok: false; code: number; sha256OfOnion: Uint8Array; sharedSecret?: Uint8Array };

export const FAIL_INVALID_ONION_VERSION = 0xc004;
export const FAIL_INVALID_ONION_HMAC = 0xc005;
export const FAIL_INVALID_ONION_KEY = 0xc006;
export const FAIL_INVALID_ONION_PAYLOAD = 0x4016;

/** Smallest payload length a hop accepts: 2 for payments (§4.1), 0 for onion messages (§4.10). */
export const MIN_PAYMENT_PAYLOAD_LEN = 2;

/**
 * Processes one onion at a hop holding `nodeSecret`. `ad` is the associated
 * data (the HTLC's payment_hash; empty for onion messages). `payloadsLen` is
 * the hop_payloads length (1300 for payments; createonion's onion_size or an
 * onion message's len − 66 otherwise); a packet of any other length fails as
 * invalid_onion_version. `minPayloadLen` is 2 for payments and 0 for onion
 * messages. Returns the payload (without its length prefix) and either the
 * packet for the next hop or `final`. A malformed length/payload yields code
 * 0x4016 (invalid_onion_payload).
 */
export function peel(
  onion: Uint8Array, nodeSecret: Uint8Array, ad: Uint8Array, payloadsLen = ONION_ROUTING_SIZE, minPayloadLen = MIN_PAYMENT_PAYLOAD_LEN,
): PeelResult {
  const sha256OfOnion = sha256(onion);
  const bad = (code: number, sharedSecret?: Uint8Array): PeelResult => ({ ok: false, code, sha256OfOnion, sharedSecret });
  // §4.4 step 1: version ≠ 0 → fail (invalid_onion_version).
  if (onion.length !== onionPacketLen(payloadsLen)) return bad(FAIL_INVALID_ONION_VERSION);
  if (onion[0] !== 0) return bad(FAIL_INVALID_ONION_VERSION);
  const pub = onion.subarray(1, 34);
  // §4.4 step 1: public_key not a valid point → fail (invalid_onion_key).
  let point: InstanceType<typeof secp.Point>;
  try {
    point = secp.Point.fromBytes(pub);
  } catch {
    return bad(FAIL_INVALID_ONION_KEY);
  }
  const payloads = onion.subarray(34, 34 + payloadsLen);
  const hmacGot = onion.subarray(34 + payloadsLen);
  // §4.4 step 4: ss = ECDH(public_key, node_secret); HMAC(mu, hop_payloads ‖ ad) in constant time.
  const ss = ecdh(nodeSecret, pub);
  const want = hmac(sha256, deriveKey('mu', ss), concatBytes(payloads, ad));
  if (!ctEqual(want, hmacGot)) return bad(FAIL_INVALID_ONION_HMAC, ss);
  // §4.4 step 5: XOR hop_payloads ‖ as many zero bytes (2 × 1300 for payments) with a rho stream.
  const buf = new Uint8Array(2 * payloadsLen);
  buf.set(payloads);
  xorInto(buf, stream(deriveKey('rho', ss), buf.length));
  // §4.4 step 6: BigSize length (malformed or < 2 → fail; §4.10: 0 is legal in onion messages), payload, 32-byte next_hmac.
  let len: BigSizeRead;
  try {
    len = readBigSize(buf, 0);
  } catch {
    return bad(FAIL_INVALID_ONION_PAYLOAD, ss);
  }
  if (len.value < BigInt(minPayloadLen) || len.value > BigInt(payloadsLen)) return bad(FAIL_INVALID_ONION_PAYLOAD, ss);
  const start = len.next;
  const end = start + Number(len.value);
  if (end + 32 > payloadsLen) return bad(FAIL_INVALID_ONION_PAYLOAD, ss);
  const payload = buf.slice(start, end);
  const nextHmac = buf.slice(end, end + 32);
  // §4.4 step 7: next_hmac all zero → final destination.
  if (nextHmac.every((x) => x === 0)) return { ok: true, sharedSecret: ss, payload, final: true };
  // Otherwise forward: public_key · SHA256(public_key ‖ ss), next hop_payloads, next_hmac.
  const blind = secp.etc.mod(secp.etc.bytesToNumberBE(sha256(concatBytes(pub, ss))), N);
  const nextPub = point.multiply(blind).toBytes(true);
  const next = concatBytes(Uint8Array.of(0), nextPub, buf.subarray(end + 32, end + 32 + payloadsLen), nextHmac);
  return { ok: true, sharedSecret: ss, payload, final: false, next };
}

/** A successful peel in the shape tests and tools check: `next` is null at the final hop. */
export interface Peeled {
  sharedSecret: Uint8Array;
  /** The TLV payload (length prefix removed). */
  payload: Uint8Array;
  next: Uint8Array | null;
}

/** peel() for callers that treat every failure as an error; throws with the BOLT 4 code. */
export function peelOnion(onion: Uint8Array, nodeSecret: Uint8Array, ad: Uint8Array, payloadsLen = ONION_ROUTING_SIZE): Peeled {
  const r = peel(onion, nodeSecret, ad, payloadsLen);
  if (!r.ok) throw new Error(`onion refused: BOLT 4 failure code 0x${r.code.toString(16)}`);
  return { sharedSecret: r.sharedSecret, payload: r.payload, next: r.final ? null : r.next };
}

// ---------------------------------------------------------------------------
// Construction (§4.3)

export interface OnionHop {
  /** 33-byte node id. */
  pubkey: Uint8Array;
  /** TLV payload WITH its BigSize length prefix (as in onion-test.json). */
  payload: Uint8Array;
}

/** Shared secrets for a route from a session key (§4.2 ephemeral blinding). */
export function sharedSecrets(sessionKey: Uint8Array, pubkeys: Uint8Array[]): Uint8Array[] {
  let ek = secp.etc.bytesToNumberBE(sessionKey);
  const out: Uint8Array[] = [];
  for (const pk of pubkeys) {
    const ekBytes = secp.etc.numberToBytesBE(ek);
    const epk = secp.getPublicKey(ekBytes, true);
    const ss = ecdh(ekBytes, pk);
    out.push(ss);
    const b = secp.etc.mod(secp.etc.bytesToNumberBE(sha256(concatBytes(epk, ss))), N);
    ek = secp.etc.mod(ek * b, N);
  }
  return out;
}

/** The hop payloads (each BigSize length ‖ payload ‖ 32-byte HMAC) do not fit; `over` says by how many bytes. */
export class OnionTooLarge extends Error {
  readonly over: number;
  constructor(readonly needed: number, readonly limit: number) {
    super(`Payloads exceed maximum onion packet size. (${needed - limit} bytes over ${limit})`);
    this.over = needed - limit;
    this.name = 'OnionTooLarge';
  }
}

/** Sphinx construction (§4.3) with `onionSize` bytes of hop_payloads (1300 for payments). */
export function buildOnion(
  sessionKey: Uint8Array, hops: OnionHop[], ad: Uint8Array, onionSize = ONION_ROUTING_SIZE,
): { onion: Uint8Array; sharedSecrets: Uint8Array[] } {
  const ss = sharedSecrets(sessionKey, hops.map((h) => h.pubkey));
  const size = (i: number) => hops[i].payload.length + 32;
  const needed = hops.reduce((n, _, i) => n + size(i), 0);
  if (needed > onionSize) throw new OnionTooLarge(needed, onionSize);
  // Filler (§4.3 step 2).
  let filler = new Uint8Array(0);
  for (let i = 0; i < hops.length - 1; i++) {
    const f = new Uint8Array(filler.length + size(i));
    f.set(filler);
    const s = stream(deriveKey('rho', ss[i]), onionSize + size(i));
    xorInto(f, s.subarray(s.length - f.length));
    filler = f;
  }
  // Initial mix header from the session key's pad stream (§4.3 step 3).
  let mix = stream(deriveKey('pad', sessionKey), onionSize);
  let nextHmac = new Uint8Array(32);
  for (let i = hops.length - 1; i >= 0; i--) {
    const shifted = new Uint8Array(onionSize);
    shifted.set(concatBytes(hops[i].payload, nextHmac).subarray(0, onionSize));
    shifted.set(mix.subarray(0, onionSize - size(i)), size(i));
    xorInto(shifted, stream(deriveKey('rho', ss[i]), onionSize));
    if (i === hops.length - 1) shifted.set(filler, onionSize - filler.length);
    mix = shifted;
    nextHmac = hmac(sha256, deriveKey('mu', ss[i]), concatBytes(mix, ad));
  }
  const onion = concatBytes(Uint8Array.of(0), secp.getPublicKey(sessionKey, true), mix, nextHmac);
  return { onion, sharedSecrets: ss };
}

// ---------------------------------------------------------------------------
// Failure onion (§4.9)

/** Body size (failure_len + pad_len) the erring node pads to. */
export const FAILURE_BODY_LEN = 256;

/**
 * Erring node: payload = u16 failure_len ‖ failuremsg ‖ u16 pad_len ‖ pad
 * (failure_len + pad_len = 256), packet = HMAC(um, payload) ‖ payload, then
 * XOR with the erring node's own ammag stream.
 */
export function createFailureOnion(ss: Uint8Array, failuremsg: Uint8Array): Uint8Array {
  const padLen = Math.max(0, FAILURE_BODY_LEN - failuremsg.length);
  const payload = new Uint8Array(2 + failuremsg.length + 2 + padLen);
  new DataView(payload.buffer).setUint16(0, failuremsg.length);
  payload.set(failuremsg, 2);
  new DataView(payload.buffer).setUint16(2 + failuremsg.length, padLen);
  const packet = concatBytes(hmac(sha256, deriveKey('um', ss), payload), payload);
  return wrapFailureOnion(ss, packet);
}

/** Every hop on the way back XORs the packet with its own ammag stream (§4.9). */
export function wrapFailureOnion(ss: Uint8Array, packet: Uint8Array): Uint8Array {
  const out = Uint8Array.from(packet);
  xorInto(out, stream(deriveKey('ammag', ss), out.length));
  return out;
}

/**
 * Origin (§4.9): with the route's shared secrets, peel with ammag_i in route
 * order and test HMAC(um_i, packet[32:]) == packet[0:32]; the first match is
 * the erring hop. Returns its index and the failure message, or undefined if
 * no hop matches or the matching payload is cut short.
 */
export function decodeFailureOnion(
  secrets: Uint8Array[],
  packet: Uint8Array,
): { index: number; failuremsg: Uint8Array } | undefined {
  let p = packet;
  for (let i = 0; i < secrets.length; i++) {
    p = wrapFailureOnion(secrets[i], p);
    if (p.length < 32 + 4) continue;
    const mac = hmac(sha256, deriveKey('um', secrets[i]), p.subarray(32));
    if (!ctEqual(mac, p.subarray(0, 32))) continue;
    const flen = (p[32] << 8) | p[33];
    if (34 + flen + 2 > p.length) return undefined;
    return { index: i, failuremsg: p.slice(34, 34 + flen) };
  }
  return undefined;
}

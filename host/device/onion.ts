// Host side of onion construction: payload encoding for build_onion, and an
// independent BOLT 4 Sphinx implementation on @noble (build, peel, failure
// decoding). The device builds the onions that are sent; this module is the
// reference the tests and the benchmark check it against, and the code the
// host uses to decode failure onions with the shared secrets the device
// returns (docs/firmware/onion.md).
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { secp } from '../crypto/noble.js';

const N = secp.Point.CURVE().n;
const enc = new TextEncoder();
const ZERO12 = new Uint8Array(12);

export const ONION_ROUTING_SIZE = 1300;

const big = (b: Uint8Array): bigint => BigInt('0x' + (Buffer.from(b).toString('hex') || '0'));
const b32 = (v: bigint): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
const cat = (...p: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(p.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of p) { out.set(x, o); o += x.length; }
  return out;
};

/** BOLT 1 BigSize. */
export function bigsize(v: bigint | number): Uint8Array {
  const n = BigInt(v);
  if (n < 0xfdn) return Uint8Array.of(Number(n));
  if (n <= 0xffffn) return Uint8Array.of(0xfd, Number(n >> 8n), Number(n & 0xffn));
  if (n <= 0xffffffffn) { const b = new Uint8Array(5); b[0] = 0xfe; new DataView(b.buffer).setUint32(1, Number(n)); return b; }
  const b = new Uint8Array(9); b[0] = 0xff; new DataView(b.buffer).setBigUint64(1, n); return b;
}

/** BOLT 1 truncated unsigned integer (big-endian, no leading zero bytes). */
export function tu(v: bigint | number): Uint8Array {
  let n = BigInt(v);
  const out: number[] = [];
  while (n > 0n) { out.unshift(Number(n & 0xffn)); n >>= 8n; }
  return Uint8Array.from(out);
}

const rec = (type: number, value: Uint8Array) => cat(bigsize(type), bigsize(value.length), value);

/** One hop's payload fields (BOLT 4 `payload` TLVs, digest §4.5). */
export interface HopPayload {
  /** amt_to_forward (2), msat. */
  amountMsat: bigint;
  /** outgoing_cltv_value (4), absolute. */
  cltv: number;
  /** short_channel_id (6), 8 bytes: intermediate hops only. */
  shortChannelId?: Uint8Array;
  /** payment_data (8): 32-byte payment_secret ‖ tu64 total_msat (final hop). */
  paymentSecret?: Uint8Array;
  totalMsat?: bigint;
  /** payment_metadata (16) (final hop). */
  paymentMetadata?: Uint8Array;
}

/** Encodes a payment payload TLV stream (without the BigSize length prefix). */
export function encodeHopPayload(p: HopPayload): Uint8Array {
  const recs: Uint8Array[] = [rec(2, tu(p.amountMsat)), rec(4, tu(p.cltv))];
  if (p.shortChannelId) {
    if (p.shortChannelId.length !== 8) throw new Error('short_channel_id must be 8 bytes');
    recs.push(rec(6, p.shortChannelId));
  }
  if (p.paymentSecret) {
    if (p.paymentSecret.length !== 32) throw new Error('payment_secret must be 32 bytes');
    recs.push(rec(8, cat(p.paymentSecret, tu(p.totalMsat ?? p.amountMsat))));
  }
  if (p.paymentMetadata) recs.push(rec(16, p.paymentMetadata));
  return cat(...recs);
}

/** BigSize length ‖ payload: the hop data as createonion takes it. */
export const withLength = (payload: Uint8Array): Uint8Array => cat(bigsize(payload.length), payload);

const key = (name: string, ss: Uint8Array) => hmac(sha256, enc.encode(name), ss);
const stream = (k: Uint8Array, len: number) => chacha20(k, ZERO12, new Uint8Array(len));
const xorInto = (a: Uint8Array, b: Uint8Array) => { for (let i = 0; i < a.length; i++) a[i] ^= b[i]; };
const ecdh = (sk: Uint8Array, pub: Uint8Array) => sha256(secp.getSharedSecret(sk, pub, true));

export interface OnionHop { pubkey: Uint8Array; /** with BigSize length prefix */ payload: Uint8Array }

/** Reference Sphinx construction (BOLT 4 "Packet Construction"), @noble only. */
export function createOnionRef(
  hops: OnionHop[], assocData: Uint8Array, sessionKey: Uint8Array, onionSize = ONION_ROUTING_SIZE,
): { onion: Uint8Array; sharedSecrets: Uint8Array[] } {
  const ss: Uint8Array[] = [];
  let e = big(sessionKey);
  const epk0 = secp.getPublicKey(sessionKey, true);
  for (let i = 0; i < hops.length; i++) {
    const ek = b32(e);
    const s = ecdh(ek, hops[i].pubkey);
    ss.push(s);
    const bf = big(sha256(cat(secp.getPublicKey(ek, true), s)));
    e = (e * bf) % N;
  }
  const sizes = hops.map((h) => h.payload.length + 32);
  if (sizes.reduce((a, b) => a + b, 0) > onionSize) throw new Error('Payloads exceed maximum onion packet size.');
  let filler: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < hops.length - 1; i++) {
    filler = cat(filler, new Uint8Array(sizes[i]));
    const st = stream(key('rho', ss[i]), onionSize + sizes[i]);
    xorInto(filler, st.subarray(st.length - filler.length));
  }
  let routing: Uint8Array = stream(key("pad", sessionKey), onionSize);
  let next: Uint8Array = new Uint8Array(32);
  for (let i = hops.length - 1; i >= 0; i--) {
    routing = cat(hops[i].payload, next, routing).slice(0, onionSize);
    xorInto(routing, stream(key('rho', ss[i]), onionSize));
    if (i === hops.length - 1) routing.set(filler, onionSize - filler.length);
    next = hmac(sha256, key('mu', ss[i]), cat(routing, assocData));
  }
  return { onion: cat(Uint8Array.of(0), epk0, routing, next), sharedSecrets: ss };
}

export interface Peeled {
  sharedSecret: Uint8Array;
  /** The TLV payload (length prefix removed). */
  payload: Uint8Array;
  /** The onion for the next hop, or null at the final hop (next hmac all zero). */
  next: Uint8Array | null;
}

/** BOLT 4 "Onion Decryption" by the hop holding `nodeSecret`; throws on any failure. */
export function peelOnion(onion: Uint8Array, nodeSecret: Uint8Array, assocData: Uint8Array): Peeled {
  const size = onion.length - 66;
  if (size <= 0 || onion[0] !== 0) throw new Error('invalid_onion_version');
  const epk = onion.subarray(1, 34);
  const routing = onion.subarray(34, 34 + size);
  const mac = onion.subarray(34 + size);
  const ss = ecdh(nodeSecret, epk);
  const want = hmac(sha256, key('mu', ss), cat(routing, assocData));
  if (!want.every((b, i) => b === mac[i])) throw new Error('invalid_onion_hmac');
  const buf = cat(routing, new Uint8Array(size));
  xorInto(buf, stream(key('rho', ss), 2 * size));
  let len: number, off: number;
  if (buf[0] < 0xfd) { len = buf[0]; off = 1; }
  else if (buf[0] === 0xfd) { len = (buf[1] << 8) | buf[2]; off = 3; if (len < 0xfd) throw new Error('non-minimal length'); }
  else throw new Error('payload length too large');
  if (len < 2 || off + len + 32 > size) throw new Error('invalid payload length');
  const payload = buf.slice(off, off + len);
  const nextMac = buf.slice(off + len, off + len + 32);
  if (nextMac.every((b) => b === 0)) return { sharedSecret: ss, payload, next: null };
  const bf = sha256(cat(epk, ss));
  const nextEpk = secp.Point.fromBytes(epk).multiply(big(bf)).toBytes(true);
  const nextRouting = buf.slice(off + len + 32, off + len + 32 + size);
  return { sharedSecret: ss, payload, next: cat(Uint8Array.of(0), nextEpk, nextRouting, nextMac) };
}

/** BOLT 4 "Returning Errors", origin side: with the route's shared secrets,
 *  strips one ammag layer per hop until the um HMAC matches. Returns the
 *  erring hop's index and the failure message, or null if no hop matches. */
export function decodeFailureOnion(sharedSecrets: Uint8Array[], packet: Uint8Array): { index: number; failureMessage: Uint8Array } | null {
  const p: Uint8Array = packet.slice();
  for (let i = 0; i < sharedSecrets.length; i++) {
    xorInto(p, stream(key('ammag', sharedSecrets[i]), p.length));
    if (p.length < 34) continue;
    const mac = hmac(sha256, key('um', sharedSecrets[i]), p.subarray(32));
    if (mac.every((b, j) => b === p[j])) {
      const flen = (p[32] << 8) | p[33];
      if (34 + flen > p.length) return null;
      return { index: i, failureMessage: p.slice(34, 34 + flen) };
    }
  }
  return null;
}

// The simulated payer's own small BOLT 1 TLV reader/writer and BOLT 12 Merkle
// signature code, written apart from host/bolt12 so the payer cross-checks
// lnsigner's codec (docs/host/simnet.md "BOLT 12 payer"). Only @noble.
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { secp } from '../../crypto/noble.js';

export interface Rec {
  type: bigint;
  value: Uint8Array;
  /** type ‖ length ‖ value as found on the wire. */
  raw: Uint8Array;
}

export class PayerTlvError extends Error {}

/** BOLT 1 BigSize, minimal encodings only. */
function readBigSize(b: Uint8Array, at: number): [bigint, number] {
  if (at >= b.length) throw new PayerTlvError('truncated bigsize');
  const f = b[at];
  const need = f < 0xfd ? 0 : f === 0xfd ? 2 : f === 0xfe ? 4 : 8;
  if (at + 1 + need > b.length) throw new PayerTlvError('truncated bigsize');
  if (need === 0) return [BigInt(f), 1];
  let v = 0n;
  for (let i = 0; i < need; i++) v = (v << 8n) | BigInt(b[at + 1 + i]);
  // BOLT 1: a non-minimal BigSize is an error.
  const min = need === 2 ? 0xfdn : need === 4 ? 0x10000n : 0x100000000n;
  if (v < min) throw new PayerTlvError('non-minimal bigsize');
  return [v, 1 + need];
}

export function bigSize(v: bigint): Uint8Array {
  if (v < 0xfdn) return Uint8Array.of(Number(v));
  const n = v <= 0xffffn ? 2 : v <= 0xffffffffn ? 4 : 8;
  const out = new Uint8Array(1 + n);
  out[0] = n === 2 ? 0xfd : n === 4 ? 0xfe : 0xff;
  for (let i = 0; i < n; i++) out[n - i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Every record of a stream; types must strictly increase (BOLT 1). */
export function readRecords(b: Uint8Array): Rec[] {
  const out: Rec[] = [];
  let at = 0;
  while (at < b.length) {
    const start = at;
    const [type, tl] = readBigSize(b, at);
    at += tl;
    const [len, ll] = readBigSize(b, at);
    at += ll;
    if (BigInt(b.length - at) < len) throw new PayerTlvError(`record ${type} runs past the end`);
    if (out.length && type <= out[out.length - 1].type) throw new PayerTlvError(`record ${type} out of order`);
    const end = at + Number(len);
    out.push({ type, value: b.slice(at, end), raw: b.slice(start, end) });
    at = end;
  }
  return out;
}

export const record = (type: bigint, value: Uint8Array): Rec => {
  const raw = concatBytes(bigSize(type), bigSize(BigInt(value.length)), value);
  return { type, value, raw };
};

/** Records sorted by type, concatenated. */
export const writeRecords = (recs: Rec[]): Uint8Array => concatBytes(...[...recs].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)).map((r) => r.raw));

/** Truncated unsigned integer (tu64/tu32): big-endian without leading zero bytes. */
export function tu(v: bigint): Uint8Array {
  const bytes: number[] = [];
  for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
  return Uint8Array.from(bytes);
}

export function readTu(v: Uint8Array, max: number): bigint {
  // BOLT 1: truncated integers must be minimal and no longer than their type.
  if (v.length > max || (v.length > 0 && v[0] === 0)) throw new PayerTlvError('not a minimal truncated integer');
  let x = 0n;
  for (const b of v) x = (x << 8n) | BigInt(b);
  return x;
}

const ascii = (s: string) => new TextEncoder().encode(s);

/** BIP-340 tagged hash: SHA256(SHA256(tag) ‖ SHA256(tag) ‖ msg). */
export function tagged(tag: Uint8Array, msg: Uint8Array): Uint8Array {
  const t = sha256(tag);
  return sha256(concatBytes(t, t, msg));
}

function ordered(a: Uint8Array, b: Uint8Array): Uint8Array {
  for (let i = 0; i < 32; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? concatBytes(a, b) : concatBytes(b, a);
  }
  return concatBytes(a, b);
}

/**
 * BOLT 12 Merkle root of the non-signature records (types outside 240..1000):
 * each record gives branch(H("LnLeaf", record), H("LnNonce" ‖ first record, its type));
 * the tree splits at the largest power of two below the count, so the
 * lowest-order leaves sit deepest, as the spec draws it.
 */
export function merkle(recs: Rec[]): Uint8Array {
  const kept = recs.filter((r) => r.type < 240n || r.type > 1000n);
  if (!kept.length) throw new PayerTlvError('nothing to sign');
  const nonceTag = concatBytes(ascii('LnNonce'), kept[0].raw);
  const leaves = kept.map((r) => {
    const leaf = tagged(ascii('LnLeaf'), r.raw);
    const nonce = tagged(nonceTag, bigSize(r.type));
    return tagged(ascii('LnBranch'), ordered(leaf, nonce));
  });
  const tree = (xs: Uint8Array[]): Uint8Array => {
    if (xs.length === 1) return xs[0];
    let half = 1;
    while (half * 2 < xs.length) half *= 2;
    return tagged(ascii('LnBranch'), ordered(tree(xs.slice(0, half)), tree(xs.slice(half))));
  };
  return tree(leaves);
}

/** H("lightning" ‖ message name ‖ field name, merkle root): what BIP-340 signs. */
export const sigHash = (message: 'invoice_request' | 'invoice', root: Uint8Array) => tagged(ascii(`lightning${message}signature`), root);

export const signRecords = (message: 'invoice_request' | 'invoice', recs: Rec[], secret: Uint8Array): Uint8Array =>
  secp.schnorr.sign(sigHash(message, merkle(recs)), secret, new Uint8Array(32));

/** BIP-340 verification against a 33-byte compressed key (its x coordinate). */
export function verifyRecords(message: 'invoice_request' | 'invoice', recs: Rec[], sig: Uint8Array, key33: Uint8Array): boolean {
  if (sig.length !== 64 || key33.length !== 33) return false;
  try {
    return secp.schnorr.verify(sig, sigHash(message, merkle(recs)), key33.subarray(1));
  } catch {
    return false;
  }
}

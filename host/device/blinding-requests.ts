// Payloads of blinded_path, onion_message and onion_message_read
// (shared/protocol.ts BLIND_* / OMSG_*, docs/protocol.md).
import * as P from '../../shared/protocol.js';

/** One hop of a path to blind: its node id and its encrypted_data_tlv plaintext. */
export interface BlindedPathHop {
  nodeId: Uint8Array;
  /** encrypted_data_tlv records (BOLT 4): the device checks and encrypts them. */
  tlv: Uint8Array;
}

export interface BlindedPathRequest {
  /** 1..BLIND_MAX_HOPS hops, introduction node first, recipient last. */
  hops: BlindedPathHop[];
  /** Pad every plaintext with a padding record to one length. */
  pad?: boolean;
  /** Path secret e_0 (tests); by default the device derives a fresh one. */
  pathSecret?: Uint8Array;
}

/** A blinded_path (BOLT 4/12), first_node_id in the point form. */
export interface BlindedPath {
  firstNodeId: Uint8Array;
  firstPathKey: Uint8Array;
  hops: { blindedNodeId: Uint8Array; encryptedData: Uint8Array }[];
}

const u16le = (n: number) => Uint8Array.of(n & 0xff, n >> 8);
const u16be = (n: number) => Uint8Array.of(n >> 8, n & 0xff);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function encodeBlindedPathRequest(r: BlindedPathRequest): Uint8Array {
  if (r.hops.length < 1 || r.hops.length > P.BLIND_MAX_HOPS) throw new Error(`blinded_path needs 1..${P.BLIND_MAX_HOPS} hops`);
  if (r.pathSecret && r.pathSecret.length !== 32) throw new Error('path secret must be 32 bytes');
  const flags = (r.pathSecret ? P.BLIND_FLAG_SESSION_KEY : 0) | (r.pad ? P.BLIND_FLAG_PAD : 0);
  const parts: Uint8Array[] = [Uint8Array.of(flags, r.hops.length)];
  if (r.pathSecret) parts.push(r.pathSecret);
  for (const h of r.hops) {
    if (h.nodeId.length !== 33) throw new Error('node id must be 33 bytes');
    if (h.tlv.length > 0xffff) throw new Error('plaintext too long');
    parts.push(h.nodeId, u16le(h.tlv.length), h.tlv);
  }
  return concat(parts);
}

/** blinded_path wire encoding (point form of first_node_id). */
export function encodeBlindedPathWire(p: BlindedPath): Uint8Array {
  const parts: Uint8Array[] = [p.firstNodeId, p.firstPathKey, Uint8Array.of(p.hops.length)];
  for (const h of p.hops) parts.push(h.blindedNodeId, u16be(h.encryptedData.length), h.encryptedData);
  return concat(parts);
}

/** Reads a blinded_path in wire form (point form of first_node_id). */
export function decodeBlindedPathWire(b: Uint8Array): BlindedPath {
  if (b.length < 67) throw new Error('blinded_path too short');
  const n = b[66];
  const hops: BlindedPath['hops'] = [];
  let o = 67;
  for (let i = 0; i < n; i++) {
    if (b.length < o + 35) throw new Error('blinded_path hop cut short');
    const len = (b[o + 33] << 8) | b[o + 34];
    if (b.length < o + 35 + len) throw new Error('blinded_path data cut short');
    hops.push({ blindedNodeId: b.slice(o, o + 33), encryptedData: b.slice(o + 35, o + 35 + len) });
    o += 35 + len;
  }
  if (o !== b.length) throw new Error('blinded_path: trailing bytes');
  return { firstNodeId: b.slice(0, 33), firstPathKey: b.slice(33, 66), hops };
}

export interface OnionMessageRequest {
  /** Our route N_0 (this node) .. N_{m-1}, before their path; may be empty
   *  when this node is their introduction node. */
  ourRoute: Uint8Array[];
  /** Their blinded path (first_node_id as a point). */
  path: BlindedPath;
  /** The final hop's onionmsg_tlv records except encrypted_recipient_data (4). */
  finalPayload: Uint8Array;
  /** Sphinx session key and our path secret (tests); by default derived on the device. */
  keys?: { sessionKey: Uint8Array; pathSecret: Uint8Array };
}

export function encodeOnionMessageRequest(r: OnionMessageRequest): Uint8Array {
  if (r.keys && (r.keys.sessionKey.length !== 32 || r.keys.pathSecret.length !== 32)) throw new Error('keys must be 32 bytes');
  if (r.finalPayload.length > 0xffff) throw new Error('final payload too long');
  const head = new Uint8Array(P.OMSG_OFF_KEYS);
  head[P.OMSG_OFF_FLAGS] = r.keys ? P.OMSG_FLAG_KEYS : 0;
  head[P.OMSG_OFF_OUR_HOPS] = r.ourRoute.length;
  head.set(u16le(r.finalPayload.length), P.OMSG_OFF_FINAL_LEN);
  const parts: Uint8Array[] = [head];
  if (r.keys) parts.push(r.keys.sessionKey, r.keys.pathSecret);
  for (const id of r.ourRoute) {
    if (id.length !== 33) throw new Error('node id must be 33 bytes');
    parts.push(id);
  }
  parts.push(encodeBlindedPathWire(r.path), r.finalPayload);
  return concat(parts);
}

/** The onion_message reply: path_key, total packet length, the first chunk. */
export function decodeOnionMessageReply(r: Uint8Array): { pathKey: Uint8Array; total: number; chunk: Uint8Array } {
  if (r.length < P.OMSG_REPLY_HDR) throw new Error(`onion_message reply of ${r.length} bytes`);
  const total = r[33] | (r[34] << 8);
  const chunk = r.slice(P.OMSG_REPLY_HDR);
  if (chunk.length !== Math.min(total, P.OMSG_CHUNK)) throw new Error('onion_message reply: chunk size');
  return { pathKey: r.slice(0, 33), total, chunk };
}

export function encodeOnionMessageRead(offset: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, offset, true);
  return b;
}

// Payloads of blinded_path, onion_message and onion_message_read
// (shared/protocol.ts BLIND_* / OMSG_*, docs/protocol.md).
// The blinded_path type and its wire codec are host/bolt12's (one definition,
// BOLT 1 rules): the device's reply is decoded with decodeBlindedPath.
import { concatBytes } from '@noble/hashes/utils.js';
import * as P from '../../shared/protocol.js';
import { encodeBlindedPath } from '../blinding/path.js';
import type { BlindedPath } from '../bolt12/subtypes.js';

/** One hop of a path to blind: its node id and its encrypted_data_tlv plaintext. */
export interface DevicePathHop {
  nodeId: Uint8Array;
  /** encrypted_data_tlv records (BOLT 4): the device checks and encrypts them. */
  tlv: Uint8Array;
}

export interface BlindedPathRequest {
  /** 1..BLIND_MAX_HOPS hops, introduction node first, recipient last. */
  hops: DevicePathHop[];
  /** Pad every plaintext with a padding record to one length. */
  pad?: boolean;
  /** Path secret e_0 (tests); by default the device derives a fresh one. */
  pathSecret?: Uint8Array;
}

const u16le = (n: number) => Uint8Array.of(n & 0xff, n >> 8);

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
  return concatBytes(...parts);
}

export interface OnionMessageRequest {
  /** Our route N_0 (this node) .. N_{m-1}, before their path; may be empty
   *  when this node is their introduction node. */
  ourRoute: Uint8Array[];
  /** Their blinded path (the device refuses first_node_id in the scid form:
   *  resolve it to the node id first, as CLN does). */
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
  parts.push(encodeBlindedPath(r.path), r.finalPayload);
  return concatBytes(...parts);
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

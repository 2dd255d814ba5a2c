// `offer` on the device (DESIGN-issue11 "Device keys", issue 11 item 2): the
// host writes the offer TLVs without offer_metadata (4) and offer_issuer_id
// (22); the device inserts both (nonce ‖ MAC, and its offer key or the node
// id) and returns the whole stream, which is checked here with @noble before
// it is stored: every record we sent is there byte for byte, plus exactly 4
// and 22, and in node mode 22 is the node id.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  encodeBolt12String, encodeOffer, offerId, parseOffer, readTlvRecords, TLV, type BlindedPath, type OfferFields,
} from '../bolt12/index.js';
import { buildBlindedPath } from '../blinding/index.js';
import type { IntroPeer } from './peers.js';
import type { MerchantDevicePort } from './device-port.js';

export const OFFER_CREATE_DEVICE_KEY = 1;

const utf8 = (s: string) => new TextEncoder().encode(s);
const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The 32-byte path_id in the final hop of an offer path: SHA-256 of the tag
 * and of the offer's records in the offer ranges except offer_metadata (4),
 * offer_paths (16) and offer_issuer_id (22) — what the host wrote before the
 * device and the paths existed, so it can be recomputed from any
 * invoice_request for the offer. 32 bytes, so lightningd calls
 * onion_message_recv_secret (§2.1).
 */
export function offerPathId(stream: Uint8Array): Uint8Array {
  const h = sha256.create();
  h.update(utf8('lnsigner offer path'));
  for (const r of readTlvRecords(stream)) {
    const t = r.type;
    const inOffer = (t >= 1n && t <= 79n) || (t >= 1000000000n && t <= 1999999999n);
    if (inOffer && t !== TLV.offer_metadata && t !== TLV.offer_paths && t !== TLV.offer_issuer_id) h.update(r.raw);
  }
  return h.digest();
}

/** Onion-message paths [peer, us] for an offer (no padding, as CLN). */
export function offerPaths(peers: IntroPeer[], ourId: Uint8Array, pathId: Uint8Array): BlindedPath[] {
  return peers.map((p) => buildBlindedPath([
    { nodeId: Uint8Array.from(Buffer.from(p.peerId, 'hex')), data: { nextNodeId: ourId } },
    { nodeId: ourId, data: { pathId } },
  ]).path);
}

export interface CreatedOffer {
  stream: Uint8Array;
  bolt12: string;
  offerId: string;
}

export async function createOfferOnDevice(
  port: MerchantDevicePort,
  fields: OfferFields,
  mode: 'device' | 'node',
  nodeId: Uint8Array,
  paths: (pathId: Uint8Array) => BlindedPath[],
): Promise<CreatedOffer> {
  const f: OfferFields = { ...fields };
  delete f.offer_issuer_id;
  delete f.offer_metadata;
  delete f.offer_paths;
  let sent = encodeOffer(f);
  // Device-key offers always get paths (the caller's peers); node-key offers
  // only through fronting nodes (force_paths), else `paths` gives none.
  const ps = paths(offerPathId(sent));
  if (ps.length) sent = encodeOffer({ ...f, offer_paths: ps });
  const full = await port.offerCreate(mode === 'device' ? OFFER_CREATE_DEVICE_KEY : 0, sent);
  // @noble re-check: what we sent, plus exactly types 4 and 22.
  const parsed = parseOffer(full);
  const mine = readTlvRecords(sent);
  const theirs = readTlvRecords(full).filter((r) => r.type !== TLV.offer_metadata && r.type !== TLV.offer_issuer_id);
  if (mine.length !== theirs.length || mine.some((r, i) => !eq(r.raw, theirs[i].raw))) {
    throw new Error('offer_create: the device changed the offer fields');
  }
  const md = parsed.fields.offer_metadata;
  const issuer = parsed.fields.offer_issuer_id;
  if (!md || md.length !== 48 || !issuer) throw new Error('offer_create: offer_metadata (48 bytes) or offer_issuer_id missing');
  if (mode === 'node' && !eq(issuer, nodeId)) throw new Error('offer_create: node-key offer whose issuer is not the node id');
  if (mode === 'device' && eq(issuer, nodeId)) throw new Error('offer_create: device-key offer issued under the node id');
  return { stream: full, bolt12: encodeBolt12String('lno', full), offerId: bytesToHex(offerId(full)) };
}

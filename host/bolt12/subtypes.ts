// BOLT 12 subtypes carried inside TLV values: blinded paths, payinfo, fallback
// addresses and the BIP-353 name.
import type { ValueReader, ValueWriter } from './wire.js';

/** short_channel_id: block height (3 bytes), tx index (3 bytes), output index (2 bytes). */
export interface ShortChannelId {
  block: number;
  txIndex: number;
  outputIndex: number;
}

export const formatScid = (s: ShortChannelId) => `${s.block}x${s.txIndex}x${s.outputIndex}`;

/** sciddir_or_pubkey: a node id, or one end (direction 0/1) of a channel. */
export type SciddirOrPubkey = { pubkey: Uint8Array } | { scid: ShortChannelId; direction: 0 | 1 };

export interface BlindedPathHop {
  blindedNodeId: Uint8Array;
  encryptedRecipientData: Uint8Array;
}

export interface BlindedPath {
  firstNodeId: SciddirOrPubkey;
  firstPathKey: Uint8Array;
  hops: BlindedPathHop[];
}

export interface BlindedPayinfo {
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
  htlcMinimumMsat: bigint;
  htlcMaximumMsat: bigint;
  features: Uint8Array;
}

export interface FallbackAddress {
  version: number;
  address: Uint8Array;
}

/** invreq_bip_353_name: raw bytes (the reader rule on allowed characters is a semantic check). */
export interface Bip353Name {
  name: Uint8Array;
  domain: Uint8Array;
}

export function readScid(r: ValueReader): ShortChannelId {
  const b = r.bytes(8, 'short_channel_id');
  return {
    block: (b[0] << 16) | (b[1] << 8) | b[2],
    txIndex: (b[3] << 16) | (b[4] << 8) | b[5],
    outputIndex: (b[6] << 8) | b[7],
  };
}

export function writeScid(w: ValueWriter, s: ShortChannelId): void {
  w.bytes(Uint8Array.of(s.block >>> 16, s.block >>> 8, s.block, s.txIndex >>> 16, s.txIndex >>> 8, s.txIndex, s.outputIndex >>> 8, s.outputIndex));
}

export function readSciddirOrPubkey(r: ValueReader): SciddirOrPubkey {
  const at = r.pos;
  const first = r.bytes(1, 'first_node_id')[0];
  r.pos = at;
  if (first === 0 || first === 1) {
    r.u8();
    return { direction: first, scid: readScid(r) };
  }
  if (first === 2 || first === 3) return { pubkey: r.point('first_node_id') };
  return r.fail(`first_node_id starts with 0x${first.toString(16).padStart(2, '0')}: neither a direction (0/1) nor a point (02/03)`, at);
}

export function readBlindedPath(r: ValueReader): BlindedPath {
  const firstNodeId = readSciddirOrPubkey(r);
  const firstPathKey = r.point('first_path_key');
  const numHops = r.u8('num_hops');
  const hops: BlindedPathHop[] = [];
  for (let i = 0; i < numHops; i++) {
    const blindedNodeId = r.point('blinded_node_id');
    const enclen = r.u16('enclen');
    hops.push({ blindedNodeId, encryptedRecipientData: r.bytes(enclen, 'encrypted_recipient_data') });
  }
  return { firstNodeId, firstPathKey, hops };
}

export function writeBlindedPath(w: ValueWriter, p: BlindedPath): void {
  if ('pubkey' in p.firstNodeId) w.bytes(p.firstNodeId.pubkey);
  else {
    w.u8(p.firstNodeId.direction);
    writeScid(w, p.firstNodeId.scid);
  }
  w.bytes(p.firstPathKey).u8(p.hops.length);
  for (const h of p.hops) w.bytes(h.blindedNodeId).u16(h.encryptedRecipientData.length).bytes(h.encryptedRecipientData);
}

export function readPayinfo(r: ValueReader): BlindedPayinfo {
  const feeBaseMsat = r.u32('fee_base_msat');
  const feeProportionalMillionths = r.u32('fee_proportional_millionths');
  const cltvExpiryDelta = r.u16('cltv_expiry_delta');
  const htlcMinimumMsat = r.u64('htlc_minimum_msat');
  const htlcMaximumMsat = r.u64('htlc_maximum_msat');
  const flen = r.u16('flen');
  return { feeBaseMsat, feeProportionalMillionths, cltvExpiryDelta, htlcMinimumMsat, htlcMaximumMsat, features: r.bytes(flen, 'features') };
}

export function writePayinfo(w: ValueWriter, p: BlindedPayinfo): void {
  w.u32(p.feeBaseMsat).u32(p.feeProportionalMillionths).u16(p.cltvExpiryDelta);
  w.u64(p.htlcMinimumMsat).u64(p.htlcMaximumMsat).u16(p.features.length).bytes(p.features);
}

export function readFallback(r: ValueReader): FallbackAddress {
  const version = r.u8('version');
  const len = r.u16('len');
  return { version, address: r.bytes(len, 'address') };
}

export function writeFallback(w: ValueWriter, f: FallbackAddress): void {
  w.u8(f.version).u16(f.address.length).bytes(f.address);
}

export function readBip353Name(r: ValueReader): Bip353Name {
  const name = r.bytes(r.u8('name_len'), 'name');
  const domain = r.bytes(r.u8('domain_len'), 'domain');
  return { name, domain };
}

export function writeBip353Name(w: ValueWriter, n: Bip353Name): void {
  w.u8(n.name.length).bytes(n.name).u8(n.domain.length).bytes(n.domain);
}

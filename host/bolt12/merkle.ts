// BOLT 12 Merkle root over a TLV stream (the message signatures commit to).
//
//   leaf(r)   = H("LnLeaf", r)                       r = type ‖ length ‖ value
//   nonce(r)  = H("LnNonce" ‖ first, type-as-BigSize) first = first non-signature record
//   node(r)   = H("LnBranch", min(leaf, nonce) ‖ max(leaf, nonce))
//   then pairs of neighbours, left to right, level by level; an unpaired last
//   node moves up unchanged. Records of types 240..1000 (signatures) are left out.
import { sha256 } from '@noble/hashes/sha2.js';
import { bigSizeLength } from './bigsize.js';
import { TlvError } from './errors.js';
import { readTlvRecords, type TlvRecord } from './tlv.js';
import { isSignatureType } from './tlv-types.js';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** SHA256 state after absorbing SHA256(tag) twice (BIP-340 tagged hash prefix). */
function taggedState(tag: Uint8Array) {
  const t = sha256(tag);
  return sha256.create().update(t).update(t);
}

/** H(tag, msg) = SHA256(SHA256(tag) ‖ SHA256(tag) ‖ msg). */
export function taggedHash(tag: string | Uint8Array, msg: Uint8Array): Uint8Array {
  return taggedState(typeof tag === 'string' ? ascii(tag) : tag).update(msg).digest();
}

const LEAF = taggedState(ascii('LnLeaf'));
const BRANCH = taggedState(ascii('LnBranch'));
const LNNONCE = ascii('LnNonce');

function lessThan(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/** H("LnBranch", lesser ‖ greater). */
export function branch(a: Uint8Array, b: Uint8Array): Uint8Array {
  const [lo, hi] = lessThan(b, a) ? [b, a] : [a, b];
  return BRANCH.clone().update(lo).update(hi).digest();
}

/** Root over already-framed records (signature-range records are skipped here). */
export function merkleRootOfRecords(records: readonly TlvRecord[]): Uint8Array {
  const kept = records.filter((r) => !isSignatureType(r.type));
  if (kept.length === 0) throw new TlvError('no non-signature records to build a Merkle tree from', 0);
  // BOLT #12: H("LnNonce"||first-tlv, tlv-type) where first-tlv is the
  // numerically-first TLV entry in the stream.
  const tag = new Uint8Array(LNNONCE.length + kept[0].raw.length);
  tag.set(LNNONCE);
  tag.set(kept[0].raw, LNNONCE.length);
  const nonceState = taggedState(tag);
  let level = kept.map((r) => {
    const leaf = LEAF.clone().update(r.raw).digest();
    const nonce = nonceState.clone().update(r.raw.subarray(0, bigSizeLength(r.type))).digest();
    return branch(leaf, nonce);
  });
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(branch(level[i], level[i + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

/**
 * Merkle root of a whole TLV stream, leaving out signature records (240..1000).
 * Throws TlvError if the stream is not well framed or has no other record.
 */
export function merkleRoot(tlvStream: Uint8Array): Uint8Array {
  return merkleRootOfRecords(readTlvRecords(tlvStream));
}

/** The 32-byte BIP-340 message: H("lightning" ‖ messagename ‖ fieldname, root). */
export function signatureMessage(messageName: string, fieldName: string, root: Uint8Array): Uint8Array {
  return taggedHash(`lightning${messageName}${fieldName}`, root);
}

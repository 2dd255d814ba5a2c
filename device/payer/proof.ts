// BOLT 12 payer proofs on the device (docs/protocol.md "sign_payer_proof";
// docs/host/payer-proof.md). From the full signed invoice, the preimage, the
// disclosed types and the note, the device builds the proof's Merkle tree
// itself — disclosed records, proof_preimage 1001, proof_omitted_tlvs 1002,
// proof_missing_hashes 1003, proof_leaf_hashes 1004, proof_note 1005 — and
// returns its root; the handler signs H("lightning" ‖ "payer_proof" ‖
// "proof_signature", root). The host never supplies a hash.
//
// Working arrays live in a caller-given scratch area (the reply buffer, at
// least PROOF_SCRATCH_SIZE bytes), so the firmware's static memory grows by a
// few dozen bytes only. Not re-entrant (static state).
import {
  BOLT12_KIND_INVOICE, BOLT12_OK,
} from "../../shared/bolt12-limits";
import {
  NODE_ID_SIZE, PROOF_MAX_INCLUDE, PROOF_MAX_LEAVES, PROOF_RULE_INCLUDE, PROOF_RULE_NOTE, PROOF_RULE_PARSE,
  PROOF_RULE_PREIMAGE, PROOF_RULE_SIGNATURE,
} from "../../shared/protocol";
import { SECP_OK } from "../../shared/crypto-status";
import { bip340Verify } from "../crypto/bip340";
import { sha256 } from "../crypto/sha256";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvRecord, tlvRecordLen, tlvType, tlvTypeLen, tlvValue, tlvValueLen } from "../bolt12/tlv";
import { isSignatureType, typeAllowed } from "../bolt12/ranges";
import { merkleBranch, merkleLeafNode, merkleNonce, merkleNonceBegin, merkleRootChecked } from "../bolt12/merkle";
import { signatureMessage } from "../bolt12/sighash";
import { copyBytes } from "../proto/bytes";

// Scratch layout (offsets into the caller's area).
const S_NODES: usize = 0;                                        // invoice leaf nodes, 32 each
const S_LEAFH: usize = S_NODES + <usize>PROOF_MAX_LEAVES * 32;   // nonces of disclosed records
const S_MISSING: usize = S_LEAFH + <usize>PROOF_MAX_LEAVES * 32; // proof_missing_hashes
const PROOF_EXTRA: usize = 5;                                    // 1001..1005
const S_PNODES: usize = S_MISSING + <usize>PROOF_MAX_LEAVES * 32; // proof leaf nodes
const S_MARKERS: usize = S_PNODES + (<usize>PROOF_MAX_LEAVES + PROOF_EXTRA) * 32; // BigSize markers, ≤ 5 bytes each
const TREE_DEPTH: usize = 10;
const S_TREE: usize = S_MARKERS + <usize>PROOF_MAX_LEAVES * 5;   // 64 bytes per tree level
const S_FLAGS: usize = S_TREE + TREE_DEPTH * 64;                 // 1 = disclosed, per invoice leaf
export const PROOF_SCRATCH_SIZE: usize = S_FLAGS + <usize>PROOF_MAX_LEAVES;

const T_INVREQ_METADATA: u64 = 0;
const T_INVREQ_PAYER_ID: u64 = 88;
const T_PAYMENT_HASH: u64 = 168;
const T_FEATURES: u64 = 174;
const T_NODE_ID: u64 = 176;
const T_SIGNATURE: u64 = 240;

const CURSOR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);
const MSG: usize = memory.data(32, 8);
const ROOT: usize = memory.data(32, 8);
const HASH: usize = memory.data(32, 8);
const HDR: usize = memory.data(16, 8);

// "invoice", "signature", "payer_proof", "proof_signature".
const NAME_INVOICE: usize = memory.data<u8>([0x69, 0x6e, 0x76, 0x6f, 0x69, 0x63, 0x65]);
const NAME_SIGNATURE: usize = memory.data<u8>([0x73, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65]);
const NAME_PAYER_PROOF: usize = memory.data<u8>([0x70, 0x61, 0x79, 0x65, 0x72, 0x5f, 0x70, 0x72, 0x6f, 0x6f, 0x66]);
const NAME_PROOF_SIGNATURE: usize = memory.data<u8>([
  0x70, 0x72, 0x6f, 0x6f, 0x66, 0x5f, 0x73, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65,
]);

// What proofParse found (pointers into the request).
export let fMeta: usize = 0;
export let fMetaLen: usize = 0;
export let fPayerId: usize = 0;
let fPaymentHash: usize = 0;
let fNodeId: usize = 0;
let fSig: usize = 0;
let nLeaves: i32 = 0;

// Tree walk state.
let gScratch: usize = 0;
let gNodes: usize = 0;
let gFlags: usize = 0; // 0: every leaf known
let gMissing: i32 = 0;

@inline function detail(rule: i32, t: u64): u32 {
  return <u32>rule | ((<u32>(t & 0xffffff)) << 8);
}

function equal32(a: usize, b: usize): bool {
  let d: u32 = 0;
  for (let i: usize = 0; i < 32; i++) d |= <u32>(load<u8>(a + i) ^ load<u8>(b + i));
  return d == 0;
}

/** Rule 1: strict invoice framing and ranges, the fields the proof needs.
 *  Returns 0 or an ERR_PROOF_RULE detail. */
export function proofParse(inv: usize, len: usize): u32 {
  fMeta = 0; fMetaLen = 0; fPayerId = 0; fPaymentHash = 0; fNodeId = 0; fSig = 0; nLeaves = 0;
  let haveMeta = false;
  tlvBegin(CURSOR, inv, len);
  for (;;) {
    const r = tlvNext(CURSOR);
    if (r == TLV_END) break;
    if (r != BOLT12_OK) return detail(PROOF_RULE_PARSE, 0);
    const t = tlvType(CURSOR);
    // BOLT 12: the invoice ranges (non-signature 0..239, 1000000000..3999999999).
    if (!typeAllowed(BOLT12_KIND_INVOICE, t)) return detail(PROOF_RULE_PARSE, t);
    const v = tlvValue(CURSOR);
    const vl = tlvValueLen(CURSOR);
    if (isSignatureType(t)) {
      if (t == T_SIGNATURE) {
        if (vl != 64) return detail(PROOF_RULE_PARSE, t);
        fSig = v;
      }
      continue;
    }
    // The nonce tag of every leaf hangs on the first record, invreq_metadata:
    // a proof never discloses it, so it must be the stream's first record.
    if (nLeaves == 0 && t != T_INVREQ_METADATA) return detail(PROOF_RULE_PARSE, T_INVREQ_METADATA);
    if (nLeaves >= PROOF_MAX_LEAVES) return detail(PROOF_RULE_PARSE, t);
    nLeaves++;
    if (t == T_INVREQ_METADATA) { fMeta = v; fMetaLen = vl; haveMeta = vl > 0; }
    else if (t == T_INVREQ_PAYER_ID) { if (vl != <usize>NODE_ID_SIZE) return detail(PROOF_RULE_PARSE, t); fPayerId = v; }
    else if (t == T_PAYMENT_HASH) { if (vl != 32) return detail(PROOF_RULE_PARSE, t); fPaymentHash = v; }
    else if (t == T_NODE_ID) { if (vl != <usize>NODE_ID_SIZE) return detail(PROOF_RULE_PARSE, t); fNodeId = v; }
  }
  if (!haveMeta) return detail(PROOF_RULE_PARSE, T_INVREQ_METADATA);
  if (fPayerId == 0) return detail(PROOF_RULE_PARSE, T_INVREQ_PAYER_ID);
  if (fPaymentHash == 0) return detail(PROOF_RULE_PARSE, T_PAYMENT_HASH);
  if (fNodeId == 0) return detail(PROOF_RULE_PARSE, T_NODE_ID);
  if (fSig == 0) return detail(PROOF_RULE_PARSE, T_SIGNATURE);
  return 0;
}

/** Rule 2: BOLT 12 reader: the invoice signature verifies under
 *  invoice_node_id over the invoice's Merkle root (computed here). */
export function proofInvoiceSignature(inv: usize, len: usize): u32 {
  if (merkleRootChecked(BOLT12_KIND_INVOICE, inv, len, ROOT) != BOLT12_OK) return detail(PROOF_RULE_PARSE, 0);
  signatureMessage(NAME_INVOICE, 7, NAME_SIGNATURE, 9, ROOT, MSG);
  if (bip340Verify(MSG, 32, fNodeId + 1, fSig) != SECP_OK) return detail(PROOF_RULE_SIGNATURE, T_SIGNATURE);
  return 0;
}

/** Rule 3: the preimage pays this invoice: SHA256(preimage) = invoice_payment_hash. */
export function proofPreimage(preimage: usize): u32 {
  sha256(preimage, 32, HASH);
  if (!equal32(HASH, fPaymentHash)) return detail(PROOF_RULE_PREIMAGE, T_PAYMENT_HASH);
  return 0;
}

/** Rule 6: the note is UTF-8 (RFC 3629: no overlong forms, no surrogates, ≤ U+10FFFF). */
export function proofNoteUtf8(p: usize, len: usize): u32 {
  let i: usize = 0;
  while (i < len) {
    const c = <u32>load<u8>(p + i);
    if (c < 0x80) { i++; continue; }
    let n: usize = 0;
    let min: u32 = 0;
    let cp: u32 = 0;
    if ((c & 0xe0) == 0xc0) { n = 1; min = 0x80; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 2; min = 0x800; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 3; min = 0x10000; cp = c & 0x07; }
    else return <u32>PROOF_RULE_NOTE;
    if (i + n >= len) return <u32>PROOF_RULE_NOTE; // cut short
    for (let k: usize = 1; k <= n; k++) {
      const cc = <u32>load<u8>(p + i + k);
      if ((cc & 0xc0) != 0x80) return <u32>PROOF_RULE_NOTE;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return <u32>PROOF_RULE_NOTE;
    i += n + 1;
  }
  return 0;
}

// True when type t is a non-signature record of the invoice (any position).
function invoiceHas(inv: usize, len: usize, t: u64): bool {
  tlvBegin(CURSOR, inv, len);
  while (tlvNext(CURSOR) == BOLT12_OK) {
    if (tlvType(CURSOR) == t) return !isSignatureType(t);
  }
  return false;
}

// True when record type t is disclosed: BOLT-payer_proof #12 writer: MUST
// include invreq_payer_id, invoice_payment_hash, invoice_node_id and (if
// present) invoice_features; MUST NOT include invreq_metadata; plus the
// host's list.
function disclosed(t: u64, incl: usize, count: i32): bool {
  if (t == T_INVREQ_METADATA) return false;
  if (t == T_INVREQ_PAYER_ID || t == T_PAYMENT_HASH || t == T_FEATURES || t == T_NODE_ID) return true;
  for (let i = 0; i < count; i++) if (<u64>load<u32>(incl + <usize>(i << 2)) == t) return true;
  return false;
}

/** Rule 5: the include list is strictly ascending, each type a non-signature
 *  record of the invoice and never 0. Detail: rule | index << 8. */
export function proofIncludeList(incl: usize, count: i32, inv: usize, len: usize): u32 {
  if (count > PROOF_MAX_INCLUDE) return <u32>PROOF_RULE_INCLUDE;
  let prev: u64 = 0;
  for (let i = 0; i < count; i++) {
    const t = <u64>load<u32>(incl + <usize>(i << 2));
    const bad = t == T_INVREQ_METADATA || isSignatureType(t) || (i > 0 && t <= prev) || !invoiceHas(inv, len, t);
    if (bad) return <u32>PROOF_RULE_INCLUDE | (<u32>i << 8);
    prev = t;
  }
  return 0;
}

// BOLT-payer_proof #12: next_marker(prev) is the smallest marker number
// (1..239, 1000000000..3999999999) strictly greater than prev.
function nextMarker(prev: u64): u64 {
  if (prev < 1) return 1;
  if (prev < 239) return prev + 1;
  if (prev < 1000000000) return 1000000000;
  return prev + 1;
}

// Minimal BigSize of v at p; returns its length (v < 2^32 here).
function putBigSize(p: usize, v: u64): usize {
  if (v < 0xfd) { store<u8>(p, <u8>v); return 1; }
  if (v <= 0xffff) { store<u8>(p, 0xfd); store<u8>(p + 1, <u8>(v >> 8)); store<u8>(p + 2, <u8>v); return 3; }
  store<u8>(p, 0xfe);
  store<u8>(p + 1, <u8>(v >> 24)); store<u8>(p + 2, <u8>(v >> 16)); store<u8>(p + 3, <u8>(v >> 8)); store<u8>(p + 4, <u8>v);
  return 5;
}

// Node of leaves [lo, hi) into out; true when some leaf in it is known. The
// tree is BOLT 12's (neighbours paired level by level, an unpaired last node
// moving up): the left part is the largest power of two below the count.
// BOLT-payer_proof #12: proof_missing_hashes holds the hash of the omitted
// branch of each internal node with exactly one branch entirely omitted, in
// post-order depth-first smallest-to-largest TLV order.
function subtree(lo: i32, hi: i32, depth: usize, out: usize): bool {
  if (hi - lo == 1) {
    copyBytes(out, gNodes + (<usize>lo << 5), 32);
    return gFlags == 0 || load<u8>(gFlags + <usize>lo) != 0;
  }
  let p = 1;
  while (p * 2 < hi - lo) p <<= 1;
  const l = gScratch + S_TREE + depth * 64;
  const r = l + 32;
  const lk = subtree(lo, lo + p, depth + 1, l);
  const rk = subtree(lo + p, hi, depth + 1, r);
  if (lk != rk) {
    copyBytes(gScratch + S_MISSING + (<usize>gMissing << 5), lk ? r : l, 32);
    gMissing++;
  }
  merkleBranch(l, r, out);
  return lk || rk;
}

// Header of proof record `type` (3-byte BigSize, 1001..1005) with value length vlen.
function proofHeader(type: u64, vlen: usize): usize {
  let n = putBigSize(HDR, type);
  n += putBigSize(HDR + n, <u64>vlen);
  return n;
}

function proofLeaf(type: u64, val: usize, vlen: usize, k: i32): void {
  const h = proofHeader(type, vlen);
  merkleLeafNode(HDR, h, val, vlen, 3, gScratch + S_PNODES + (<usize>k << 5));
}

/**
 * The proof's Merkle root into out (32 bytes), after rules 1, 5 and 6 passed:
 * the invoice tree with disclosure flags (leaf nonces, markers, missing
 * hashes), then the proof's own leaves in type order. Returns false if the
 * rebuilt invoice root differs from the one the signature check used (an
 * internal fault).
 */
export function proofRoot(
  inv: usize, len: usize, incl: usize, count: i32, preimage: usize, note: usize, noteLen: usize, scratch: usize, out: usize,
): bool {
  gScratch = scratch;
  const flags = scratch + S_FLAGS;
  // Invoice leaves: node, disclosure flag, nonce of disclosed ones, markers.
  let i: i32 = 0;
  let k: i32 = 0;
  let markersLen: usize = 0;
  let prev: u64 = 0;
  tlvBegin(CURSOR, inv, len);
  while (tlvNext(CURSOR) == BOLT12_OK) {
    const t = tlvType(CURSOR);
    if (isSignatureType(t)) continue;
    const rec = tlvRecord(CURSOR);
    const tl = tlvTypeLen(CURSOR);
    // BOLT 12: nonce leaves are H("LnNonce" ‖ first-tlv, type).
    if (i == 0) merkleNonceBegin(rec, tlvRecordLen(CURSOR));
    merkleLeafNode(rec, tlvRecordLen(CURSOR), 0, 0, tl, scratch + S_NODES + (<usize>i << 5));
    if (disclosed(t, incl, count)) {
      store<u8>(flags + <usize>i, 1);
      // proof_leaf_hashes: the nonce H("LnNonce" ‖ TLV0, type) of each disclosed record.
      merkleNonce(rec, tl, scratch + S_LEAFH + (<usize>k << 5));
      k++;
      prev = t;
    } else {
      store<u8>(flags + <usize>i, 0);
      // proof_omitted_tlvs: next_marker(prev) for every omitted type but 0,
      // prev the previous disclosed type or the last marker.
      if (t != T_INVREQ_METADATA) {
        prev = nextMarker(prev);
        markersLen += putBigSize(scratch + S_MARKERS + markersLen, prev);
      }
    }
    i++;
  }
  gNodes = scratch + S_NODES;
  gFlags = flags;
  gMissing = 0;
  if (!subtree(0, nLeaves, 0, HASH)) return false;
  if (!equal32(HASH, ROOT)) return false;

  // The proof's leaves in type order: disclosed records below 240, then
  // 1001..1005, then disclosed records from 1000000000 up; the nonce tag
  // hangs on the proof's first record, the lowest disclosed one.
  let m: i32 = 0;
  let first = true;
  for (let pass = 0; pass < 2; pass++) {
    tlvBegin(CURSOR, inv, len);
    while (tlvNext(CURSOR) == BOLT12_OK) {
      const t = tlvType(CURSOR);
      if (isSignatureType(t) || !disclosed(t, incl, count)) continue;
      if ((pass == 0) != (t < 240)) continue;
      const rec = tlvRecord(CURSOR);
      if (first) { merkleNonceBegin(rec, tlvRecordLen(CURSOR)); first = false; }
      merkleLeafNode(rec, tlvRecordLen(CURSOR), 0, 0, tlvTypeLen(CURSOR), scratch + S_PNODES + (<usize>m << 5));
      m++;
    }
    if (pass == 0) {
      if (first) return false; // invreq_payer_id (88) is always disclosed
      proofLeaf(1001, preimage, 32, m++);
      // If proof_omitted_tlvs is empty: MAY omit it (left out, as Core Lightning).
      if (markersLen > 0) proofLeaf(1002, scratch + S_MARKERS, markersLen, m++);
      proofLeaf(1003, scratch + S_MISSING, <usize>gMissing << 5, m++);
      proofLeaf(1004, scratch + S_LEAFH, <usize>k << 5, m++);
      if (noteLen > 0) proofLeaf(1005, note, noteLen, m++);
    }
  }
  gNodes = scratch + S_PNODES;
  gFlags = 0;
  const saved = gMissing;
  subtree(0, m, 0, out);
  gMissing = saved;
  return true;
}

/** The 32-byte message proof_signature signs: H("lightning" ‖ "payer_proof" ‖ "proof_signature", root). */
export function proofSighash(root: usize, out: usize): void {
  signatureMessage(NAME_PAYER_PROOF, 11, NAME_PROOF_SIGNATURE, 15, root, out);
}

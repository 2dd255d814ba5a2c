// BOLT 12 merkle root ("Signature Calculation") computed while walking the TLV
// stream, in fixed memory: leaves are folded into a stack of subtree roots
// (one per set bit of the leaf count, like a binary counter), never stored
// as a list. Any number of records up to BOLT12_MAX_MESSAGE bytes.
//
//   leaf(r)  = H("LnLeaf", r)                r = the whole record, type ‖ length ‖ value
//   nonce(r) = H("LnNonce" ‖ first, type)    type = r's type field as encoded (1-9 bytes)
//   node(r)  = H("LnBranch", lesser ‖ greater of leaf(r), nonce(r))
//
// Not re-entrant (static state).
import { SHA256_CTX_SIZE, sha256Update, sha256Final, sha256Copy } from "../crypto/sha256";
import {
  BOLT12_OK, BOLT12_ERR_TOO_LONG, BOLT12_ERR_NO_RECORDS, BOLT12_ERR_TYPE_RANGE, BOLT12_ERR_BAD_KIND,
  BOLT12_KIND_ANY, BOLT12_MAX_MESSAGE,
} from "../../shared/bolt12-limits";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvType, tlvRecord, tlvRecordLen, tlvTypeLen } from "./tlv";
import { isSignatureType, isKnownKind, typeAllowed } from "./ranges";
import { taggedInit, taggedInit3 } from "./tags";

// Stack depth: a stream of at most BOLT12_MAX_MESSAGE bytes holds at most
// 4096 records (2 bytes each at least), whose binary-counter stack needs
// log2(4096) + 1 = 13 entries. 24 leaves ample room; the walk refuses a
// stream that would need more (unreachable within the size limit).
const STACK_DEPTH: i32 = 24;

const CURSOR: usize = memory.data(<i32>TLV_CURSOR_SIZE);
const LEAF_MID: usize = memory.data(<i32>SHA256_CTX_SIZE);
const BRANCH_MID: usize = memory.data(<i32>SHA256_CTX_SIZE);
const NONCE_MID: usize = memory.data(<i32>SHA256_CTX_SIZE);
const WORK: usize = memory.data(<i32>SHA256_CTX_SIZE);
const LEAF: usize = memory.data(32);
const NONCE: usize = memory.data(32);
const STACK: usize = memory.data(STACK_DEPTH * 32);
const HEIGHT: usize = memory.data(STACK_DEPTH);

const TAG_LNLEAF: usize = memory.data<u8>([0x4c, 0x6e, 0x4c, 0x65, 0x61, 0x66]); // "LnLeaf"
const TAG_LNBRANCH: usize = memory.data<u8>([0x4c, 0x6e, 0x42, 0x72, 0x61, 0x6e, 0x63, 0x68]); // "LnBranch"
const TAG_LNNONCE: usize = memory.data<u8>([0x4c, 0x6e, 0x4e, 0x6f, 0x6e, 0x63, 0x65]); // "LnNonce"

let midstatesReady = false;

function initMidstates(): void {
  if (midstatesReady) return;
  taggedInit(LEAF_MID, TAG_LNLEAF, 6);
  taggedInit(BRANCH_MID, TAG_LNBRANCH, 8);
  midstatesReady = true;
}

// True when the 32-byte string at a is less than the one at b (unsigned,
// big-endian). Hashes of public data: variable time is fine.
function lessThan(a: usize, b: usize): bool {
  for (let i: usize = 0; i < 32; i++) {
    const x = load<u8>(a + i), y = load<u8>(b + i);
    if (x != y) return x < y;
  }
  return false;
}

// BOLT 12: the Merkle tree inner nodes are H("LnBranch",
// lesser-SHA256 ‖ greater-SHA256). out may alias a or b.
export function merkleBranch(a: usize, b: usize, out: usize): void {
  initMidstates();
  sha256Copy(WORK, BRANCH_MID);
  if (lessThan(b, a)) {
    sha256Update(WORK, b, 32);
    sha256Update(WORK, a, 32);
  } else {
    sha256Update(WORK, a, 32);
    sha256Update(WORK, b, 32);
  }
  sha256Final(WORK, out);
}

// Merkle root of the TLV stream at [stream, stream+len) into out (32 bytes),
// after checking the stream's framing (BOLT 1) and, unless kind is
// BOLT12_KIND_ANY, that every type is in the ranges BOLT 12 allows for that
// message. Returns BOLT12_OK or a BOLT12_ERR_* code (out untouched).
export function merkleRootChecked(kind: i32, stream: usize, len: usize, out: usize): i32 {
  if (!isKnownKind(kind)) return BOLT12_ERR_BAD_KIND;
  if (len > <usize>BOLT12_MAX_MESSAGE) return BOLT12_ERR_TOO_LONG;
  initMidstates();
  tlvBegin(CURSOR, stream, len);
  let depth: i32 = 0;
  let leaves: u32 = 0;
  for (;;) {
    const r = tlvNext(CURSOR);
    if (r == TLV_END) break;
    if (r != BOLT12_OK) return r;
    const t = tlvType(CURSOR);
    if (!typeAllowed(kind, t)) return BOLT12_ERR_TYPE_RANGE;
    // BOLT 12: signature TLV elements (types 240..1000) are not leaves.
    if (isSignatureType(t)) continue;
    const rec = tlvRecord(CURSOR);
    const recLen = tlvRecordLen(CURSOR);
    if (leaves == 0) {
      // BOLT 12: H("LnNonce" ‖ first-tlv, tlv-type) where first-tlv is the
      // numerically-first TLV entry in the stream. Read, as Core Lightning
      // and the host codec do, as the first record that is a leaf (signature
      // records are not part of the tree); identical whenever the stream
      // starts below type 240, as every invoice_request/invoice does (type 0).
      taggedInit3(NONCE_MID, TAG_LNNONCE, 7, rec, recLen, 0, 0);
    }
    // BOLT 12: the leaves are, in TLV-ascending order for each tlv:
    // H("LnLeaf", tlv) and H("LnNonce" ‖ first-tlv, tlv-type), paired by a
    // branch node.
    sha256Copy(WORK, LEAF_MID);
    sha256Update(WORK, rec, recLen);
    sha256Final(WORK, LEAF);
    sha256Copy(WORK, NONCE_MID);
    sha256Update(WORK, rec, tlvTypeLen(CURSOR));
    sha256Final(WORK, NONCE);
    if (depth == STACK_DEPTH) return BOLT12_ERR_TOO_LONG;
    let top = STACK + <usize>(depth << 5);
    merkleBranch(LEAF, NONCE, top);
    store<u8>(HEIGHT + <usize>depth, 0);
    depth++;
    leaves++;
    // Join equal-height neighbours as soon as both exist: left to right,
    // pairs (0,1), (2,3), ... at every level, exactly as the level-by-level
    // construction does.
    while (depth >= 2 && load<u8>(HEIGHT + <usize>(depth - 1)) == load<u8>(HEIGHT + <usize>(depth - 2))) {
      const left = STACK + <usize>((depth - 2) << 5);
      merkleBranch(left, left + 32, left);
      store<u8>(HEIGHT + <usize>(depth - 2), load<u8>(HEIGHT + <usize>(depth - 2)) + 1);
      depth--;
    }
  }
  if (leaves == 0) return BOLT12_ERR_NO_RECORDS;
  // BOLT 12: if there is not exactly a power of 2 leaves, the tree depth is
  // uneven, with the deepest tree on the lowest-order leaves: the remaining
  // (complete, decreasing-height) subtrees join right to left, each smaller
  // right-hand part carried up unchanged until it meets its left neighbour.
  while (depth >= 2) {
    const left = STACK + <usize>((depth - 2) << 5);
    merkleBranch(left, left + 32, left);
    depth--;
  }
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, load<u32>(STACK + i));
  return BOLT12_OK;
}

// Merkle root over any well-framed TLV stream (no BOLT 12 range rule).
export function merkleRoot(stream: usize, len: usize, out: usize): i32 {
  return merkleRootChecked(BOLT12_KIND_ANY, stream, len, out);
}

// ---- Leaf nodes one at a time (payer proofs, device/payer/proof.ts) ----------
// The same leaf node as merkleRootChecked, for a record given as header ‖
// value (it need not be contiguous), with the nonce tag of the stream's first
// record set by merkleNonceBegin. Shares this module's static state: never
// interleave with merkleRootChecked.

// Nonce tag for the stream whose first (leaf) record is [first, first+firstLen).
export function merkleNonceBegin(first: usize, firstLen: usize): void {
  initMidstates();
  taggedInit3(NONCE_MID, TAG_LNNONCE, 7, first, firstLen, 0, 0);
}

// H("LnNonce" ‖ first, type) for the type field at [typeBytes, +typeLen).
export function merkleNonce(typeBytes: usize, typeLen: usize, out: usize): void {
  sha256Copy(WORK, NONCE_MID);
  sha256Update(WORK, typeBytes, typeLen);
  sha256Final(WORK, out);
}

// H("LnBranch", H("LnLeaf", hdr ‖ val), H("LnNonce" ‖ first, hdr[0..typeLen])).
export function merkleLeafNode(hdr: usize, hdrLen: usize, val: usize, valLen: usize, typeLen: usize, out: usize): void {
  initMidstates();
  sha256Copy(WORK, LEAF_MID);
  sha256Update(WORK, hdr, hdrLen);
  sha256Update(WORK, val, valLen);
  sha256Final(WORK, LEAF);
  merkleNonce(hdr, typeLen, NONCE);
  merkleBranch(LEAF, NONCE, out);
}

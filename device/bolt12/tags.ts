// BIP-340-style tagged hashes, as BOLT 12 "Signature Calculation" defines
// them: H(tag, msg) = SHA256(SHA256(tag) ‖ SHA256(tag) ‖ msg). Works on
// caller-owned SHA-256 contexts, so a tag's midstate can be computed once and
// copied (sha256Copy) for every message hashed under it.
import { sha256Init, sha256Update, sha256Final, SHA256_CTX_SIZE } from "../crypto/sha256";

const TAG_CTX: usize = memory.data(<i32>SHA256_CTX_SIZE);
const TAG_HASH: usize = memory.data(32);

// ctx := SHA256 state after absorbing tagHash ‖ tagHash (tagHash = SHA256(tag)).
export function taggedInitFromHash(ctx: usize, tagHash: usize): void {
  sha256Init(ctx);
  sha256Update(ctx, tagHash, 32);
  sha256Update(ctx, tagHash, 32);
}

// ctx := midstate of the tag made of up to three byte strings a ‖ b ‖ c
// (pass length 0 for unused parts), so tags like "LnNonce" ‖ first-tlv or
// "lightning" ‖ messagename ‖ fieldname need no concatenation buffer.
export function taggedInit3(ctx: usize, a: usize, alen: usize, b: usize, blen: usize, c: usize, clen: usize): void {
  sha256Init(TAG_CTX);
  sha256Update(TAG_CTX, a, alen);
  sha256Update(TAG_CTX, b, blen);
  sha256Update(TAG_CTX, c, clen);
  sha256Final(TAG_CTX, TAG_HASH);
  taggedInitFromHash(ctx, TAG_HASH);
}

export function taggedInit(ctx: usize, tag: usize, tagLen: usize): void {
  taggedInit3(ctx, tag, tagLen, 0, 0, 0, 0);
}

// BIP-340 tagged hashes: hash_tag(x) = SHA256(SHA256(tag) || SHA256(tag) || x).
// The 64-byte prefix is one SHA-256 block, so each tag's state after it (the
// midstate) is computed once and copied for every hash.
import { SHA256_CTX_SIZE, sha256, sha256Copy, sha256Init, sha256Update } from "./sha256";

// Sets ctx to the SHA-256 state after SHA256(tag) || SHA256(tag). ctx must hold
// SHA256_CTX_SIZE bytes. Continue with sha256Update / sha256Final (or keep ctx
// as a midstate and sha256Copy it into a work context).
const TAGH: usize = memory.data(32, 8);
export function taggedHashInit(ctx: usize, tag: usize, tagLen: usize): void {
  sha256(tag, tagLen, TAGH);
  sha256Init(ctx);
  sha256Update(ctx, TAGH, 32);
  sha256Update(ctx, TAGH, 32);
}

const TAG_AUX: usize = memory.data<u8>([0x42, 0x49, 0x50, 0x30, 0x33, 0x34, 0x30, 0x2f, 0x61, 0x75, 0x78]);
const TAG_NONCE: usize = memory.data<u8>([0x42, 0x49, 0x50, 0x30, 0x33, 0x34, 0x30, 0x2f, 0x6e, 0x6f, 0x6e, 0x63, 0x65]);
const TAG_CHALLENGE: usize = memory.data<u8>([0x42, 0x49, 0x50, 0x30, 0x33, 0x34, 0x30, 0x2f, 0x63, 0x68, 0x61, 0x6c, 0x6c, 0x65, 0x6e, 0x67, 0x65]);

// Midstates of "BIP0340/aux", "BIP0340/nonce", "BIP0340/challenge".
export const MID_AUX: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);
export const MID_NONCE: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);
export const MID_CHALLENGE: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);

let ready = false;
export function bip340TagsInit(): void {
  if (ready) return;
  taggedHashInit(MID_AUX, TAG_AUX, 11);
  taggedHashInit(MID_NONCE, TAG_NONCE, 13);
  taggedHashInit(MID_CHALLENGE, TAG_CHALLENGE, 17);
  ready = true;
}

// ctx = copy of a midstate (ready for sha256Update).
export function taggedHashStart(ctx: usize, mid: usize): void {
  bip340TagsInit();
  sha256Copy(ctx, mid);
}

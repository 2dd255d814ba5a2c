// HMAC-SHA256 (RFC 2104, FIPS 198-1) over raw memory. No allocation: callers
// own the context memory (HMAC_CTX_SIZE bytes); hmacSha256() uses a private
// static context (do not call it from code that is itself inside hmacSha256).
//
// Secret hygiene: the key only flows through XOR and the SHA-256 compression
// function. The one branch (key longer than a block) depends on the key
// length, which is public; no secret-dependent branch or index. The padded
// key block is wiped once both pads have been absorbed.
import { SHA256_CTX_SIZE, sha256Init, sha256Update, sha256Final, sha256Copy } from "./sha256";

// Context layout (bytes):
//   0 .. 363      inner SHA-256 context (after init: absorbed K ^ ipad)
//   364 .. 727    outer SHA-256 context (after init: absorbed K ^ opad)
//   728 .. 791    scratch block (padded key, then the inner digest)
export const HMAC_CTX_SIZE: usize = 2 * SHA256_CTX_SIZE + 64;
const CTX_INNER: usize = 0;
const CTX_OUTER: usize = SHA256_CTX_SIZE;
const CTX_BLOCK: usize = 2 * SHA256_CTX_SIZE;

// SHA-256 block size B (RFC 2104 §2).
const BLOCK: usize = 64;

const ONESHOT_CTX: usize = memory.data(<i32>HMAC_CTX_SIZE);

function wipe(p: usize, len: usize): void {
  for (let i: usize = 0; i < len; i++) store<u8>(p + i, 0);
}

// Keys the context. `key` may alias anything (it is fully read before use).
export function hmacSha256Init(ctx: usize, key: usize, keyLen: usize): void {
  const inner = ctx + CTX_INNER;
  const outer = ctx + CTX_OUTER;
  const blk = ctx + CTX_BLOCK;
  wipe(blk, BLOCK);
  // RFC 2104 §2: keys longer than B bytes are first hashed with H; shorter
  // keys are padded with zeros to B bytes.
  if (keyLen > BLOCK) {
    sha256Init(inner);
    sha256Update(inner, key, keyLen);
    sha256Final(inner, blk);
  } else {
    for (let i: usize = 0; i < keyLen; i++) store<u8>(blk + i, load<u8>(key + i));
  }
  // ipad = 0x36 repeated B times: inner = H((K ^ ipad) || text).
  for (let i: usize = 0; i < BLOCK; i += 4) store<u32>(blk + i, load<u32>(blk + i) ^ 0x36363636);
  sha256Init(inner);
  sha256Update(inner, blk, BLOCK);
  // opad = 0x5c repeated B times; (K ^ ipad) ^ (0x36 ^ 0x5c) = K ^ opad.
  for (let i: usize = 0; i < BLOCK; i += 4) store<u32>(blk + i, load<u32>(blk + i) ^ 0x6a6a6a6a);
  sha256Init(outer);
  sha256Update(outer, blk, BLOCK);
  wipe(blk, BLOCK);
}

export function hmacSha256Update(ctx: usize, data: usize, len: usize): void {
  sha256Update(ctx + CTX_INNER, data, len);
}

// Writes the 32-byte tag to `out`. The context is spent (re-key or restore a
// copy to use it again). `out` may alias the message or key.
export function hmacSha256Final(ctx: usize, out: usize): void {
  const blk = ctx + CTX_BLOCK;
  sha256Final(ctx + CTX_INNER, blk);
  sha256Update(ctx + CTX_OUTER, blk, 32);
  sha256Final(ctx + CTX_OUTER, out);
  wipe(blk, 32);
}

// Copies a keyed (not yet updated) context, e.g. to MAC many messages under
// one key without re-keying.
export function hmacSha256Copy(dst: usize, src: usize): void {
  sha256Copy(dst + CTX_INNER, src + CTX_INNER);
  sha256Copy(dst + CTX_OUTER, src + CTX_OUTER);
}

// Wipes a context that held key material.
export function hmacSha256Wipe(ctx: usize): void {
  wipe(ctx, HMAC_CTX_SIZE);
}

// One-shot HMAC-SHA256(key, msg) -> out (32 bytes).
export function hmacSha256(key: usize, keyLen: usize, msg: usize, msgLen: usize, out: usize): void {
  hmacSha256Init(ONESHOT_CTX, key, keyLen);
  hmacSha256Update(ONESHOT_CTX, msg, msgLen);
  hmacSha256Final(ONESHOT_CTX, out);
  hmacSha256Wipe(ONESHOT_CTX);
}

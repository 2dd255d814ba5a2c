// HMAC-SHA512 (RFC 2104, FIPS 198-1; test vectors RFC 4231) over raw
// memory, the same shape as hmac.ts (HMAC-SHA256). No allocation: callers own
// the context memory (HMAC512_CTX_SIZE bytes); hmacSha512() uses a private
// static context, wiped after use.
//
// Secret hygiene: the key only flows through XOR and the SHA-512 compression
// function. The one branch (key longer than a block) depends on the key
// length, which is public. The padded key block is wiped once both pads have
// been absorbed; hmacSha512Wipe clears a context that held a key.
import { SHA512_CTX_SIZE, sha512Init, sha512Update, sha512Final, sha512Copy, sha512Wipe } from "./sha512";

// Context layout (bytes):
//   0 .. 335      inner SHA-512 context (after init: absorbed K ^ ipad)
//   336 .. 671    outer SHA-512 context (after init: absorbed K ^ opad)
//   672 .. 799    scratch block (padded key, then the inner digest)
export const HMAC512_CTX_SIZE: usize = 2 * SHA512_CTX_SIZE + 128;
const CTX_INNER: usize = 0;
const CTX_OUTER: usize = SHA512_CTX_SIZE;
const CTX_BLOCK: usize = 2 * SHA512_CTX_SIZE;

// SHA-512 block size B (RFC 2104 §2; FIPS 180-4: 1024 bits).
const BLOCK: usize = 128;

const ONESHOT_CTX: usize = memory.data(<i32>HMAC512_CTX_SIZE, 8);

function wipeBytes(p: usize, len: usize): void {
  for (let i: usize = 0; i < len; i++) store<u8>(p + i, 0);
}

// Keys the context. `key` may alias anything outside ctx (it is fully read first).
export function hmacSha512Init(ctx: usize, key: usize, keyLen: usize): void {
  const inner = ctx + CTX_INNER;
  const outer = ctx + CTX_OUTER;
  const blk = ctx + CTX_BLOCK;
  wipeBytes(blk, BLOCK);
  // RFC 2104 §2: keys longer than B bytes are first hashed with H (giving 64
  // bytes); shorter keys are padded with zeros to B bytes.
  if (keyLen > BLOCK) {
    sha512Init(inner);
    sha512Update(inner, key, keyLen);
    sha512Final(inner, blk);
  } else {
    for (let i: usize = 0; i < keyLen; i++) store<u8>(blk + i, load<u8>(key + i));
  }
  // ipad = 0x36 repeated B times: inner = H((K ^ ipad) || text).
  for (let i: usize = 0; i < BLOCK; i += 8) store<u64>(blk + i, load<u64>(blk + i) ^ 0x3636363636363636);
  sha512Init(inner);
  sha512Update(inner, blk, BLOCK);
  // opad = 0x5c repeated B times; (K ^ ipad) ^ (0x36 ^ 0x5c) = K ^ opad.
  for (let i: usize = 0; i < BLOCK; i += 8) store<u64>(blk + i, load<u64>(blk + i) ^ 0x6a6a6a6a6a6a6a6a);
  sha512Init(outer);
  sha512Update(outer, blk, BLOCK);
  wipeBytes(blk, BLOCK);
}

export function hmacSha512Update(ctx: usize, data: usize, len: usize): void {
  sha512Update(ctx + CTX_INNER, data, len);
}

// Writes the 64-byte tag to `out`: outer = H((K ^ opad) || inner digest).
// The context is spent (re-key or restore a copy). `out` may alias the
// message or the key.
export function hmacSha512Final(ctx: usize, out: usize): void {
  const blk = ctx + CTX_BLOCK;
  sha512Final(ctx + CTX_INNER, blk);
  sha512Update(ctx + CTX_OUTER, blk, 64);
  sha512Final(ctx + CTX_OUTER, out);
  wipeBytes(blk, 64);
}

// Copies a keyed context, e.g. to MAC many messages under one key without
// re-keying (PBKDF2). dst and src must not overlap.
export function hmacSha512Copy(dst: usize, src: usize): void {
  sha512Copy(dst + CTX_INNER, src + CTX_INNER);
  sha512Copy(dst + CTX_OUTER, src + CTX_OUTER);
}

// Wipes a context that held key material.
export function hmacSha512Wipe(ctx: usize): void {
  sha512Wipe(ctx + CTX_INNER);
  sha512Wipe(ctx + CTX_OUTER);
  wipeBytes(ctx + CTX_BLOCK, BLOCK);
}

// One-shot HMAC-SHA512(key, msg) -> out (64 bytes).
export function hmacSha512(key: usize, keyLen: usize, msg: usize, msgLen: usize, out: usize): void {
  hmacSha512Init(ONESHOT_CTX, key, keyLen);
  hmacSha512Update(ONESHOT_CTX, msg, msgLen);
  hmacSha512Final(ONESHOT_CTX, out);
  hmacSha512Wipe(ONESHOT_CTX);
}

// HKDF-SHA256 (RFC 5869) over raw memory, built on hmac.ts. No allocation:
// private static contexts, wiped after every call (they hold the PRK).
// Not re-entrant (do not call from inside another hkdf* call).
//
// Secret hygiene: branches and loop bounds depend only on lengths (public).
import { HMAC_CTX_SIZE, hmacSha256Init, hmacSha256Update, hmacSha256Final, hmacSha256Copy, hmacSha256Wipe } from "./hmac";

export const HKDF_OK: i32 = 0;
// RFC 5869 §2.3: L <= 255*HashLen.
export const HKDF_ERR_LENGTH: i32 = 1;
export const HKDF_SHA256_MAX_OUT: usize = 255 * 32;

const KEYED: usize = memory.data(<i32>HMAC_CTX_SIZE); // HMAC keyed with PRK
const WORK: usize = memory.data(<i32>HMAC_CTX_SIZE);
const T: usize = memory.data(32); // T(i)
const PRK: usize = memory.data(32);
const COUNTER: usize = memory.data(1);

// RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM). An absent salt is HashLen zero
// bytes; an empty salt gives the same HMAC key (both pad to a zero block), so
// saltLen = 0 needs no special case. `prkOut` (32 bytes) may alias the inputs.
export function hkdfSha256Extract(salt: usize, saltLen: usize, ikm: usize, ikmLen: usize, prkOut: usize): void {
  hmacSha256Init(WORK, salt, saltLen);
  hmacSha256Update(WORK, ikm, ikmLen);
  hmacSha256Final(WORK, prkOut);
  hmacSha256Wipe(WORK);
}

// RFC 5869 §2.3: T(0) = empty, T(i) = HMAC-Hash(PRK, T(i-1) || info || i),
// OKM = first L bytes of T(1) || T(2) || ...  Returns HKDF_ERR_LENGTH when
// outLen > 255*32 (nothing written). `out` must not overlap `info` (info is
// read again for every block); it may alias `prk`.
export function hkdfSha256Expand(prk: usize, prkLen: usize, info: usize, infoLen: usize, out: usize, outLen: usize): i32 {
  if (outLen > HKDF_SHA256_MAX_OUT) return HKDF_ERR_LENGTH;
  hmacSha256Init(KEYED, prk, prkLen);
  let done: usize = 0;
  let i: u32 = 1;
  while (done < outLen) {
    hmacSha256Copy(WORK, KEYED);
    if (i > 1) hmacSha256Update(WORK, T, 32);
    hmacSha256Update(WORK, info, infoLen);
    store<u8>(COUNTER, <u8>i);
    hmacSha256Update(WORK, COUNTER, 1);
    hmacSha256Final(WORK, T);
    let n = outLen - done;
    if (n > 32) n = 32;
    for (let j: usize = 0; j < n; j++) store<u8>(out + done + j, load<u8>(T + j));
    done += n;
    i++;
  }
  hmacSha256Wipe(KEYED);
  hmacSha256Wipe(WORK);
  for (let j: usize = 0; j < 32; j += 4) store<u32>(T + j, 0);
  return HKDF_OK;
}

// Extract-then-expand. `out` must not overlap `info`.
export function hkdfSha256(
  salt: usize, saltLen: usize, ikm: usize, ikmLen: usize,
  info: usize, infoLen: usize, out: usize, outLen: usize,
): i32 {
  if (outLen > HKDF_SHA256_MAX_OUT) return HKDF_ERR_LENGTH;
  hkdfSha256Extract(salt, saltLen, ikm, ikmLen, PRK);
  const r = hkdfSha256Expand(PRK, 32, info, infoLen, out, outLen);
  for (let j: usize = 0; j < 32; j += 4) store<u32>(PRK + j, 0);
  return r;
}

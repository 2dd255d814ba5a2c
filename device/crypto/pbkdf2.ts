// PBKDF2-HMAC-SHA512 (RFC 8018 §5.2) over raw memory, built on
// hmac-sha512.ts. BIP39 uses it to turn a mnemonic into its 64-byte seed
// (2048 iterations). No allocation: private static contexts, wiped after
// every call (they hold the keyed password state). Not re-entrant.
//
// Secret hygiene: loop bounds depend only on the iteration count and the
// lengths (public); the password and the U/T blocks only flow through
// HMAC-SHA512 and XOR.
import {
  HMAC512_CTX_SIZE, hmacSha512Init, hmacSha512Update, hmacSha512Final, hmacSha512Copy, hmacSha512Wipe,
} from "./hmac-sha512";

export const PBKDF2_OK: i32 = 0;
// RFC 8018 §5.2: the iteration count c is a positive integer.
export const PBKDF2_ERR_ITERATIONS: i32 = 1;

const KEYED: usize = memory.data(<i32>HMAC512_CTX_SIZE, 8); // HMAC keyed with P
const WORK: usize = memory.data(<i32>HMAC512_CTX_SIZE, 8);
const U: usize = memory.data(64, 8); // U_j
const T: usize = memory.data(64, 8); // T_i = U_1 ^ ... ^ U_c
const INT_I: usize = memory.data(4);

// DK = PBKDF2(P = pass, S = saltA || saltB, c = iterations, dkLen = outLen).
// The salt comes in two pieces so that callers need no buffer to join them
// (BIP39: "mnemonic" || passphrase). `out` may alias nothing of the inputs
// (the password and the salt are read again for every 64-byte block).
// Returns PBKDF2_ERR_ITERATIONS (nothing written) when iterations = 0.
// (RFC 8018's dkLen limit of (2^32 - 1) * 64 bytes exceeds any usize length.)
export function pbkdf2HmacSha512(
  pass: usize, passLen: usize, saltA: usize, saltALen: usize, saltB: usize, saltBLen: usize,
  iterations: u32, out: usize, outLen: usize,
): i32 {
  if (iterations == 0) return PBKDF2_ERR_ITERATIONS;
  hmacSha512Init(KEYED, pass, passLen);
  let done: usize = 0;
  let block: u32 = 1;
  while (done < outLen) {
    // RFC 8018 §5.2 step 3: U_1 = PRF(P, S || INT(i)), INT(i) big-endian.
    hmacSha512Copy(WORK, KEYED);
    hmacSha512Update(WORK, saltA, saltALen);
    hmacSha512Update(WORK, saltB, saltBLen);
    store<u32>(INT_I, bswap<u32>(block));
    hmacSha512Update(WORK, INT_I, 4);
    hmacSha512Final(WORK, U);
    for (let k: usize = 0; k < 64; k += 8) store<u64>(T + k, load<u64>(U + k));
    // U_j = PRF(P, U_{j-1}); T_i = U_1 ^ U_2 ^ ... ^ U_c.
    for (let j: u32 = 1; j < iterations; j++) {
      hmacSha512Copy(WORK, KEYED);
      hmacSha512Update(WORK, U, 64);
      hmacSha512Final(WORK, U);
      for (let k: usize = 0; k < 64; k += 8) store<u64>(T + k, load<u64>(T + k) ^ load<u64>(U + k));
    }
    // Step 4: DK = T_1 || T_2 || ... truncated to dkLen.
    let n = outLen - done;
    if (n > 64) n = 64;
    for (let k: usize = 0; k < n; k++) store<u8>(out + done + k, load<u8>(T + k));
    done += n;
    block++;
  }
  hmacSha512Wipe(KEYED);
  hmacSha512Wipe(WORK);
  for (let k: usize = 0; k < 64; k += 8) {
    store<u64>(U + k, 0);
    store<u64>(T + k, 0);
  }
  return PBKDF2_OK;
}

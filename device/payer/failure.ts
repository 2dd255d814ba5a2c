// Decoding a returned failure onion at the origin (BOLT 4 "Returning
// Errors"), for pay_failed (issue 12): with the part's shared secrets in route
// order (re-derived on the device: they never leave it), hop i's layer is
// removed by XORing the packet with the ammag_i stream, then
// HMAC-SHA256(um_i, packet[32..]) must equal packet[0..32]; the first hop
// where it does is the erring hop. Only a node holding that hop's shared
// secret can make the HMAC match, so a host cannot forge a failure for a part
// whose HTLC is still out (docs/firmware/payer.md).
//
// The packet is decrypted in place (the request buffer). The secrets are
// secret: the HMAC comparison is constant time and the keys are wiped.
import { chacha20Xor } from "../crypto/chacha20";
import { HMAC_CTX_SIZE, hmacSha256, hmacSha256Final, hmacSha256Init, hmacSha256Update, hmacSha256Wipe } from "../crypto/hmac";
import { wipe } from "../crypto/scalar";

const NAME_AMMAG: usize = memory.data<u8>([0x61, 0x6d, 0x6d, 0x61, 0x67]); // "ammag"
const NAME_UM: usize = memory.data<u8>([0x75, 0x6d]); // "um"
const NONCE0: usize = memory.data(12, 4);
const KEY: usize = memory.data(32, 8);
const MAC: usize = memory.data(32, 8);
const HCTX: usize = memory.data(<i32>HMAC_CTX_SIZE, 8);

/** After failureDecode found a hop: the failure message (failuremsg) length;
 *  the message starts at packet + 34. 0 when failure_len (and pad_len) do not fit the
 *  packet (the failure still verified: the hop is the erring one). */
export let failureMsgLen: u32 = 0;

/**
 * Peels the failure onion at p (len bytes, modified in place) with n shared
 * secrets at ss (32 bytes each). Returns the erring hop index, or -1 when no
 * hop's HMAC verifies (or the packet is too short to hold one).
 */
export function failureDecode(ss: usize, n: i32, p: usize, len: usize): i32 {
  failureMsgLen = 0;
  // HMAC[32] ‖ failure_len u16 ‖ failuremsg ‖ pad_len u16 ‖ pad.
  if (len < 32 + 4) return -1;
  let found: i32 = -1;
  for (let i = 0; i < n; i++) {
    const s = ss + (<usize>i << 5);
    hmacSha256(NAME_AMMAG, 5, s, 32, KEY);
    chacha20Xor(KEY, NONCE0, 0, 0, p, p, len);
    hmacSha256(NAME_UM, 2, s, 32, KEY);
    hmacSha256Init(HCTX, KEY, 32);
    hmacSha256Update(HCTX, p + 32, len - 32);
    hmacSha256Final(HCTX, MAC);
    let d: u32 = 0;
    for (let j: usize = 0; j < 32; j++) d |= <u32>(load<u8>(MAC + j) ^ load<u8>(p + j));
    if (d == 0) { found = i; break; }
  }
  wipe(KEY, 32);
  wipe(MAC, 32);
  hmacSha256Wipe(HCTX);
  if (found >= 0) {
    const flen = (<u32>load<u8>(p + 32) << 8) | <u32>load<u8>(p + 33);
    // HMAC ‖ failure_len ‖ failuremsg ‖ pad_len must fit the packet.
    if (<usize>flen + 36 <= len) failureMsgLen = flen;
  }
  return found;
}

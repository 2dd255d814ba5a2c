// Onion-message packets (BOLT 4 "Onion Messages"; digest §4.10, CLN digest
// §6.5): the packet store read out in chunks, and the payload encoders.
//
// Memory: the packet lives in PKT (32834 bytes, the largest packet: 1300 or
// 32768 bytes of payloads + 66), the only large buffer of this feature
// (docs/firmware/blinding.md "Memory"). It holds public data only (the packet
// goes to the network as it is) and stays readable until the next
// onion_message request.
import { OMSG_ROUTING_LARGE, ONION_MAX_HOPS } from "../../shared/protocol";

/** The largest packet: version ‖ key[33] ‖ 32768 ‖ hmac[32]. */
export const PKT_CAP: usize = 1 + 33 + <usize>OMSG_ROUTING_LARGE + 32;
export const PKT: usize = memory.data(<i32>PKT_CAP, 8);
/** Chip-interface scratch inside PKT, beyond the io area (its first 16 KiB,
 *  device/abi/io.ts IO_SIZE): the onion_create output and shared secrets
 *  (device/abi/onion.ts) and the self-test's packet (device/onion/kat.ts).
 *  The chip interface and the serial protocol are never used together, like
 *  the io area itself (docs/firmware.md "Memory map"). */
export const PKT_IO_END: usize = PKT + 16384;
export const PKT_ONION_OUT: usize = PKT_IO_END;          // 1366 bytes
export const PKT_ONION_SS: usize = PKT_IO_END + 1368;    // 27 * 32 = 864 bytes
export const PKT_KAT_PACKET: usize = PKT_IO_END + 2232;  // 1366 bytes, ends at +3598 < 16450
/** Length of the packet in PKT (0 = none). */
export let pktLen: usize = 0;
export function pktSet(len: usize): void { pktLen = len; }

/** Shared secrets of the last build (not returned: onion messages have no
 *  error return path); wiped after each build. */
export const OMSG_SS: usize = memory.data(<i32>ONION_MAX_HOPS * 32, 8);
/** Blinded node ids of our own hops (the Sphinx hop public keys). */
export const OMSG_BIDS: usize = memory.data(<i32>ONION_MAX_HOPS * 33, 8);

/** Writes v as a BigSize at p; returns its size (1, 3 or 5 bytes for v < 2^32). */
export function bigsizeWrite(p: usize, v: usize): usize {
  if (v < 0xfd) { store<u8>(p, <u8>v); return 1; }
  if (v <= 0xffff) { store<u8>(p, 0xfd); store<u8>(p + 1, <u8>(v >> 8)); store<u8>(p + 2, <u8>v); return 3; }
  store<u8>(p, 0xfe);
  store<u8>(p + 1, <u8>(v >> 24)); store<u8>(p + 2, <u8>(v >> 16)); store<u8>(p + 3, <u8>(v >> 8)); store<u8>(p + 4, <u8>v);
  return 5;
}

/** Size of the BigSize encoding of v. */
export function bigsizeSize(v: usize): usize {
  return v < 0xfd ? 1 : v <= 0xffff ? 3 : 5;
}

/** Routing info size for payloads needing `need` bytes (Σ hop data + 32):
 *  CLN uses 1300 when they fit, else 32768 (digest §6.1). */
export function omsgRoutingSize(need: usize, small: usize): usize {
  return need <= small ? small : <usize>OMSG_ROUTING_LARGE;
}

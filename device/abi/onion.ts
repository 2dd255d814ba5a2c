// Exported onion construction (chip interface), Core Lightning `createonion`
// semantics with a caller-supplied session key: a pure function of its inputs
// (the device secret is never read here; the serial build_onion request is the
// path that derives session keys from it). docs/firmware/onion.md.
import { ONION_MAX_HOPS, ONION_MAX_ROUTING } from "../../shared/protocol";
import {
  ONION_ERR_HOPS, ONION_ERR_PAYLOAD, ONION_ERR_PUBKEY, ONION_OK, onionBuild, onionErrHop, onionPacketSize, onionParseHops,
} from "../onion/sphinx";
import { inMemory } from "./bounds";
import { PKT_ONION_OUT, PKT_ONION_SS } from "../onion/onion-message";

/** A (pointer, length) argument reaches outside linear memory. */
export const ONION_ERR_ARG: i32 = 8;

// Work areas in the packet store beyond the io area (chip interface only;
// device/onion/onion-message.ts): 1 + 33 + ONION_MAX_ROUTING + 32 and
// ONION_MAX_HOPS * 32 bytes.
const OUT: usize = PKT_ONION_OUT;
const SS: usize = PKT_ONION_SS;
let lastErrHop: i32 = 0;

export function onion_abi_version(): u32 {
  return 1;
}

/** Hop index of the last ONION_ERR_PUBKEY / ONION_ERR_PAYLOAD. */
export function onion_err_hop(): i32 {
  return lastErrHop;
}

/**
 * createonion: `hops` (hopsLen bytes) is n records of node id[33] ‖ payload,
 * the payload carrying its BigSize length prefix exactly as createonion's
 * `hops[i].payload`. Writes the packet (1 + 33 + onionSize + 32 bytes) to `out`
 * and the n shared secrets (32 bytes each) to `ssOut`, only on success.
 * Returns ONION_OK or an ONION_ERR_* code.
 */
export function onion_create(
  hops: usize, hopsLen: usize, n: i32, assoc: usize, assocLen: usize, session: usize, onionSize: usize,
  out: usize, ssOut: usize,
): i32 {
  lastErrHop = 0;
  if (n < 1 || n > ONION_MAX_HOPS) return ONION_ERR_HOPS;
  if (onionSize > <usize>ONION_MAX_ROUTING) onionSize = <usize>ONION_MAX_ROUTING + 1; // refused by onionBuild
  if (!inMemory(hops, hopsLen) || !inMemory(assoc, assocLen) || !inMemory(session, 32)) return ONION_ERR_ARG;
  if (!inMemory(out, onionPacketSize(onionSize)) || !inMemory(ssOut, <usize>n * 32)) return ONION_ERR_ARG;
  const end = hops + hopsLen;
  const last = onionParseHops(hops, end, n);
  if (last == 0) { lastErrHop = onionErrHop; return ONION_ERR_PAYLOAD; }
  if (last != end) { lastErrHop = n - 1; return ONION_ERR_PAYLOAD; }
  const r = onionBuild(OUT, SS, session, n, assoc, assocLen, onionSize);
  if (r != ONION_OK) {
    if (r == ONION_ERR_PUBKEY || r == ONION_ERR_PAYLOAD) lastErrHop = onionErrHop;
    return r;
  }
  const size = onionPacketSize(onionSize);
  for (let j: usize = 0; j < size; j++) store<u8>(out + j, load<u8>(OUT + j));
  for (let j: usize = 0; j < <usize>n * 32; j++) store<u8>(ssOut + j, load<u8>(SS + j));
  for (let j: usize = 0; j < <usize>ONION_MAX_HOPS * 32; j++) store<u8>(SS + j, 0);
  return ONION_OK;
}

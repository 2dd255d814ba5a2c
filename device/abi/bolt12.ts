// Exported BOLT 12 codec functions (chip interface): docs/firmware/bolt12.md.
// Status codes, kinds and limits: shared/bolt12-limits.ts. Nothing is
// written to an output on error; malformed input never traps.
import { BOLT12_ERR_ARG, BOLT12_MAX_MESSAGE } from "../../shared/bolt12-limits";
import { merkleRoot } from "../bolt12/merkle";
import { validateStream } from "../bolt12/validate";
import { sighash, sighashTagged } from "../bolt12/sighash";
import { bigsizeRead, bigsizeValue } from "../bolt12/tlv";
import { inMemory } from "./bounds";

export function bolt12_abi_version(): u32 {
  return 1;
}

export function bolt12_max_message(): u32 {
  return <u32>BOLT12_MAX_MESSAGE;
}

// Checks framing (BOLT 1) and the BOLT 12 ranges of `kind`; 0 when valid.
export function bolt12_validate(kind: i32, stream: usize, len: u32): i32 {
  if (!inMemory(stream, len)) return BOLT12_ERR_ARG;
  return validateStream(kind, stream, len);
}

// BOLT 12 merkle root of a well-framed TLV stream -> out (32 bytes).
export function bolt12_merkle_root(stream: usize, len: u32, out: usize): i32 {
  if (!inMemory(stream, len) || !inMemory(out, 32)) return BOLT12_ERR_ARG;
  return merkleRoot(stream, len, out);
}

// The 32-byte BIP-340 message for the `signature` field of an
// invoice_request (kind 2) or invoice (kind 3) -> out.
export function bolt12_sighash(kind: i32, stream: usize, len: u32, out: usize): i32 {
  if (!inMemory(stream, len) || !inMemory(out, 32)) return BOLT12_ERR_ARG;
  return sighash(kind, stream, len, out);
}

// H("lightning" ‖ msgname ‖ fieldname, merkle root) with caller-given names;
// the stream is checked against the ranges of `kind` (0 = framing only).
export function bolt12_sighash_tagged(
  kind: i32, msgName: usize, msgNameLen: u32, fieldName: usize, fieldNameLen: u32,
  stream: usize, len: u32, out: usize,
): i32 {
  if (!inMemory(msgName, msgNameLen) || !inMemory(fieldName, fieldNameLen) ||
      !inMemory(stream, len) || !inMemory(out, 32)) return BOLT12_ERR_ARG;
  return sighashTagged(kind, msgName, msgNameLen, fieldName, fieldNameLen, stream, len, out);
}

// Decodes one BigSize at [p, p+avail) (BOLT 1): returns its size in bytes
// (1, 3, 5, 9) and writes the value (u64, little-endian) to out8; or -1
// (truncated) / -2 (not minimal) / -3 (argument outside memory).
export function bolt12_bigsize_decode(p: usize, avail: u32, out8: usize): i32 {
  if (!inMemory(p, avail) || !inMemory(out8, 8)) return -3;
  const n = bigsizeRead(p, avail);
  if (n > 0) store<u64>(out8, bigsizeValue);
  return n;
}

// BOLT 4 Sphinx onion construction (sender side), docs/firmware/onion.md.
//
// The caller fills the hop table (onionSetHop) with, per hop, a pointer to the
// 33-byte node id and a pointer to its hop data = BigSize length ‖ TLV payload
// (exactly Core Lightning's createonion `payload`), then calls onionBuild.
//
// Cost is linear in the hops: the ephemeral secret is kept as a running
// scalar e_i (e_{i+1} = e_i · b_i mod n), so hop i costs one constant-time
// variable-base multiplication (ECDH with e_i) and one fixed-base e_i·G,
// instead of re-blinding every node key with all earlier factors.
//
// No allocation; static buffers only. The session key and every shared secret
// are secrets: the scalar arithmetic is constant time (device/crypto), the
// only branches are on public data (lengths, hop count, validity results),
// and every static copy of a secret is wiped before returning.
import { SECP_OK } from "../../shared/crypto-status";
import { ONION_MAX_HOPS, ONION_MAX_ROUTING } from "../../shared/protocol";
import { chacha20Xor } from "../crypto/chacha20";
import { GE_SIZE, gePubkeyParseVar, gePubkeySerialize } from "../crypto/group";
import { HMAC_CTX_SIZE, hmacSha256, hmacSha256Final, hmacSha256Init, hmacSha256Update, hmacSha256Wipe } from "../crypto/hmac";
import { pointMul, pubkeyPoint, seckeyLoad, wipeScratch } from "../crypto/keys";
import { scGetB32, scMul, scSetB32, scIsZero, wipe } from "../crypto/scalar";
import { SHA256_CTX_SIZE, sha256, sha256Final, sha256Init, sha256Update } from "../crypto/sha256";
import { bigsizeRead, bigsizeValue } from "../bolt12/tlv";

// Status codes (also the detail word of ERR_ONION_* serial refusals).
export const ONION_OK: i32 = 0;
/** 0 hops or more than ONION_MAX_HOPS. */
export const ONION_ERR_HOPS: i32 = 1;
/** The session key is 0 or >= n. */
export const ONION_ERR_SESSION_KEY: i32 = 2;
/** A node id is not a valid compressed point (hop index in onionErrHop). */
export const ONION_ERR_PUBKEY: i32 = 3;
/** A hop's data does not start with a minimal BigSize length equal to the rest,
 *  or its payload is shorter than 2 bytes (BOLT 4: lengths 0 and 1 are invalid). */
export const ONION_ERR_PAYLOAD: i32 = 4;
/** Σ (hop data + 32) exceeds the routing info size ("Payloads exceed maximum
 *  onion packet size"). */
export const ONION_ERR_TOO_BIG: i32 = 5;
/** onion_size out of range (0 or > ONION_MAX_ROUTING). */
export const ONION_ERR_SIZE: i32 = 6;
/** A blinding factor was >= n or gave a zero key (probability ~2^-128). */
export const ONION_ERR_BLIND: i32 = 7;

/** Index of the hop an ONION_ERR_PUBKEY / ONION_ERR_PAYLOAD is about. */
export let onionErrHop: i32 = 0;
/** After ONION_ERR_TOO_BIG: how many bytes Σ (hop data + 32) exceeds the
 *  routing info size by (the refusal's detail; payloads are never truncated). */
export let onionOver: u32 = 0;

// Hop table: pointer to the node id, pointer to the hop data and its length.
const HOP_PUB: usize = memory.data(<i32>ONION_MAX_HOPS * 4, 4);
const HOP_DATA: usize = memory.data(<i32>ONION_MAX_HOPS * 4, 4);
const HOP_LEN: usize = memory.data(<i32>ONION_MAX_HOPS * 4, 4);

export function onionSetHop(i: i32, pub33: usize, data: usize, len: usize): void {
  store<u32>(HOP_PUB + (<usize>i << 2), <u32>pub33);
  store<u32>(HOP_DATA + (<usize>i << 2), <u32>data);
  store<u32>(HOP_LEN + (<usize>i << 2), <u32>len);
}

@inline function hopPub(i: i32): usize { return <usize>load<u32>(HOP_PUB + (<usize>i << 2)); }
@inline function hopData(i: i32): usize { return <usize>load<u32>(HOP_DATA + (<usize>i << 2)); }
@inline function hopLen(i: i32): usize { return <usize>load<u32>(HOP_LEN + (<usize>i << 2)); }

// Key names (BOLT 4 "Key Generation": the ASCII name is the HMAC key).
const NAME_RHO: usize = memory.data<u8>([0x72, 0x68, 0x6f]);
const NAME_MU: usize = memory.data<u8>([0x6d, 0x75]);
const NAME_PAD: usize = memory.data<u8>([0x70, 0x61, 0x64]);
const NONCE0: usize = memory.data(12, 4);

const EK: usize = memory.data(32, 8); // running ephemeral secret e_i (scalar)
const BF: usize = memory.data(32, 8); // blinding factor b_i (scalar)
const EPK: usize = memory.data(<i32>GE_SIZE, 8); // e_i·G, then e_i·P_i
const NP: usize = memory.data(<i32>GE_SIZE, 8); // parsed node id
const SER: usize = memory.data(72, 8); // epk_i[33] ‖ ss_i[32] / compressed ECDH point
const KEY: usize = memory.data(32, 8); // rho / mu / pad key
const HCTX: usize = memory.data(<i32>HMAC_CTX_SIZE, 8);
const SCTX: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);

/** Packet size for a routing-info size: version ‖ epk ‖ routing ‖ hmac. */
export function onionPacketSize(onionSize: usize): usize {
  return 1 + 33 + onionSize + 32;
}

/** Checks the hop data of hop i (BigSize length prefix, payload >= 2 bytes). */
function checkHopData(i: i32, payment: bool): bool {
  const p = hopData(i), len = hopLen(i);
  const n = bigsizeRead(p, len);
  if (n < 0) return false;
  // BOLT 4: length 0 (legacy) and 1 are reserved/invalid for payments; an
  // onion message payload may be empty.
  return (!payment || bigsizeValue >= 2) && bigsizeValue == <u64>(len - <usize>n);
}

function keyOf(name: usize, nameLen: usize, ss: usize): void {
  hmacSha256(name, nameLen, ss, 32, KEY);
}

// Rho keystream XORed into [p, p+len) from keystream byte `offset`.
function rhoXor(ss: usize, offset: u64, p: usize, len: usize): void {
  keyOf(NAME_RHO, 3, ss);
  chacha20Xor(KEY, NONCE0, 0, offset, p, p, len);
}

function wipeAll(): void {
  wipe(EK, 32); wipe(BF, 32); wipe(EPK, GE_SIZE); wipe(NP, GE_SIZE); wipe(SER, 72);
  wipe(KEY, 32);
  hmacSha256Wipe(HCTX);
  wipe(SCTX, SHA256_CTX_SIZE);
  wipeScratch();
}

/**
 * Builds the onion for hops 0..n-1 of the hop table into `out`
 * (onionPacketSize(onionSize) bytes) and writes the n shared secrets to
 * `ssOut` (32 bytes each, route order). `session` is the 32-byte session key,
 * `assoc`/`assocLen` the associated data (the payment hash). Returns ONION_OK
 * or an ONION_ERR_* code; `out` and `ssOut` may be partly written on error.
 * `out`, `ssOut` must not overlap the hop data, the session key or assoc.
 */
export function onionBuild(out: usize, ssOut: usize, session: usize, n: i32, assoc: usize, assocLen: usize, onionSize: usize): i32 {
  const r = onionBuildInner(out, ssOut, session, n, assoc, assocLen, onionSize, <usize>ONION_MAX_ROUTING, true);
  wipeAll();
  return r;
}

/**
 * onionBuild for onion messages (BOLT 4 "Onion Messages"): routing info up
 * to `maxSize` bytes (32768), and payloads of any length including 0 and 1
 * (only payment payloads must be at least 2 bytes).
 */
export function onionBuildMessage(out: usize, ssOut: usize, session: usize, n: i32, onionSize: usize, maxSize: usize): i32 {
  const r = onionBuildInner(out, ssOut, session, n, 0, 0, onionSize, maxSize, false);
  wipeAll();
  return r;
}

/** Σ (hop data + 32) of hops 0..n-1: the routing info the payloads need. */
export function onionPayloadsSize(n: i32): usize {
  let total: usize = 0;
  for (let i = 0; i < n; i++) total += hopLen(i) + 32;
  return total;
}

/**
 * The shared secrets of hops 0..n-1 of the hop table for session key
 * `session`, written to `ssOut` (32 bytes each, route order), and the first
 * ephemeral key (33 bytes) to `epk0` when it is not 0. Shared by onionBuild
 * and by the origin's failure decoding (pay_failed: the device re-derives
 * the secrets instead of ever handing them out). Leaves secrets in the
 * statics: callers wipe (wipeAll).
 */
function secretsWalk(epk0: usize, ssOut: usize, session: usize, n: i32): i32 {
  if (!seckeyLoad(EK, session)) return ONION_ERR_SESSION_KEY;

  // BOLT 4 "Shared Secret" / "Blinding Ephemeral Onion Keys": for each hop,
  // ss_i = SHA256(compressed(e_i · P_i)), b_i = SHA256(epk_i ‖ ss_i),
  // e_{i+1} = e_i · b_i, epk_{i+1} = e_{i+1} · G.
  for (let i = 0; i < n; i++) {
    if (!gePubkeyParseVar(NP, hopPub(i))) { onionErrHop = i; return ONION_ERR_PUBKEY; }
    pubkeyPoint(EPK, EK);
    gePubkeySerialize(SER, EPK);
    if (i == 0 && epk0 != 0) for (let j: usize = 0; j < 33; j++) store<u8>(epk0 + j, load<u8>(SER + j));
    if (!pointMul(NP, NP, EK)) return ONION_ERR_BLIND;
    gePubkeySerialize(SER + 40, NP);
    const ss = ssOut + (<usize>i << 5);
    sha256(SER + 40, 33, ss);
    if (i + 1 < n) {
      for (let j: usize = 0; j < 32; j++) store<u8>(SER + 33 + j, load<u8>(ss + j));
      sha256(SER, 65, SER); // b_i (overwrites epk_i, no longer needed)
      const over = scSetB32(BF, SER);
      scMul(EK, EK, BF);
      if (over != 0 || scIsZero(EK) != 0) return ONION_ERR_BLIND;
    }
  }
  return ONION_OK;
}

/**
 * Only the shared secrets of hops 0..n-1 (hop table) for `session`, as
 * onionBuild computes them, into `ssOut`; no packet. ONION_OK or an
 * ONION_ERR_* code. Every static copy of a secret is wiped; the caller
 * wipes `ssOut` and the session key.
 */
export function onionSharedSecrets(ssOut: usize, session: usize, n: i32): i32 {
  const r = n < 1 || n > ONION_MAX_HOPS ? ONION_ERR_HOPS : secretsWalk(0, ssOut, session, n);
  wipeAll();
  return r;
}

function onionBuildInner(out: usize, ssOut: usize, session: usize, n: i32, assoc: usize, assocLen: usize, onionSize: usize, maxSize: usize, payment: bool): i32 {
  onionOver = 0;
  if (n < 1 || n > ONION_MAX_HOPS) return ONION_ERR_HOPS;
  if (onionSize == 0 || onionSize > maxSize) return ONION_ERR_SIZE;
  // Public checks first: payload framing and total size.
  let total: usize = 0;
  for (let i = 0; i < n; i++) {
    if (!checkHopData(i, payment)) { onionErrHop = i; return ONION_ERR_PAYLOAD; }
    total += hopLen(i) + 32;
  }
  // Refused, never truncated; the detail says by how much.
  if (total > onionSize) { onionOver = <u32>(total - onionSize); return ONION_ERR_TOO_BIG; }
  const w = secretsWalk(out + 1, ssOut, session, n);
  if (w != ONION_OK) return w;

  // BOLT 4 "Filler Generation": for hops 0..n-2, append hop_size_i zero bytes
  // and XOR the filler with the last len(filler) bytes of the rho_i stream
  // of length onion_size + hop_size_i.
  // The filler is computed in place, in the last fl bytes of the routing
  // info, when the final hop's iteration below needs it (no separate buffer:
  // an onion message's filler can be 32 KiB). Its length:
  let fl: usize = 0;
  for (let i = 0; i < n - 1; i++) fl += hopLen(i) + 32;

  // BOLT 4 "Packet Construction": routing info starts as the pad keystream,
  // keyed by HMAC("pad", session_key).
  const routing = out + 34;
  for (let j: usize = 0; j < onionSize; j++) store<u8>(routing + j, 0);
  keyOf(NAME_PAD, 3, session);
  chacha20Xor(KEY, NONCE0, 0, 0, routing, routing, onionSize);

  // next_hmac starts as 32 zero bytes (the final hop sees all zeros).
  const hmac = routing + onionSize;
  for (let j: usize = 0; j < 32; j++) store<u8>(hmac + j, 0);
  for (let i = n - 1; i >= 0; i--) {
    const len = hopLen(i), hs = len + 32;
    // Right-shift the routing info by hop_size (dropping its tail), then
    // write hop data ‖ next_hmac at the front.
    for (let j = onionSize; j > hs; j--) store<u8>(routing + j - 1, load<u8>(routing + j - 1 - hs));
    const d = hopData(i);
    for (let j: usize = 0; j < len; j++) store<u8>(routing + j, load<u8>(d + j));
    for (let j: usize = 0; j < 32; j++) store<u8>(routing + len + j, load<u8>(hmac + j));
    const ss = ssOut + (<usize>i << 5);
    rhoXor(ss, 0, routing, onionSize);
    // The last hop's iteration overwrites the tail with the filler: f starts
    // empty at routing + onionSize - fl; for hops 0..n-2, f grows by hop_size_i
    // zero bytes and is XORed with the last len(f) bytes of the rho_i stream
    // of length onion_size + hop_size_i.
    if (i == n - 1) {
      const f = routing + onionSize - fl;
      for (let j: usize = 0; j < fl; j++) store<u8>(f + j, 0);
      let cur: usize = 0;
      for (let k = 0; k < n - 1; k++) {
        const ks = hopLen(k) + 32;
        cur += ks;
        rhoXor(ssOut + (<usize>k << 5), <u64>(onionSize + ks - cur), f, cur);
      }
    }
    // next_hmac = HMAC-SHA256(mu_i, routing ‖ associated_data).
    keyOf(NAME_MU, 2, ss);
    hmacSha256Init(HCTX, KEY, 32);
    hmacSha256Update(HCTX, routing, onionSize);
    hmacSha256Update(HCTX, assoc, assocLen);
    hmacSha256Final(HCTX, hmac);
  }
  store<u8>(out, 0); // version 0
  return ONION_OK;
}

// ---- Deterministic session key ------------------------------------------------

const TAG_SESSION: usize = memory.data<u8>([
  0x6c, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72, 0x20, 0x6f, 0x6e, 0x69, 0x6f, 0x6e, 0x20, 0x73,
  0x65, 0x73, 0x73, 0x69, 0x6f, 0x6e,
]); // "lnsigner onion session" (22 bytes)
const CTR: usize = memory.data(4, 4);
const TAG_ROOT: usize = memory.data<u8>([
  0x6c, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72, 0x20, 0x6f, 0x6e, 0x69, 0x6f, 0x6e, 0x20, 0x73, 0x65, 0x73, 0x73, 0x69, 0x6f, 0x6e, 0x20, 0x72, 0x6f, 0x6f, 0x74,
]); // "lnsigner onion session root" (27 bytes)
const ROOT: usize = memory.data(32, 8);

/**
 * Design rule (issue 9): the session keys come from a key derived for that
 * purpose alone, never from the node key itself:
 *   onion_root  = HMAC-SHA256(key = node key[32], "lnsigner onion session root")
 *   session_key = HMAC-SHA256(key = onion_root, "lnsigner onion session"
 *                 ‖ payment_hash[32] ‖ partid u64le ‖ route_hash[32] ‖ counter u8),
 * with the counter 0, 1, … until the result is a valid secret key (0 < k < n).
 * Deterministic: a retry of the same part over the same route gives the same
 * onion. Writes 32 bytes at out; onion_root is wiped before returning.
 */
export function onionSessionKey(out: usize, nodeKey: usize, paymentHash: usize, partid: u64, routeHash: usize): void {
  hmacSha256(nodeKey, 32, TAG_ROOT, 27, ROOT);
  for (let c: u32 = 0; c < 256; c++) {
    hmacSha256Init(HCTX, ROOT, 32);
    hmacSha256Update(HCTX, TAG_SESSION, 22);
    hmacSha256Update(HCTX, paymentHash, 32);
    store<u64>(SER, partid);
    hmacSha256Update(HCTX, SER, 8);
    hmacSha256Update(HCTX, routeHash, 32);
    store<u8>(CTR, <u8>c);
    hmacSha256Update(HCTX, CTR, 1);
    hmacSha256Final(HCTX, out);
    if (seckeyLoad(EK, out)) break;
  }
  wipe(ROOT, 32);
  wipe(EK, 32);
  wipe(SER, 72);
  hmacSha256Wipe(HCTX);
  wipeScratch();
}

const TAG_PAY: usize = memory.data<u8>([
  0x6c, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72, 0x20, 0x70, 0x61, 0x79, 0x20, 0x73, 0x65, 0x73, 0x73, 0x69, 0x6f, 0x6e,
]); // "lnsigner pay session" (20 bytes)

/**
 * The session key of a pay_invoice part (issue 12, docs/firmware/payer.md
 * "The onion and the part"):
 *   session_key = HMAC-SHA256(key = onion_root, "lnsigner pay session"
 *                 ‖ part_key[32] ‖ counter u8),
 * onion_root as onionSessionKey's (from the node key: only the device can
 * compute it), the counter as there. Its own tag and input length, so no
 * build_onion request (whose reply carries the shared secrets) can produce
 * the same key: the host never learns a pay part's secrets, and pay_failed
 * re-derives them from the part key alone. Wipes onion_root.
 */
export function onionPaySessionKey(out: usize, nodeKey: usize, partKey: usize): void {
  hmacSha256(nodeKey, 32, TAG_ROOT, 27, ROOT);
  for (let c: u32 = 0; c < 256; c++) {
    hmacSha256Init(HCTX, ROOT, 32);
    hmacSha256Update(HCTX, TAG_PAY, 20);
    hmacSha256Update(HCTX, partKey, 32);
    store<u8>(CTR, <u8>c);
    hmacSha256Update(HCTX, CTR, 1);
    hmacSha256Final(HCTX, out);
    if (seckeyLoad(EK, out)) break;
  }
  wipe(ROOT, 32);
  wipe(EK, 32);
  hmacSha256Wipe(HCTX);
  wipeScratch();
}

/** SHA-256 over a byte range (the route commitment of the session key). */
export function onionHash(p: usize, len: usize, out: usize): void {
  sha256Init(SCTX);
  sha256Update(SCTX, p, len);
  sha256Final(SCTX, out);
}

/**
 * Fills the hop table from n records of node id[33] ‖ hop data (BigSize
 * length ‖ payload) starting at p, ending at most at `end`. Returns the
 * address after the last record, or 0 (onionErrHop set) when a record does
 * not fit. The hop data's own rules are checked by onionBuild.
 */
export function onionParseHops(p: usize, end: usize, n: i32): usize {
  for (let i = 0; i < n; i++) {
    if (p > end || end - p < 34) { onionErrHop = i; return 0; }
    const d = p + 33;
    const k = bigsizeRead(d, end - d);
    if (k < 0 || bigsizeValue > <u64>(end - d - <usize>k)) { onionErrHop = i; return 0; }
    const len = <usize>k + <usize>bigsizeValue;
    onionSetHop(i, p, d, len);
    p = d + len;
  }
  return p;
}

/** Hop data of hop i (after onionParseHops): pointer and length. */
export function onionHopData(i: i32): usize { return hopData(i); }
export function onionHopLen(i: i32): usize { return hopLen(i); }
/** Node id of hop i (after onionParseHops): the confirmation prompt names the final hop. */
export function onionHopPub(i: i32): usize { return hopPub(i); }

// Rule 9 of sign_invoice: the invoice's blinded payment paths are paths to
// this node, proven by the host with each path's secret e0 and the clear node
// ids (docs/firmware/merchant.md "Path proofs"). For every path the device
// recomputes, with the route-blinding per-hop derivation it uses to build
// paths (device/onion/blinded-path.ts: E_i, ss_i, B_i, rho_i, e_{i+1}),
//   first_node_id = N_0, first_path_key = e0·G, blinded_node_id_i = B_i,
// opens every hop's encrypted_recipient_data with rho_i (ChaCha20-Poly1305,
// tag checked), requires every other hop's data to name the next clear node
// as next_node_id (no short_channel_id), the last clear node id to be our
// node id and the last hop's data to hold path_id(payment_hash) and no next
// hop. So the
// payer's money can only be routed to this node, under a path_id only the
// device can compute.
import { BOLT12_OK } from "../../shared/bolt12-limits";
import { INVOICE_RULE_PATHS, NODE_ID_SIZE } from "../../shared/protocol";
import { aeadOpen } from "../crypto/chacha20poly1305";
import { BLIND_OK, blindBegin, blindEnd, blindHopKeys, blindNext, blindNonce, blindRho } from "../onion/blinded-path";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvType, tlvValue, tlvValueLen } from "../bolt12/tlv";
import { derivePathId } from "./keys";
import { ctEqual } from "./offer-mac";
import {
  F_INVOICE_BLINDEDPAY, F_INVOICE_PATHS, F_INVOICE_PAYMENT_HASH, detail, flen, fptr, has,
} from "./invoice-rules";

const E0PUB: usize = memory.data(33, 8);
const BID: usize = memory.data(33, 8);
const PATH_ID: usize = memory.data(32, 8);
const CUR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);

/** Number of blinded_payinfo records in invoice_blindedpay (u32 fee_base ‖
 *  u32 ppm ‖ u16 cltv ‖ u64 min ‖ u64 max ‖ u16 flen ‖ features), or -1 when
 *  the value does not split exactly into them. */
export function payinfoCount(p: usize, len: usize): i32 {
  let n: i32 = 0;
  let at: usize = 0;
  while (at < len) {
    if (len - at < 28) return -1;
    const fl = (<usize>load<u8>(p + at + 26) << 8) | <usize>load<u8>(p + at + 27);
    if (len - at - 28 < fl) return -1;
    at += 28 + fl;
    n++;
  }
  return n;
}

/** The final hop's plaintext: path_id (6) = PATH_ID, and neither
 *  short_channel_id (2) nor next_node_id (4): the path ends here. */
function finalDataOk(p: usize, len: usize): bool {
  tlvBegin(CUR, p, len);
  let pathId = false;
  for (;;) {
    const r = tlvNext(CUR);
    if (r == TLV_END) break;
    if (r != BOLT12_OK) return false;
    const t = tlvType(CUR);
    if (t == 2 || t == 4) return false;
    if (t == 6) {
      if (tlvValueLen(CUR) != 32 || !ctEqual(tlvValue(CUR), PATH_ID, 32)) return false;
      pathId = true;
    }
  }
  return pathId;
}

/** A non-final hop's plaintext names the next clear node of the proof as
 *  next_node_id (4), and has no short_channel_id (2): a path the device can
 *  follow node by node to its end (an scid could point anywhere). */
function nextHopOk(p: usize, len: usize, next: usize): bool {
  tlvBegin(CUR, p, len);
  let named = false;
  for (;;) {
    const r = tlvNext(CUR);
    if (r == TLV_END) break;
    if (r != BOLT12_OK) return false;
    const t = tlvType(CUR);
    if (t == 2) return false;
    if (t == 4) {
      if (tlvValueLen(CUR) != <usize>NODE_ID_SIZE || !ctEqual(tlvValue(CUR), next, NODE_ID_SIZE)) return false;
      named = true;
    }
  }
  return named;
}

let proofAt: usize = 0;

/**
 * Checks one path of invoice_paths at `p` (at most `avail` bytes) against
 * the proof at proofAt (e0[32] | hop count u8 | node ids[33 × hops], at most
 * proofEnd). Returns the path's encoded length, or 0 when it does not match.
 * `scratch` receives the decrypted hop data (≥ 8192 bytes).
 */
function checkPath(p: usize, avail: usize, proofEnd: usize, ourId: usize, scratch: usize): usize {
  if (proofEnd - proofAt < 33) return 0;
  const e0 = proofAt;
  const n = <usize>load<u8>(proofAt + 32);
  const ids = proofAt + 33;
  if (n == 0 || proofEnd - ids < n * 33) return 0;
  proofAt = ids + n * 33;
  // blinded_path: first_node_id in the point form (an scid form cannot be
  // compared with N_0), first_path_key, num_hops, hops.
  if (avail < 67) return 0;
  const form = load<u8>(p);
  if (form != 2 && form != 3) return 0;
  // first_node_id = N_0, the introduction node in clear.
  if (!ctEqual(p, ids, NODE_ID_SIZE)) return 0;
  if (<usize>load<u8>(p + 66) != n) return 0;
  // first_path_key = E_0 = e0·G.
  if (!blindBegin(e0, E0PUB)) return 0;
  if (!ctEqual(p + 33, E0PUB, 33)) return 0;
  let at: usize = 67;
  for (let j: usize = 0; j < n; j++) {
    if (avail - at < 35) return 0;
    const hop = p + at;
    const encLen = (<usize>load<u8>(hop + 33) << 8) | <usize>load<u8>(hop + 34);
    if (avail - at - 35 < encLen) return 0;
    // blinded_node_id_j = HMAC("blinded_node_id", ss_j)·N_j.
    if (blindHopKeys(ids + j * 33, BID) != BLIND_OK) return 0;
    if (!ctEqual(hop, BID, 33)) return 0;
    // encrypted_recipient_data_j opens under rho_j (tag verified first).
    if (!aeadOpen(blindRho(), blindNonce(), 0, 0, hop + 35, encLen, scratch)) return 0;
    if (j + 1 == n) {
      // The last clear node is this node, and its data holds our path_id.
      if (!ctEqual(ids + j * 33, ourId, NODE_ID_SIZE)) return 0;
      if (!finalDataOk(scratch, encLen - 16)) return 0;
    } else if (!nextHopOk(scratch, encLen - 16, ids + (j + 1) * 33) || blindNext() != BLIND_OK) {
      return 0;
    }
    at += 35 + encLen;
  }
  return at;
}

/**
 * Rule 9: invoice_paths (160) and invoice_blindedpay (162) present with the
 * same number of entries, equal to the proof count, and every path proven
 * (checkPath). `proofs` .. `proofEnd` is the request's proof area.
 */
export function rulePaths(proofs: usize, count: i32, proofEnd: usize, ourId: usize, scratch: usize): u32 {
  // BOLT 12 invoice writer: invoice_paths (≥ 1) and one blinded_payinfo per path.
  if (!has(F_INVOICE_PATHS)) return detail(INVOICE_RULE_PATHS, 160);
  if (!has(F_INVOICE_BLINDEDPAY)) return detail(INVOICE_RULE_PATHS, 162);
  if (payinfoCount(fptr(F_INVOICE_BLINDEDPAY), flen(F_INVOICE_BLINDEDPAY)) != count) return detail(INVOICE_RULE_PATHS, 162);
  if (count < 1) return detail(INVOICE_RULE_PATHS, 160);
  derivePathId(fptr(F_INVOICE_PAYMENT_HASH), PATH_ID);
  const p = fptr(F_INVOICE_PATHS), len = flen(F_INVOICE_PATHS);
  proofAt = proofs;
  let at: usize = 0;
  let r: u32 = 0;
  for (let i = 0; i < count; i++) {
    const used = at < len ? checkPath(p + at, len - at, proofEnd, ourId, scratch) : 0;
    blindEnd();
    if (used == 0) { r = detail(INVOICE_RULE_PATHS, 160); break; }
    at += used;
  }
  // Exactly `count` paths, nothing after them, every proof used.
  if (r == 0 && (at != len || proofAt != proofEnd)) r = detail(INVOICE_RULE_PATHS, 160);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(PATH_ID + i, 0);
  return r;
}

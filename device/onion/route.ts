// Reading the amounts of a route the host sends in build_onion, from the TLV
// payloads themselves (never from a separate field that could disagree with
// them). docs/firmware/onion.md "Amounts".
import {
  ONION_AMT_BLINDED, ONION_AMT_INCREASES, ONION_AMT_MISSING, ONION_AMT_RANGE, ONION_AMT_TLV,
} from "../../shared/protocol";
import { BOLT12_OK } from "../../shared/bolt12-limits";
import { bigsizeRead } from "../bolt12/tlv";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvType } from "../bolt12/tlv";
import { onionHopData, onionHopLen } from "./sphinx";

/** 21 million BTC in msat: no amount can be larger. */
export const MAX_MSAT: u64 = 2100000000000000000;

const CUR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);

/** Results of routeAmounts. */
export let routeDelivered: u64 = 0; // amt_to_forward of the final hop
export let routeTotal: u64 = 0; // declared MPP total (payment_data / total_amount_msat), else routeDelivered
export let routeErrHop: i32 = 0;

// Value pointer / length of the record the cursor is on (tlv.ts layout).
@inline function valPtr(cur: usize): usize { return <usize>load<u32>(cur + 32); }
@inline function valLen(cur: usize): usize { return <usize>load<u32>(cur + 36); }

let tuValue: u64 = 0;
/** BOLT 1 tu64/tu32: at most `max` bytes, minimal (no leading zero byte). */
function readTu(p: usize, len: usize, max: usize): bool {
  if (len > max) return false;
  if (len > 0 && load<u8>(p) == 0) return false;
  let v: u64 = 0;
  for (let i: usize = 0; i < len; i++) v = (v << 8) | <u64>load<u8>(p + i);
  tuValue = v;
  return true;
}

/**
 * Checks the payloads of hops 0..n-1 (hop table filled by onionParseHops)
 * against the first-hop amount `sent` and finds the delivered amount.
 * Returns 0 or an ONION_AMT_* code (routeErrHop = the hop).
 */
export function routeAmounts(n: i32, sent: u64): i32 {
  routeDelivered = 0;
  routeTotal = 0;
  routeErrHop = 0;
  if (sent > MAX_MSAT) return ONION_AMT_RANGE;
  let reaching = sent; // amount of the HTLC arriving at hop i
  let inBlinded = false; // an earlier hop was inside the blinded route
  for (let i = 0; i < n; i++) {
    routeErrHop = i;
    const d = onionHopData(i), dl = onionHopLen(i);
    const k = bigsizeRead(d, dl);
    if (k < 0) return ONION_AMT_TLV;
    tlvBegin(CUR, d + <usize>k, dl - <usize>k);
    let hasAmt = false, blinded = false, hasCltv = false, hasKey = false, hasTotal = false, other = false;
    let amt: u64 = 0, total: u64 = 0;
    while (true) {
      const r = tlvNext(CUR);
      if (r == TLV_END) break;
      if (r != BOLT12_OK) return ONION_AMT_TLV;
      const t = tlvType(CUR);
      const vp = valPtr(CUR), vl = valLen(CUR);
      // BOLT 4 payload: amt_to_forward (2) tu64, outgoing_cltv_value (4) tu32,
      // payment_data (8) = secret[32] ‖ tu64 total_msat, encrypted_recipient_data
      // (10), total_amount_msat (18) tu64.
      if (t == 2) {
        if (!readTu(vp, vl, 8)) return ONION_AMT_TLV;
        amt = tuValue; hasAmt = true;
      } else if (t == 4) {
        if (!readTu(vp, vl, 4)) return ONION_AMT_TLV;
        hasCltv = true;
      } else if (t == 8) {
        if (vl < 32 || !readTu(vp + 32, vl - 32, 8)) return ONION_AMT_TLV;
        total = tuValue;
        other = true;
      } else if (t == 10) {
        blinded = true;
      } else if (t == 12) {
        // current_path_key: a point (33 bytes).
        if (vl != 33) return ONION_AMT_TLV;
        hasKey = true;
      } else if (t == 18) {
        if (!readTu(vp, vl, 8)) return ONION_AMT_TLV;
        total = tuValue;
        hasTotal = true;
      } else {
        other = true;
      }
    }
    const final = i == n - 1;
    // BOLT 4 writer rules for a route ending in a blinded path: every hop
    // inside it carries encrypted_recipient_data; the introduction node (the
    // first blinded hop) also current_path_key, later hops none; inner hops
    // nothing else; the final hop exactly encrypted_recipient_data,
    // amt_to_forward, outgoing_cltv_value, total_amount_msat (and
    // current_path_key when it is the introduction node).
    if (inBlinded && !blinded) return ONION_AMT_BLINDED;
    if (!blinded && hasKey) return ONION_AMT_BLINDED;
    if (blinded) {
      if (hasKey == inBlinded) return ONION_AMT_BLINDED;
      if (other) return ONION_AMT_BLINDED;
      if (final) {
        if (!hasAmt || !hasCltv || !hasTotal) return ONION_AMT_BLINDED;
      } else if (hasAmt || hasCltv || hasTotal) {
        return ONION_AMT_BLINDED;
      }
      inBlinded = true;
    }
    // The final hop must say what it receives; an intermediate hop must say
    // what it forwards unless it is inside a blinded route (its amount then
    // comes from the encrypted payment_relay).
    if (!hasAmt && (final || !blinded)) return ONION_AMT_MISSING;
    if (hasAmt) {
      if (amt > MAX_MSAT || total > MAX_MSAT) return ONION_AMT_RANGE;
      // BOLT 4: a forwarding hop requires incoming - fee >= amt_to_forward,
      // so the amount never grows along the route.
      if (amt > reaching) return ONION_AMT_INCREASES;
      reaching = amt;
    }
    if (final) {
      routeDelivered = amt;
      routeTotal = total > amt ? total : amt;
    }
  }
  return 0;
}

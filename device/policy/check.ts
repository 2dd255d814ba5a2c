// Spending checks of build_onion against the stored policy (device/policy/
// store.ts). docs/firmware/onion.md "Policy".
import {
  POLICY_LIMIT_CLOCK, POLICY_LIMIT_DAILY, POLICY_LIMIT_LOG_FULL, POLICY_LIMIT_MAX_AMOUNT,
  POLICY_LIMIT_MAX_FEE_ABS, POLICY_LIMIT_MAX_FEE_PPM, POLICY_LOG_CAP,
} from "../../shared/protocol";
import { get32 } from "../proto/bytes";
import {
  E_AMOUNT, E_HASH, E_KEY, NO_LIMIT, entryAt, limitDaily, limitMaxAmount, limitMaxFee, limitMaxFeePpm, limitPayeeDaily,
  logDropOldest, logUsed,
} from "./store";

const NO_PPM: u32 = 0xffffffff;

export function satAdd(a: u64, b: u64): u64 {
  const s = a + b;
  return s < a ? NO_LIMIT : s;
}

/** Sum of the amounts in the log (expired entries already dropped). */
export function logSpent(): u64 {
  let s: u64 = 0;
  const n = logUsed();
  for (let i: u32 = 0; i < n; i++) s = satAdd(s, load<u64>(entryAt(i) + E_AMOUNT));
  return s;
}

/** Index of the entry with this 16-byte part key, or -1. */
export function logFind(key16: usize): i32 {
  const n = logUsed();
  for (let i: u32 = 0; i < n; i++) {
    const e = entryAt(i) + E_KEY;
    let d: u32 = 0;
    for (let j: usize = 0; j < 16; j++) d |= <u32>(load<u8>(e + j) ^ load<u8>(key16 + j));
    if (d == 0) return <i32>i;
  }
  return -1;
}

function sameHash(e: usize, hash: usize): bool {
  for (let j: usize = 0; j < 8; j++) if (load<u8>(e + E_HASH + j) != load<u8>(hash + j)) return false;
  return true;
}

/**
 * Checks a new part (`board` = the board clock: 0 means
 * it has none): `sent` = first-hop amount, `delivered` = the final hop's
 * amt_to_forward, `total` = the declared payment total, `hash` = payment hash.
 * Returns 0 or the POLICY_LIMIT_* that refuses. May drop the oldest log entry
 * to make room when no limit reads the log.
 */
export function policyCheck(board: u32, sent: u64, delivered: u64, total: u64, hash: usize): i32 {
  // max_amount: the whole payment (every part with this payment hash in the
  // window, this one included, and the total the payment declares).
  const maxAmount = limitMaxAmount();
  if (maxAmount != NO_LIMIT) {
    let s = sent;
    const n = logUsed();
    for (let i: u32 = 0; i < n; i++) {
      const e = entryAt(i);
      if (sameHash(e, hash)) s = satAdd(s, load<u64>(e + E_AMOUNT));
    }
    if (s > maxAmount || total > maxAmount) return POLICY_LIMIT_MAX_AMOUNT;
  }
  // Fee = amount sent minus amount delivered (routeAmounts: sent >= delivered).
  const fee = sent - delivered;
  const maxFee = limitMaxFee();
  if (maxFee != NO_LIMIT && fee > maxFee) return POLICY_LIMIT_MAX_FEE_ABS;
  const ppm = limitMaxFeePpm();
  if (ppm != NO_PPM) {
    // floor(delivered * ppm / 1e6) without overflow (ppm <= 1e6, amounts <= 2.1e18).
    const q = delivered / 1000000, r = delivered % 1000000;
    const allowed = q * <u64>ppm + (r * <u64>ppm) / 1000000;
    if (fee > allowed) return POLICY_LIMIT_MAX_FEE_PPM;
  }
  const daily = limitDaily();
  if (daily != NO_LIMIT) {
    if (board == 0) return POLICY_LIMIT_CLOCK;
    if (satAdd(logSpent(), sent) > daily) return POLICY_LIMIT_DAILY;
  }
  if (logUsed() >= <u32>POLICY_LOG_CAP) {
    // Refuse rather than forget while a limit reads the log (the per-payee
    // limit of issue 12 reads it too).
    if (daily != NO_LIMIT || maxAmount != NO_LIMIT || limitPayeeDaily() != NO_LIMIT) return POLICY_LIMIT_LOG_FULL;
    logDropOldest();
  }
  return 0;
}

export function entryTime(i: u32): u32 {
  return get32(entryAt(i));
}

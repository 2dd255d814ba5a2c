// The BOLT 12 terms of the spending policy (issue 12; docs/firmware/onion.md
// "Policy"): a rolling 24-hour limit per payee, a cap on one recurring
// payment, and the allowlist of offers paid without a press. Read by the
// pay_invoice handler after policyCheck (device/policy/check.ts); the record
// must be loaded (policyLoad) and the log expired to the window's time
// (logExpire(windowTime(board))) first, as build_onion does.
//
// Call pattern (per part): `termsCheck(now, payeeTag(invoice_node_id), sent,
// recurring)` with `sent` = the part's first-hop amount (what logAppend records
// with that tag). A recurring invoice paid in several parts is capped as a
// whole by one more call with its invoice amount and tag 0 (tag 0 skips the
// payee window): `termsCheck(now, 0, invoice_amount, true)`.
import {
  POLICY_LIMIT_CLOCK, POLICY_LIMIT_PAYEE_DAILY, POLICY_LIMIT_PERIOD_CAP,
} from "../../shared/protocol";
import { sha256 } from "../crypto/sha256";
import { get32 } from "../proto/bytes";
import {
  E_AMOUNT, E_TAG, E_TIME, NO_LIMIT, allowFind, entryAt, entryLive, limitPayeeDaily, limitPeriodCap, logUsed,
} from "./store";
import { satAdd } from "./check";

const TAG_HASH: usize = memory.data(32, 8);

/**
 * The payee tag of a 33-byte public key (invoice_node_id): the first 4 bytes
 * of SHA256(key) read as u32le, what the spend log stores at entry offset 4.
 * Never 0 (0 marks entries with no payee, build_onion parts): a hash whose
 * first 4 bytes are zero gets tag 1.
 */
export function payeeTag(payee: usize): u32 {
  sha256(payee, 33, TAG_HASH);
  const t = get32(TAG_HASH);
  return t == 0 ? 1 : t;
}

/** Sum of the live log entries (at window time `now`) tagged `tag`. */
export function payeeSpent(now: u32, tag: u32): u64 {
  let s: u64 = 0;
  const n = logUsed();
  for (let i: u32 = 0; i < n; i++) {
    const e = entryAt(i);
    if (get32(e + E_TAG) == tag && entryLive(get32(e + E_TIME), now)) s = satAdd(s, load<u64>(e + E_AMOUNT));
  }
  return s;
}

/**
 * The BOLT 12 limits for a new part: `now` = the window's time (0: the board
 * has no clock), `tag` = payeeTag of the payee (0: no payee window), `amount`
 * = msat this part adds, `recurring` = the invoice answers a recurring offer.
 * Returns 0, POLICY_LIMIT_PAYEE_DAILY, POLICY_LIMIT_PERIOD_CAP, or
 * POLICY_LIMIT_CLOCK (a payee limit is set and the clock reads 0, as the daily
 * limit in policyCheck).
 */
export function termsCheck(now: u32, tag: u32, amount: u64, recurring: bool): i32 {
  // Rule (issue 12, design "BOLT 12 policy terms"): a recurring payment's
  // amount is at most period_cap_msat (the largest amount of one period).
  const cap = limitPeriodCap();
  if (recurring && cap != NO_LIMIT && amount > cap) return POLICY_LIMIT_PERIOD_CAP;
  // Rule (issue 12): what one payee (invoice_node_id, by its tag) received in
  // the rolling 24 hours, this part included, is at most payee_daily_msat.
  const daily = limitPayeeDaily();
  if (tag != 0 && daily != NO_LIMIT) {
    if (now == 0) return POLICY_LIMIT_CLOCK;
    if (satAdd(payeeSpent(now, tag), amount) > daily) return POLICY_LIMIT_PAYEE_DAILY;
  }
  return 0;
}

/** True when the 32-byte offer_id at `offerId` is on the allowlist: a payment
 *  of that offer needs no press above confirm_above_msat. */
export function allowlisted(offerId: usize): bool {
  return allowFind(offerId) >= 0;
}

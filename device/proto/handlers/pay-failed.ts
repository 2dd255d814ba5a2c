// pay_failed (issue 12): a part of a BOLT 12 payment came back failed. The
// host sends the part ref, the part's shared secrets and the failure onion
// (the node's onionreply); the device finds the live part, checks the
// secrets against the commitment it stored when it built the onion, and
// decodes the failure (device/payer/failure.ts). Verified at hop i ⇒ the
// part is failed: it leaves the pay log (its amount may be paid by a retry).
//
// Deviation from the design: the part's spend log entry is NOT removed (the
// 24-hour window is not credited). The host receives every shared secret in
// the pay_invoice reply, so it can make a failure onion that verifies at any
// hop: a compromised host could otherwise forge failures to reset the daily
// limit and re-pay without bound. Kept in the spend log, a forged failure
// gains it at most a re-payment within the daily and max_amount limits, what
// build_onion already allows (docs/firmware/payer.md "pay_failed").
// Layout: shared/protocol.ts PAYFAIL_*, docs/protocol.md "pay_failed",
// docs/firmware/payer.md.
import {
  ERR_BAD_PAYLOAD, ERR_FLASH, ERR_PAY_RULE, ONION_MAX_HOPS, PAYFAIL_OFF_HOPS, PAYFAIL_OFF_REF, PAYFAIL_OFF_SECRETS,
  PAYFAIL_REPLY_SIZE, PAY_RULE_FAILURE,
} from "../../../shared/protocol";
import { FLASH_OK } from "../../../shared/board";
import { failureCode, failureDecode } from "../../payer/failure";
import { P_COMMIT, P_HOPS, partAt, partFind, partRemove, plCommit, plLoad } from "../../payer/store";
import { refuse } from "../dispatch";
import { secretsCommit } from "./pay-invoice";

const COMMIT: usize = memory.data(32, 8);

/** PAY_RULE_FAILURE reasons (detail bits 8..15). */
const FAIL_UNKNOWN_PART: u32 = 1;
const FAIL_SECRETS: u32 = 2;
const FAIL_ONION: u32 = 3;

export function handlePayFailed(req: usize, len: i32, out: usize): i32 {
  if (len < PAYFAIL_OFF_SECRETS) return -ERR_BAD_PAYLOAD;
  const n = <i32>load<u8>(req + PAYFAIL_OFF_HOPS);
  if (n < 1 || n > ONION_MAX_HOPS) return -ERR_BAD_PAYLOAD;
  const ss = req + <usize>PAYFAIL_OFF_SECRETS;
  const onion = ss + (<usize>n << 5);
  if (<usize>len < <usize>PAYFAIL_OFF_SECRETS + (<usize>n << 5)) return -ERR_BAD_PAYLOAD;
  const onionLen = req + <usize>len - onion;
  const ref = req + <usize>PAYFAIL_OFF_REF;

  plLoad();
  // Design (pay_failed): only a live part of the pay log can fail.
  const i = partFind(ref);
  if (i < 0) return refuse(ERR_PAY_RULE, <u32>PAY_RULE_FAILURE | (FAIL_UNKNOWN_PART << 8));
  const p = partAt(<u32>i);
  // The secrets are the part's: SHA256(hop count ‖ secrets) matches the
  // commitment stored with it (constant time: the secrets are secret).
  secretsCommit(n, ss, COMMIT);
  let diff: u32 = <u32>load<u8>(p + P_HOPS) ^ <u32>n;
  for (let k: usize = 0; k < 16; k++) diff |= <u32>(load<u8>(COMMIT + k) ^ load<u8>(p + P_COMMIT + k));
  if (diff != 0) return refuse(ERR_PAY_RULE, <u32>PAY_RULE_FAILURE | (FAIL_SECRETS << 8));
  // BOLT 4 "Returning Errors": the failure verifies at one hop of the route.
  const hop = failureDecode(ss, n, onion, onionLen);
  if (hop < 0) return refuse(ERR_PAY_RULE, <u32>PAY_RULE_FAILURE | (FAIL_ONION << 8));

  // The part is failed: its amount is released from the invoice (the spend
  // log keeps it: see above).
  partRemove(<u32>i);
  const c = plCommit();
  if (c != FLASH_OK) return refuse(ERR_FLASH, <u32>c);
  store<u8>(out, <u8>hop);
  store<u8>(out + 1, <u8>(failureCode >> 8));
  store<u8>(out + 2, <u8>failureCode);
  return PAYFAIL_REPLY_SIZE;
}

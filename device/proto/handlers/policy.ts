// get_policy / set_policy: the device's spending limits and the state of its
// 24-hour spend log (docs/protocol.md "get_policy / set_policy",
// docs/firmware/onion.md "Policy"). set_policy is the only way to change the
// limits: tightening applies at once, loosening or removing any limit needs
// the user's press on the device (device/confirm/gate.ts).
import {
  ERR_BAD_PAYLOAD, ERR_FLASH, MSG_SET_POLICY, POLICY_LOG_CAP, POLICY_OFF_CONFIRM_ABOVE, POLICY_OFF_DAILY,
  POLICY_OFF_MAX_AMOUNT, POLICY_OFF_MAX_FEE, POLICY_OFF_MAX_FEE_PPM, POLICY_REPLY_OFF_CAP, POLICY_REPLY_OFF_CLOCK,
  POLICY_REPLY_OFF_FLOOR, POLICY_REPLY_OFF_SEQ, POLICY_REPLY_OFF_SPENT, POLICY_REPLY_OFF_USED, POLICY_REPLY_SIZE,
  SET_POLICY_SIZE, POLICY_OFF_PAYEE_DAILY, POLICY_OFF_PERIOD_CAP, POLICY_REPLY_OFF_ALLOWLIST,
  POLICY_REPLY_OFF_PAYEE_DAILY, POLICY_REPLY_OFF_PERIOD_CAP, SET_POLICY_SIZE_BOLT12,
} from "../../../shared/protocol";
import { FLASH_OK } from "../../../shared/board";
import { hal_clock_seconds } from "../../hal";
import {
  getLimits, limitConfirmAbove, limitDaily, limitMaxAmount, limitMaxFee, limitMaxFeePpm, logExpire, logUsed,
  policyCommit, policyLoad, policySeq, setClockFloor, setLimits,
  allowCount, limitPayeeDaily, limitPeriodCap, setLimitPayeeDaily, setLimitPeriodCap,
} from "../../policy/store";
import { logSpent } from "../../policy/check";
import { floorTime, windowTime } from "../../policy/clock";
import { confirmGate } from "../../confirm/gate";
import { textNl, textReset, textStr } from "../../confirm/text";
import { put16, put32 } from "../bytes";
import { setErrorDetail } from "../dispatch";

function reply(out: usize, board: u32): i32 {
  getLimits(out);
  store<u64>(out + POLICY_REPLY_OFF_SPENT, logSpent());
  put16(out + POLICY_REPLY_OFF_USED, <i32>logUsed());
  put16(out + POLICY_REPLY_OFF_CAP, POLICY_LOG_CAP);
  put32(out + POLICY_REPLY_OFF_CLOCK, board);
  put32(out + POLICY_REPLY_OFF_SEQ, policySeq());
  put32(out + POLICY_REPLY_OFF_FLOOR, floorTime());
  // BOLT 12 terms (issue 12), after the 60 bytes of earlier firmware.
  store<u64>(out + POLICY_REPLY_OFF_PAYEE_DAILY, limitPayeeDaily());
  store<u64>(out + POLICY_REPLY_OFF_PERIOD_CAP, limitPeriodCap());
  store<u8>(out + POLICY_REPLY_OFF_ALLOWLIST, <u8>allowCount());
  return POLICY_REPLY_SIZE;
}

export function handleGetPolicy(req: usize, len: i32, out: usize): i32 {
  const board = hal_clock_seconds();
  policyLoad();
  logExpire(windowTime(board)); // in RAM only: the reply counts the live entries
  return reply(out, board);
}

// Adds `name` to the prompt when the new u64 limit at `req + off` is looser
// (larger; all ones = none is the loosest) than the stored one.
function looser64(req: usize, off: i32, old: u64, name: string): bool {
  if (load<u64>(req + <usize>off) <= old) return false;
  textStr(name);
  return true;
}

export function handleSetPolicy(req: usize, len: i32, out: usize): i32 {
  // Issue 12: the limits block (36 bytes), or it plus the two BOLT 12 limits
  // (52 bytes); a 36-byte request leaves those two unchanged.
  if (len != SET_POLICY_SIZE && len != SET_POLICY_SIZE_BOLT12) return -ERR_BAD_PAYLOAD;
  const bolt12 = len == SET_POLICY_SIZE_BOLT12;
  // max_fee_ppm: 0..1e6, or all ones (no limit).
  const ppm = load<u32>(req + POLICY_OFF_MAX_FEE_PPM);
  if (ppm > 1000000 && ppm != 0xffffffff) return -ERR_BAD_PAYLOAD;
  const board = hal_clock_seconds();
  policyLoad();
  // Rule (issue 9): loosening or removing any limit needs the user's press;
  // tightening never does. The prompt names what loosens.
  textReset();
  textStr("Loosen spending limits?\n");
  let loosen = looser64(req, POLICY_OFF_MAX_AMOUNT, limitMaxAmount(), " amount");
  loosen = looser64(req, POLICY_OFF_MAX_FEE, limitMaxFee(), " fee") || loosen;
  if (ppm > limitMaxFeePpm()) {
    textStr(" ppm");
    loosen = true;
  }
  loosen = looser64(req, POLICY_OFF_DAILY, limitDaily(), " daily") || loosen;
  loosen = looser64(req, POLICY_OFF_CONFIRM_ABOVE, limitConfirmAbove(), " confirm") || loosen;
  if (bolt12) {
    // Rule (issue 12): the BOLT 12 limits loosen like the others (raising
    // either, or setting it to none, needs the press). Their names go on a
    // line of their own after any other name (prompt lines are at most 32
    // characters).
    const payee = load<u64>(req + POLICY_OFF_PAYEE_DAILY) > limitPayeeDaily();
    const period = load<u64>(req + POLICY_OFF_PERIOD_CAP) > limitPeriodCap();
    if (payee || period) {
      if (loosen) textNl();
      if (payee) textStr(" payee daily");
      if (period) textStr(" period cap");
      loosen = true;
    }
  }
  if (loosen) {
    textNl();
    const g = confirmGate(MSG_SET_POLICY, req, <usize>len);
    if (g != 0) return g;
  }
  // The window's time before the change (a pending clock jump is not taken
  // over by a policy write: the floor stays until that jump is approved).
  const now = windowTime(board);
  setLimits(req);
  if (bolt12) {
    setLimitPayeeDaily(load<u64>(req + POLICY_OFF_PAYEE_DAILY));
    setLimitPeriodCap(load<u64>(req + POLICY_OFF_PERIOD_CAP));
  }
  setClockFloor(now);
  const r = policyCommit();
  if (r != FLASH_OK) {
    setErrorDetail(<u32>r);
    return -ERR_FLASH;
  }
  logExpire(now);
  return reply(out, board);
}

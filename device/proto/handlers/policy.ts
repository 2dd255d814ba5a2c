// get_policy / set_policy: the device's spending limits and the state of its
// 24-hour spend log (docs/protocol.md "get_policy / set_policy",
// docs/firmware/onion.md "Policy"). set_policy is the only way to change the
// limits; its confirmation is the device's node id (as wipe's).
import {
  ERR_BAD_PAYLOAD, ERR_FLASH, ERR_NOT_PROVISIONED, ERR_POLICY_CONFIRM, NODE_ID_SIZE, POLICY_LOG_CAP,
  POLICY_OFF_MAX_FEE_PPM, POLICY_REPLY_OFF_CAP, POLICY_REPLY_OFF_CLOCK, POLICY_REPLY_OFF_SEQ,
  POLICY_REPLY_OFF_SPENT, POLICY_REPLY_OFF_USED, POLICY_REPLY_SIZE, SET_POLICY_SIZE,
} from "../../../shared/protocol";
import { FLASH_OK, PROV_OFF_NODE_ID } from "../../../shared/board";
import { hal_clock_seconds } from "../../hal";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { getLimits, logExpire, logUsed, policyCommit, policyLoad, policySeq, setLimits } from "../../policy/store";
import { logSpent } from "../../policy/check";
import { put16, put32 } from "../bytes";
import { setErrorDetail } from "../dispatch";

function reply(out: usize, now: u32): i32 {
  getLimits(out);
  store<u64>(out + POLICY_REPLY_OFF_SPENT, logSpent());
  put16(out + POLICY_REPLY_OFF_USED, <i32>logUsed());
  put16(out + POLICY_REPLY_OFF_CAP, POLICY_LOG_CAP);
  put32(out + POLICY_REPLY_OFF_CLOCK, now);
  put32(out + POLICY_REPLY_OFF_SEQ, policySeq());
  return POLICY_REPLY_SIZE;
}

export function handleGetPolicy(req: usize, len: i32, out: usize): i32 {
  const now = hal_clock_seconds();
  policyLoad();
  logExpire(now); // in RAM only: the reply counts the live entries
  return reply(out, now);
}

export function handleSetPolicy(req: usize, len: i32, out: usize): i32 {
  if (len < SET_POLICY_SIZE) return -ERR_BAD_PAYLOAD;
  // max_fee_ppm: 0..1e6, or all ones (no limit).
  const ppm = load<u32>(req + NODE_ID_SIZE + POLICY_OFF_MAX_FEE_PPM);
  if (ppm > 1000000 && ppm != 0xffffffff) return -ERR_BAD_PAYLOAD;
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  let same = true;
  for (let i: usize = 0; i < <usize>NODE_ID_SIZE; i++) {
    if (load<u8>(req + i) != load<u8>(REC + PROV_OFF_NODE_ID + i)) same = false;
  }
  storeWipeRam();
  if (!same) return -ERR_POLICY_CONFIRM;
  const now = hal_clock_seconds();
  policyLoad();
  setLimits(req + NODE_ID_SIZE);
  const r = policyCommit();
  if (r != FLASH_OK) {
    setErrorDetail(<u32>r);
    return -ERR_FLASH;
  }
  logExpire(now);
  return reply(out, now);
}

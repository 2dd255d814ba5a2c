// allowlist (issue 12): the offers the device pays without a press above
// confirm_above_msat, kept in the policy record (device/policy/store.ts).
// docs/protocol.md "allowlist", docs/firmware/onion.md "Policy".
//   request: op u8 (ALLOWLIST_OP_*) | offer_id[32] (add, remove; list: op only)
//   reply:   count u8 | offer ids[32 × count] (the list after the operation)
// Adding loosens the policy and needs the user's press; removing tightens it
// and is immediate; an add of a listed id or a remove of an absent one
// changes nothing (no press, no write).
import {
  ALLOWLIST_CAP, ALLOWLIST_OP_ADD, ALLOWLIST_OP_LIST, ALLOWLIST_OP_REMOVE, ERR_BAD_PAYLOAD, ERR_FLASH, ERR_REFUSED,
  MSG_ALLOWLIST, OFFER_ID_SIZE, REFUSED_ALLOWLIST_FULL,
} from "../../../shared/protocol";
import { FLASH_OK } from "../../../shared/board";
import { hal_clock_seconds } from "../../hal";
import {
  allowAdd, allowAt, allowCount, allowFind, allowRemove, policyCommit, policyLoad, setClockFloor,
} from "../../policy/store";
import { windowTime } from "../../policy/clock";
import { confirmGate } from "../../confirm/gate";
import { textHex, textReset, textStr } from "../../confirm/text";
import { refuse } from "../dispatch";

function reply(out: usize): i32 {
  const n = allowCount();
  store<u8>(out, <u8>n);
  const bytes = <usize>n * <usize>OFFER_ID_SIZE;
  for (let i: usize = 0; i < bytes; i++) store<u8>(out + 1 + i, load<u8>(allowAt(0) + i));
  return 1 + <i32>bytes;
}

function commit(board: u32): i32 {
  setClockFloor(windowTime(board));
  const r = policyCommit();
  if (r != FLASH_OK) return refuse(ERR_FLASH, <u32>r);
  return 0;
}

export function handleAllowlist(req: usize, len: i32, out: usize): i32 {
  if (len < 1) return -ERR_BAD_PAYLOAD;
  const op = <i32>load<u8>(req);
  if (op == ALLOWLIST_OP_LIST) {
    if (len != 1) return -ERR_BAD_PAYLOAD;
    policyLoad();
    return reply(out);
  }
  if (op != ALLOWLIST_OP_ADD && op != ALLOWLIST_OP_REMOVE) return -ERR_BAD_PAYLOAD;
  if (len != 1 + OFFER_ID_SIZE) return -ERR_BAD_PAYLOAD;
  const id = req + 1;
  const board = hal_clock_seconds();
  policyLoad();
  if (op == ALLOWLIST_OP_REMOVE) {
    // Rule (issue 12): removing an offer tightens the policy: no press.
    if (allowRemove(id)) {
      const c = commit(board);
      if (c != 0) return c;
    }
    return reply(out);
  }
  if (allowFind(id) >= 0) return reply(out);
  // Rule (issue 12): at most ALLOWLIST_CAP offers (the record's room).
  if (allowCount() >= <u32>ALLOWLIST_CAP) return refuse(ERR_REFUSED, <u32>REFUSED_ALLOWLIST_FULL);
  // Rule (issue 12): adding an offer loosens the policy (its payments skip the
  // press): the user approves it on the device, seeing the offer id's prefix.
  textReset();
  textStr("Allow offer to\npay without a press?\nid ");
  textHex(id, 8);
  textStr("...\n");
  const g = confirmGate(MSG_ALLOWLIST, req, <usize>len);
  if (g != 0) return g;
  allowAdd(id);
  const c = commit(board);
  if (c != 0) return c;
  return reply(out);
}

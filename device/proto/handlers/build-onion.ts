// build_onion: a BOLT 4 payment onion for a route the host sends, with the
// session key derived on the device (or supplied), checked against the
// spending policy and recorded in the 24-hour spend log before the onion
// leaves the device. Layout: shared/protocol.ts ONION_*, docs/protocol.md
// "build_onion"; construction and policy: docs/firmware/onion.md. A part whose
// delivered amount is above the policy's confirm_above_msat, and a forward
// clock jump of more than a day, need the user's press (device/confirm/).
import {
  ERR_BAD_PAYLOAD, ERR_FLASH, ERR_NOT_PROVISIONED, ERR_ONION_AMOUNT, ERR_ONION_ROUTE, ERR_POLICY, MSG_BUILD_ONION,
  ONION_FLAG_CREATEONION, ONION_FLAG_SESSION_KEY, ONION_MAX_HOPS, ONION_OFF_FIRST_AMOUNT, ONION_OFF_FLAGS, ONION_OFF_HOPS,
  ONION_OFF_PARTID, ONION_OFF_PAYMENT_HASH, ONION_OFF_ROUTE, ONION_PACKET_SIZE, ONION_MAX_ROUTING,
} from "../../../shared/protocol";
import { FLASH_OK, PROV_OFF_NODE_KEY } from "../../../shared/board";
import { hal_clock_seconds } from "../../hal";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import {
  ONION_ERR_HOPS, ONION_ERR_PAYLOAD, ONION_ERR_PUBKEY, ONION_OK, onionBuild, onionErrHop, onionHash, onionParseHops,
  onionHopPub, onionPacketSize, onionSessionKey, ONION_ERR_TOO_BIG, onionOver, onionPayloadsSize,
} from "../../onion/sphinx";
import { routeAmounts, routeDelivered, routeErrHop, routeTotal } from "../../onion/route";
import { logExpire, logAppend, limitConfirmAbove, policyCommit, policyLoad, setClockFloor } from "../../policy/store";
import { clockJumpNeedsPress, floorTime, windowTime } from "../../policy/clock";
import { CONFIRM_CLOCK_JUMP, confirmGate } from "../../confirm/gate";
import { textDec, textHex, textReset, textStr } from "../../confirm/text";
import { put32 } from "../bytes";
import { logFind, policyCheck } from "../../policy/check";
import { sha256Final, sha256Init, sha256Update, SHA256_CTX_SIZE } from "../../crypto/sha256";
import { wipe } from "../../crypto/scalar";
import { refuse } from "../dispatch";
import { get16 } from "../bytes";

const SESSION: usize = memory.data(32, 8);
const ROUTE_HASH: usize = memory.data(32, 8);
const PART_KEY: usize = memory.data(32, 8);
const CTX: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);
const FLOOR_LE: usize = memory.data(4, 4);

// Rule (issue 9): a forward clock jump of more than a day needs a press before
// it frees the 24-hour window. The prompt's identity is the floor it jumps
// from, so every build_onion polls the same prompt. 0 = go on.
export function confirmClockJump(board: u32): i32 {
  if (!clockJumpNeedsPress(board)) return 0;
  const floor = floorTime();
  textReset();
  textStr("Clock jumped +");
  textDec(<u64>((board - floor) / 3600));
  textStr(" h\nAccept the new time? It frees\nthe 24 h spending window\n");
  put32(FLOOR_LE, floor);
  const g = confirmGate(CONFIRM_CLOCK_JUMP, FLOOR_LE, 4);
  if (g != 0) return g;
  setClockFloor(board);
  const c = policyCommit();
  if (c != FLASH_OK) return refuse(ERR_FLASH, <u32>c);
  return 0;
}

// createonion mode: caller's session key, assocdata and onion_size; the
// device reads no secret and records nothing.
function createOnion(req: usize, len: i32, out: usize): i32 {
  const n = <i32>load<u8>(req + ONION_OFF_HOPS);
  // Lengths before pointer arithmetic (issue 9): the header, the session key
  // and onion_size ‖ assocdata length must all be inside the payload, else an
  // unsigned `end - p` wraps and the fields are read past the payload.
  if (len < ONION_OFF_ROUTE + 32 + 4) return -ERR_BAD_PAYLOAD;
  let p: usize = req + <usize>ONION_OFF_ROUTE + 32;
  const end = req + <usize>len;
  const onionSize = <usize>get16(p);
  const assocLen = <usize>get16(p + 2);
  const assoc = p + 4;
  if (assocLen > end - assoc) return -ERR_BAD_PAYLOAD;
  p = assoc + assocLen;
  if (n < 1 || n > ONION_MAX_HOPS) return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_HOPS);
  const last = onionParseHops(p, end, n);
  if (last == 0) return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_PAYLOAD | (<u32>onionErrHop << 8));
  if (last != end) return -ERR_BAD_PAYLOAD;
  const key = req + <usize>ONION_OFF_ROUTE;
  const r = onionBuild(out, out + onionPacketSize(onionSize), key, n, assoc, assocLen, onionSize);
  if (r != ONION_OK) {
    // Too big: the detail's upper bits say by how many bytes (never truncated).
    const hop: u32 = r == ONION_ERR_PUBKEY || r == ONION_ERR_PAYLOAD ? <u32>onionErrHop : r == ONION_ERR_TOO_BIG ? onionOver : 0;
    return refuse(ERR_ONION_ROUTE, <u32>r | (hop << 8));
  }
  return <i32>onionPacketSize(onionSize) + (n << 5);
}

/**
 * The route of a payment request: n hops (node id ‖ hop data) at [hops, end)
 * parsed into the hop table, their payloads fitting the routing info and
 * their amounts read (routeDelivered, routeTotal) against the first-hop
 * amount `sent`. 0, or the negative refusal (ERR_ONION_ROUTE,
 * ERR_ONION_AMOUNT, ERR_BAD_PAYLOAD). Shared with pay_invoice.
 */
export function routeCheck(hops: usize, end: usize, n: i32, sent: u64): i32 {
  if (n < 1 || n > ONION_MAX_HOPS) return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_HOPS);
  const last = onionParseHops(hops, end, n);
  if (last == 0) return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_PAYLOAD | (<u32>onionErrHop << 8));
  if (last != end) return -ERR_BAD_PAYLOAD;
  // Payloads that do not fit the 1300-byte routing info are refused (never
  // truncated), detail = ONION_ERR_TOO_BIG | bytes over << 8.
  const need = onionPayloadsSize(n);
  if (need > <usize>ONION_MAX_ROUTING) return refuse(ERR_ONION_ROUTE, <u32>ONION_ERR_TOO_BIG | (<u32>(need - <usize>ONION_MAX_ROUTING) << 8));
  // Amounts come from the payloads; the first-hop amount must cover them.
  const a = routeAmounts(n, sent);
  if (a != 0) return refuse(ERR_ONION_AMOUNT, <u32>a | (<u32>routeErrHop << 8));
  return 0;
}

/** Route commitment: SHA256(first-hop amount u64le ‖ hops) into out. */
export function routeHash(amount8: usize, hops: usize, end: usize, out: usize): void {
  sha256Init(CTX);
  sha256Update(CTX, amount8, 8);
  sha256Update(CTX, hops, end - hops);
  sha256Final(CTX, out);
}

export function handleBuildOnion(req: usize, len: i32, out: usize): i32 {
  if (len < ONION_OFF_ROUTE) return -ERR_BAD_PAYLOAD;
  const flags = <i32>load<u8>(req + ONION_OFF_FLAGS);
  if ((flags & ~(ONION_FLAG_SESSION_KEY | ONION_FLAG_CREATEONION)) != 0) return -ERR_BAD_PAYLOAD;
  if ((flags & ONION_FLAG_CREATEONION) != 0) {
    if ((flags & ONION_FLAG_SESSION_KEY) == 0) return -ERR_BAD_PAYLOAD;
    return createOnion(req, len, out);
  }
  const n = <i32>load<u8>(req + ONION_OFF_HOPS);
  const hasKey = (flags & ONION_FLAG_SESSION_KEY) != 0;
  const hdr: usize = <usize>ONION_OFF_ROUTE + (hasKey ? 32 : 0);
  if (<usize>len < hdr) return -ERR_BAD_PAYLOAD;
  const end = req + <usize>len;
  const sent = load<u64>(req + ONION_OFF_FIRST_AMOUNT);
  const rc = routeCheck(req + hdr, end, n, sent);
  if (rc != 0) return rc;

  // Route commitment: first-hop amount ‖ hops. Part key: SHA256(payment_hash ‖
  // partid ‖ route hash [‖ session key]), the identity of this part in the
  // spend log.
  routeHash(req + ONION_OFF_FIRST_AMOUNT, req + hdr, end, ROUTE_HASH);
  const hash = req + ONION_OFF_PAYMENT_HASH;
  sha256Init(CTX);
  sha256Update(CTX, hash, 32);
  sha256Update(CTX, req + ONION_OFF_PARTID, 8);
  sha256Update(CTX, ROUTE_HASH, 32);
  // Issue 9: a host-supplied session key is part of the part's identity —
  // another key makes another onion (a payment the next hop can forward), so
  // it must be counted again, never taken for a resend of a recorded part.
  // (The derived key is a function of the fields above: nothing to add.)
  if (hasKey) sha256Update(CTX, req + ONION_OFF_ROUTE, 32);
  sha256Final(CTX, PART_KEY);

  const board = hal_clock_seconds();
  policyLoad();
  const j = confirmClockJump(board);
  if (j != 0) return j;
  // The window's time never goes back (docs/firmware/onion.md "Clock").
  const now = windowTime(board);
  logExpire(now);
  // A resend of a part already recorded (same hash, partid, route) spends
  // nothing new: same onion, no second entry, no limit re-checked, no press.
  const recorded = logFind(PART_KEY) >= 0;
  if (!recorded) {
    const p = policyCheck(board, sent, routeDelivered, routeTotal, hash);
    if (p != 0) return refuse(ERR_POLICY, <u32>p);
    // Rule (issue 9): a payment above the policy's confirmation threshold
    // needs the user's press (after the limits: never ask for what they refuse).
    if (routeDelivered > limitConfirmAbove()) {
      textReset();
      textStr("Pay ");
      textDec(routeDelivered);
      textStr(" msat?\nFee ");
      textDec(sent - routeDelivered);
      textStr(" msat\nTo ");
      textHex(onionHopPub(n - 1), 8);
      textStr("...\n");
      const g = confirmGate(MSG_BUILD_ONION, req, <usize>len);
      if (g != 0) return g;
    }
  }

  if (hasKey) {
    for (let i: usize = 0; i < 32; i++) store<u8>(SESSION + i, load<u8>(req + ONION_OFF_ROUTE + i));
  } else {
    if (!storeLoad()) return -ERR_NOT_PROVISIONED;
    onionSessionKey(SESSION, REC + PROV_OFF_NODE_KEY, hash, load<u64>(req + ONION_OFF_PARTID), ROUTE_HASH);
    storeWipeRam();
  }
  const r = onionBuild(out, out + <usize>ONION_PACKET_SIZE, SESSION, n, hash, 32, <usize>ONION_MAX_ROUTING);
  wipe(SESSION, 32);
  if (r != ONION_OK) {
    wipe(out, <usize>ONION_PACKET_SIZE + (<usize>n << 5));
    // The hop index is meaningful for a node id or hop data error only.
    const hop: u32 = r == ONION_ERR_PUBKEY || r == ONION_ERR_PAYLOAD ? <u32>onionErrHop : r == ONION_ERR_TOO_BIG ? onionOver : 0;
    return refuse(ERR_ONION_ROUTE, <u32>r | (hop << 8));
  }
  if (!recorded) {
    logAppend(now, sent, PART_KEY, hash);
    setClockFloor(now);
    const c = policyCommit();
    if (c != FLASH_OK) {
      // Not recorded: the onion must not leave the device.
      wipe(out, <usize>ONION_PACKET_SIZE + (<usize>n << 5));
      return refuse(ERR_FLASH, <u32>c);
    }
  }
  return ONION_PACKET_SIZE + (n << 5);
}

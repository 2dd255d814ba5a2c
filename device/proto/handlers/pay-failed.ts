// pay_failed (issue 12): a part of a BOLT 12 payment came back failed. The
// host sends back the pay_invoice payload exactly as it sent it, then the
// node's onionreply. The device re-parses the payload just enough to
// recompute the part key (the invoice's merkle root, partid, route hash) and
// find the live part, re-derives the part's session key (node key + part
// key: only the device can) and, with the secrets-only walk of the sphinx
// code, the per-hop shared secrets, then decodes the failure
// (device/payer/failure.ts). The shared secrets never leave the device, so
// only a hop of the route can make a failure that verifies.
//
// Verified at hop i ⇒ the part is failed: its amount is released from the
// invoice (a retry may pay it). Its spend log entry stays (the 24-hour window
// is NOT credited): the failure reaches the device through the host, and a
// hop the host chose can make one that verifies after it forwarded the HTLC
// (review of issue 12: a colluding hop that learned the preimage settles the
// retry itself); with the entry kept, every such round is still counted by
// the daily, per-payee and max-amount limits, so the loss stays bounded.
// Reply: erring hop index u8 | failure message length u16le | failure message
// (BOLT 4 failuremsg: failcode u16be ‖ data) so the host can classify it.
// Layout: shared/protocol.ts PAYFAIL_*, docs/protocol.md "pay_failed",
// docs/firmware/payer.md "pay_failed".
//
// Scratch: the shared secrets go to the start of the reply buffer (wiped
// before anything else is written there); the pay log record sits at its
// upper part until the last commit; the reply is written after it.
import {
  ERR_BAD_PAYLOAD, ERR_FLASH, ERR_NOT_PROVISIONED, ERR_PAY_RULE, ONION_MAX_HOPS, PAY_OFF_FLAGS, PAY_OFF_HOPS,
  PAY_OFF_INVOICE, PAY_OFF_INVOICE_LEN, PAYFAIL_REPLY_OFF_HOP, PAYFAIL_REPLY_OFF_LEN, PAYFAIL_REPLY_OFF_MSG,
  PAY_RULE_FAILURE,
} from "../../../shared/protocol";
import { BOLT12_KIND_INVOICE, BOLT12_OK } from "../../../shared/bolt12-limits";
import { FLASH_OK, PROV_OFF_NODE_KEY } from "../../../shared/board";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { ONION_OK, onionParseHops, onionPaySessionKey, onionSharedSecrets } from "../../onion/sphinx";
import { wipe } from "../../crypto/scalar";
import { failureDecode, failureMsgLen } from "../../payer/failure";
import { merkleRootChecked } from "../../bolt12/merkle";
import { INVOICE_ROOT } from "../../merchant/invoice-rules";
import { P_KEY_TAIL, partAt, partFind, partRemove, plCommit, plLoad } from "../../payer/store";
import { copyBytes, get16 } from "../bytes";
import { refuse } from "../dispatch";
import { payPartKey } from "./pay-invoice";

const SESSION: usize = memory.data(32, 8);
const PART_KEY: usize = memory.data(32, 8);

/** PAY_RULE_FAILURE reasons (detail bits 8..15); 2 (secrets) is retired. */
const FAIL_UNKNOWN_PART: u32 = 1;
const FAIL_ONION: u32 = 3;

export function handlePayFailed(req: usize, len: i32, out: usize): i32 {
  // The pay_invoice payload: header, invoice, n hops (self-delimiting), then
  // onionreply length u16le ‖ onionreply to the end.
  if (len < PAY_OFF_INVOICE) return -ERR_BAD_PAYLOAD;
  if (load<u8>(req + PAY_OFF_FLAGS) != 0) return -ERR_BAD_PAYLOAD;
  const n = <i32>load<u8>(req + PAY_OFF_HOPS);
  if (n < 1 || n > ONION_MAX_HOPS) return -ERR_BAD_PAYLOAD;
  const invLen = <usize>get16(req + PAY_OFF_INVOICE_LEN);
  if (invLen > <usize>(len - PAY_OFF_INVOICE)) return -ERR_BAD_PAYLOAD;
  const inv = req + <usize>PAY_OFF_INVOICE;
  const hops = inv + invLen;
  const end = req + <usize>len;
  const last = onionParseHops(hops, end, n);
  if (last == 0 || end - last < 2) return -ERR_BAD_PAYLOAD;
  const onionLen = <usize>get16(last);
  const onion = last + 2;
  if (onionLen != end - onion) return -ERR_BAD_PAYLOAD;

  // Design (pay_failed): only a live part of the pay log can fail. Its key
  // is recomputed from the payload (the invoice's merkle root, partid, route
  // hash): a payload that is not the one pay_invoice recorded names no part.
  if (merkleRootChecked(BOLT12_KIND_INVOICE, inv, invLen, INVOICE_ROOT) != BOLT12_OK) {
    return refuse(ERR_PAY_RULE, <u32>PAY_RULE_FAILURE | (FAIL_UNKNOWN_PART << 8));
  }
  payPartKey(req, hops, last, PART_KEY);
  plLoad();
  const i = partFind(PART_KEY);
  if (i < 0) return refuse(ERR_PAY_RULE, <u32>PAY_RULE_FAILURE | (FAIL_UNKNOWN_PART << 8));
  const p = partAt(<u32>i);
  let d: u32 = 0;
  for (let k: usize = 0; k < 16; k++) d |= <u32>(load<u8>(p + P_KEY_TAIL + k) ^ load<u8>(PART_KEY + 16 + k));
  if (d != 0) return refuse(ERR_PAY_RULE, <u32>PAY_RULE_FAILURE | (FAIL_UNKNOWN_PART << 8));

  // The part's shared secrets, re-derived as pay_invoice built them: session
  // key from the node key and the part key, then the secrets-only walk.
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  onionPaySessionKey(SESSION, REC + PROV_OFF_NODE_KEY, PART_KEY);
  storeWipeRam();
  const ss = out;
  const w = onionSharedSecrets(ss, SESSION, n);
  wipe(SESSION, 32);
  // BOLT 4 "Returning Errors": the failure verifies at one hop of the route
  // (ammag stream, then the um HMAC, constant-time compare).
  const hop = w == ONION_OK ? failureDecode(ss, n, onion, onionLen) : -1;
  wipe(ss, <usize>n << 5);
  if (hop < 0) return refuse(ERR_PAY_RULE, <u32>PAY_RULE_FAILURE | (FAIL_ONION << 8));

  // The part is failed: it leaves the pay log (its amount is released from
  // the invoice). Its spend log entry stays (see the top of this file): a
  // forged failure from a colluding hop buys the host at most another round
  // inside the 24-hour limits.
  partRemove(<u32>i);
  const c = plCommit();
  if (c != FLASH_OK) return refuse(ERR_FLASH, <u32>c);

  // The reply, after the last use of the record in the reply buffer.
  const m = failureMsgLen;
  store<u8>(out + PAYFAIL_REPLY_OFF_HOP, <u8>hop);
  store<u8>(out + PAYFAIL_REPLY_OFF_LEN, <u8>m);
  store<u8>(out + PAYFAIL_REPLY_OFF_LEN + 1, <u8>(m >> 8));
  copyBytes(out + PAYFAIL_REPLY_OFF_MSG, onion + 34, <usize>m);
  return PAYFAIL_REPLY_OFF_MSG + <i32>m;
}

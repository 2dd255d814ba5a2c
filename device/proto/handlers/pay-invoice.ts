// pay_invoice (issue 12): the onion of one part of a BOLT 12 payment, built
// only for an invoice the device verified against a request it signed, for
// the invoice amount, once per invoice and per recurrence period, and one
// invoice per one-off invoice_request for an offer. Layout:
// shared/protocol.ts PAY_OFF_*, docs/protocol.md "pay_invoice"; rules and pay
// log: docs/firmware/payer.md.
//
// Order: the route (as build_onion: hop table, sizes, amounts), the invoice
// rules 1-5 and 7 (device/payer/rules.ts), the clock (build_onion's jump
// press), rule 6, then the pay log (once, period, room), the spending policy
// and the BOLT 12 terms, the press above confirm_above_msat (unless the
// offer is allowlisted), the onion (session key derived on the device from
// the part key, associated data = invoice_payment_hash; reply onion ‖ part
// ref: no shared secret leaves), and last the records: the spend
// log entry, then the pay log. The onion leaves only when both are written.
//
// Scratch: the invreq / offer copies for the merkle roots go to the reply
// buffer before the pay log is loaded there (device/payer/store.ts "RAM").
import {
  ERR_BAD_PAYLOAD, ERR_FLASH, ERR_NOT_PROVISIONED, ERR_ONION_ROUTE, ERR_PAY_RULE, ERR_POLICY, MSG_PAY_INVOICE,
  ONION_MAX_ROUTING, ONION_PACKET_SIZE, PAY_OFF_FIRST_AMOUNT, PAY_OFF_FLAGS, PAY_OFF_HOPS, PAY_OFF_INVOICE,
  PAY_OFF_INVOICE_LEN, PAY_OFF_INVREQ_SIG, PAY_OFF_PARTID, PAY_PART_REF_SIZE, PAY_RULE_LOG_FULL, PAY_RULE_ONCE,
  PAY_RULE_PERIOD, PAY_PERIOD_REQUEST,
} from "../../../shared/protocol";
import { FLASH_OK, PROV_OFF_NODE_KEY } from "../../../shared/board";
import { hal_clock_seconds } from "../../hal";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { ONION_ERR_PAYLOAD, ONION_ERR_PUBKEY, ONION_OK, onionBuild, onionErrHop, onionPaySessionKey } from "../../onion/sphinx";
import { routeDelivered, routeTotal } from "../../onion/route";
import { limitConfirmAbove, logAppend, logExpire, policyCommit, policyLoad, setClockFloor } from "../../policy/store";
import { windowTime } from "../../policy/clock";
import { policyCheck, satAdd } from "../../policy/check";
import { allowlisted, payeeTag, termsCheck } from "../../policy/bolt12-terms";
import { confirmGate } from "../../confirm/gate";
import { textAscii, textDec, textHex, textReset, textStr } from "../../confirm/text";
import { sha256Final, sha256Init, sha256Update, SHA256_CTX_SIZE } from "../../crypto/sha256";
import { wipe } from "../../crypto/scalar";
import {
  F_INVOICE_NODE_ID, F_INVOICE_PAYMENT_HASH, F_INVREQ_PAYER_ID, F_INVREQ_RECURRENCE_COUNTER, F_INVREQ_RECURRENCE_START,
  INVOICE_ROOT, INVREQ_ROOT, detail, fptr, flen, has, noOffer, readTu,
} from "../../merchant/invoice-rules";
import {
  description, descriptionLen, invoiceAmount, invoiceExpiry, offerId, payRuleAmount, payRuleExpired, payRuleOurs,
  payRuleParse, payRulePath, payRuleSignature, payRuleSigner, payerNote, payerNoteLen,
} from "../../payer/rules";
import {
  INV_CAP, INV_FLAG_RECURRING, INV_FLAG_REQUEST, PART_CAP, PERIOD_CAP, invAdd, invFind, invLive, invUsed, partAdd,
  partFind, partUsed, periodAdd, periodFind, periodSameRoot, periodUsed, plCommit, plDropExpired, plLoad, reqFind,
} from "../../payer/store";
import { get16 } from "../bytes";
import { refuse } from "../dispatch";
import { confirmClockJump, routeCheck, routeHash } from "./build-onion";

const SESSION: usize = memory.data(32, 8);
const ROUTE_HASH: usize = memory.data(32, 8);
const PART_KEY: usize = memory.data(32, 8);
const OFFER_ID: usize = memory.data(32, 8);
const PERIOD_KEY: usize = memory.data(32, 8);
const NUM: usize = memory.data(8, 8);
const CTX: usize = memory.data(<i32>SHA256_CTX_SIZE, 8);
const PART_TAG: usize = memory.data<u8>([
  0x6c, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72, 0x20, 0x70, 0x61, 0x79, 0x20, 0x70, 0x61, 0x72, 0x74,
]); // "lnsigner pay part" (17 bytes)

/** Period key: SHA256(offer_id ‖ invreq_payer_id ‖ counter u64le ‖ start flag u8 [‖ start u64le]). */
function periodKey(): void {
  sha256Init(CTX);
  sha256Update(CTX, OFFER_ID, 32);
  sha256Update(CTX, fptr(F_INVREQ_PAYER_ID), 33);
  store<u64>(NUM, readTu(fptr(F_INVREQ_RECURRENCE_COUNTER), flen(F_INVREQ_RECURRENCE_COUNTER)));
  sha256Update(CTX, NUM, 8);
  const hasStart = has(F_INVREQ_RECURRENCE_START);
  store<u8>(NUM, hasStart ? 1 : 0);
  sha256Update(CTX, NUM, 1);
  if (hasStart) {
    store<u64>(NUM, readTu(fptr(F_INVREQ_RECURRENCE_START), flen(F_INVREQ_RECURRENCE_START)));
    sha256Update(CTX, NUM, 8);
  }
  sha256Final(CTX, PERIOD_KEY);
}

/**
 * Part key = SHA256(invoice merkle root (INVOICE_ROOT, left by the parse) ‖
 * partid u64le ‖ route hash), route hash = SHA256(first-hop amount ‖ hops
 * [hops, end)), into `out`. Shared with pay_failed, which recomputes it from
 * the pay_invoice payload the host sends back.
 */
export function payPartKey(req: usize, hops: usize, end: usize, out: usize): void {
  routeHash(req + PAY_OFF_FIRST_AMOUNT, hops, end, ROUTE_HASH);
  sha256Init(CTX);
  // Its own domain tag (review of issue 12): build_onion's part key is
  // SHA256(payment_hash ‖ partid ‖ route hash) with a hash the host names, so
  // without the tag a build_onion with hash := this invoice's root would
  // record this part's key in the spend log beforehand and pay_invoice would
  // take it for a resend and skip the policy and the BOLT 12 terms.
  sha256Update(CTX, PART_TAG, 17);
  sha256Update(CTX, INVOICE_ROOT, 32);
  sha256Update(CTX, req + PAY_OFF_PARTID, 8);
  sha256Update(CTX, ROUTE_HASH, 32);
  sha256Final(CTX, out);
}

/** The reply (onion ‖ part ref) and the shared secrets' scratch after it. */
function wipeReply(out: usize, n: i32): void {
  wipe(out, <usize>ONION_PACKET_SIZE + <usize>PAY_PART_REF_SIZE + (<usize>n << 5));
}

export function handlePayInvoice(req: usize, len: i32, out: usize): i32 {
  if (len < PAY_OFF_INVOICE) return -ERR_BAD_PAYLOAD;
  if (load<u8>(req + PAY_OFF_FLAGS) != 0) return -ERR_BAD_PAYLOAD;
  const n = <i32>load<u8>(req + PAY_OFF_HOPS);
  const invLen = <usize>get16(req + PAY_OFF_INVOICE_LEN);
  if (invLen > <usize>(len - PAY_OFF_INVOICE)) return -ERR_BAD_PAYLOAD;
  const inv = req + <usize>PAY_OFF_INVOICE;
  const hops = inv + invLen;
  const end = req + <usize>len;
  const sent = load<u64>(req + PAY_OFF_FIRST_AMOUNT);
  // The route as build_onion reads it (hop table, sizes, amounts).
  const rc = routeCheck(hops, end, n, sent);
  if (rc != 0) return rc;

  // The invoice rules that need no clock (device/payer/rules.ts).
  let d = payRuleParse(inv, invLen);
  if (d == 0) d = payRuleSignature(inv, invLen);
  if (d == 0) d = payRuleOurs(inv, invLen, req + PAY_OFF_INVREQ_SIG, out);
  if (d == 0) d = payRuleSigner();
  if (d == 0) d = payRuleAmount(routeTotal);
  if (d == 0) d = payRulePath(n);
  if (d != 0) return refuse(ERR_PAY_RULE, d);
  const amount = invoiceAmount();
  const hash = fptr(F_INVOICE_PAYMENT_HASH);
  const recurring = has(F_INVREQ_RECURRENCE_COUNTER);
  // A one-off request answering an offer (offer_issuer_id or offer_paths, no
  // recurrence counter) takes one invoice; our own lnr1 (no offer) may be
  // multi-use (the host keeps a single-use one single), a recurring one is
  // held per period. Its key: INVREQ_ROOT, left by rule 3 (ruleInvreq).
  const oneOff = !recurring && !noOffer();
  const hasOfferId = offerId(inv, invLen, out, OFFER_ID);
  if (!hasOfferId) wipe(OFFER_ID, 32);
  if (recurring) periodKey();

  // Part key: SHA256(invoice merkle root ‖ partid ‖ route hash), route hash =
  // SHA256(first-hop amount ‖ hops); the part ref is its first 16 bytes.
  payPartKey(req, hops, end, PART_KEY);

  const board = hal_clock_seconds();
  policyLoad();
  const j = confirmClockJump(board);
  if (j != 0) return j;
  // The window's time never goes back (docs/firmware/onion.md "Clock").
  const now = windowTime(board);
  // Rule 6: not expired (by the window's time: setting the clock back does not revive an invoice).
  d = payRuleExpired(now);
  if (d != 0) return refuse(ERR_PAY_RULE, d);
  logExpire(now);

  plLoad();
  // Design: a resend of a recorded live part (same key) returns the same
  // onion and counts nothing again (no limit re-checked, no press).
  const recorded = partFind(PART_KEY) >= 0;
  let invIdx = invFind(INVOICE_ROOT);
  let periodIdx: i32 = -1;
  const tag = payeeTag(fptr(F_INVOICE_NODE_ID));
  if (!recorded) {
    // Rule 8 (PAY_RULE_ONCE): the live parts of this invoice plus this one
    // deliver at most invoice_amount: a paid invoice is not paid again.
    const live = invIdx >= 0 ? invLive(<u32>invIdx) : 0;
    if (satAdd(live, routeDelivered) > amount) return refuse(ERR_PAY_RULE, <u32>PAY_RULE_ONCE);
    // Rule 9 (PAY_RULE_PERIOD): one invoice per recurrence period (offer_id ‖
    // payer key ‖ counter [‖ start]); the invoice that holds it may take more parts.
    if (recurring) {
      periodIdx = periodFind(PERIOD_KEY);
      if (periodIdx >= 0 && !periodSameRoot(<u32>periodIdx, INVOICE_ROOT)) return refuse(ERR_PAY_RULE, detail(PAY_RULE_PERIOD, 2000000092));
    }
    // Rule 9 (PAY_RULE_PERIOD, reason PAY_PERIOD_REQUEST << 8): issue 12
    // item 3/7, "a second invoice for the same request … refused before any
    // HTLC leaves": a one-off invoice_request for an offer (same invreq
    // merkle root) is held by the first invoice paid for it, as long as that
    // invoice is in the pay log; another invoice (another root, e.g. another
    // payment hash) for it is refused.
    if (oneOff) {
      const h = reqFind(INVREQ_ROOT);
      if (h >= 0 && h != invIdx) return refuse(ERR_PAY_RULE, <u32>PAY_RULE_PERIOD | (<u32>PAY_PERIOD_REQUEST << 8));
    }
    // Rule 10 (PAY_RULE_LOG_FULL): room for the invoice, the part and the
    // period, after dropping invoices 24 h past their expiry.
    const needInv = invIdx < 0 ? 1 : 0;
    const needPeriod = recurring && periodIdx < 0 ? 1 : 0;
    if (invUsed() + <u32>needInv > INV_CAP || partUsed() + 1 > PART_CAP) {
      plDropExpired(now, invIdx);
      invIdx = invFind(INVOICE_ROOT);
    }
    if (invUsed() + <u32>needInv > INV_CAP || partUsed() + 1 > PART_CAP || periodUsed() + <u32>needPeriod > PERIOD_CAP) {
      return refuse(ERR_PAY_RULE, <u32>PAY_RULE_LOG_FULL);
    }
    // The spending policy as build_onion (max amount, fees, daily), then
    // the BOLT 12 terms: per payee (invoice_node_id) 24 h, and the period
    // cap of a recurring payment (this part, and the invoice as a whole).
    // Every part not live in the pay log is checked and counted, even when
    // the spend log already holds its key: that entry belongs to a part
    // pay_failed released (whose window is not credited), and the same part
    // sent again is another HTLC a colluding hop could settle, so it must
    // count again (a power cut between the two commits below only makes a
    // part count twice: the safe side).
    const p = policyCheck(board, sent, routeDelivered, routeTotal, hash);
    if (p != 0) return refuse(ERR_POLICY, <u32>p);
    let t = termsCheck(now, tag, sent, recurring);
    if (t == 0 && recurring) t = termsCheck(now, 0, amount, true);
    if (t != 0) return refuse(ERR_POLICY, <u32>t);
    // Design: above confirm_above_msat, unless the offer is allowlisted, the
    // user approves amount, description, issuer and payer note first. The
    // threshold is compared with the whole invoice amount, not this part's
    // (review of issue 12: parts at or below it would otherwise pay any
    // invoice up to PART_CAP × the threshold without a press), and the
    // prompt shows the invoice amount.
    if (amount > limitConfirmAbove() && !(hasOfferId && allowlisted(OFFER_ID))) {
      textReset();
      textStr("Pay ");
      textDec(amount);
      textStr(" msat\n");
      if (descriptionLen > 0) { textAscii(description, descriptionLen, 32); textStr("\n"); }
      textStr("to ");
      textHex(fptr(F_INVOICE_NODE_ID), 8);
      textStr("...\n");
      if (payerNoteLen > 0) { textStr("note: "); textAscii(payerNote, payerNoteLen, 26); textStr("\n"); }
      const g = confirmGate(MSG_PAY_INVOICE, req, <usize>len);
      if (g != 0) return g;
    }
  }

  // The onion: session key derived on the device from its node key and the
  // part key (onionPaySessionKey: a key no other request derives), associated
  // data = invoice_payment_hash (the host supplies no hash). The shared
  // secrets go to scratch after the reply and are wiped: none leaves the
  // device (docs/firmware/payer.md "The onion and the part"), so only a hop
  // of the route can make a failure pay_failed accepts.
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  onionPaySessionKey(SESSION, REC + PROV_OFF_NODE_KEY, PART_KEY);
  storeWipeRam();
  const ss = out + <usize>ONION_PACKET_SIZE + <usize>PAY_PART_REF_SIZE;
  const r = onionBuild(out, ss, SESSION, n, hash, 32, <usize>ONION_MAX_ROUTING);
  wipe(SESSION, 32);
  wipe(ss, <usize>n << 5);
  if (r != ONION_OK) {
    wipeReply(out, n);
    const hop: u32 = r == ONION_ERR_PUBKEY || r == ONION_ERR_PAYLOAD ? <u32>onionErrHop : 0;
    return refuse(ERR_ONION_ROUTE, <u32>r | (hop << 8));
  }
  const ref = out + <usize>ONION_PACKET_SIZE;
  for (let i: usize = 0; i < <usize>PAY_PART_REF_SIZE; i++) store<u8>(ref + i, load<u8>(PART_KEY + i));
  if (!recorded) {
    logAppend(now, sent, PART_KEY, hash, tag);
    setClockFloor(now);
    const pc = policyCommit();
    // Not recorded: the onion must not leave the device.
    if (pc != FLASH_OK) { wipeReply(out, n); return refuse(ERR_FLASH, <u32>pc); }
    if (invIdx < 0) {
      const flags = recurring ? INV_FLAG_RECURRING : oneOff ? INV_FLAG_REQUEST : 0;
      invIdx = invAdd(INVOICE_ROOT, amount, invoiceExpiry(), flags, INVREQ_ROOT);
    }
    partAdd(PART_KEY, <u32>invIdx, <u32>n, routeDelivered);
    if (recurring && periodIdx < 0) periodAdd(PERIOD_KEY, INVOICE_ROOT);
    const c = plCommit();
    if (c != FLASH_OK) { wipeReply(out, n); return refuse(ERR_FLASH, <u32>c); }
  }
  return ONION_PACKET_SIZE + PAY_PART_REF_SIZE;
}

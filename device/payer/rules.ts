// The rules the device checks before it builds the onion of a BOLT 12
// payment (pay_invoice, issue 12): one function per rule, numbered as
// PAY_RULE_* (shared/protocol.ts, docs/firmware/payer.md). Each returns 0 or
// the refusal's detail word: rule | offending TLV type or hop index << 8.
//
// The strict parse, the signatures and the invoice_request root are the
// merchant's (device/merchant/invoice-rules.ts: ruleParse, ruleInvreq,
// ruleInvoiceSignature; their detail words are renumbered here). This module
// adds what only a payer checks: the payer key, the signer, the amount, the
// expiry, and the route's blinded tail against invoice_paths.
import { BOLT12_KIND_OFFER, BOLT12_OK } from "../../shared/bolt12-limits";
import { KEYS_OK } from "../../shared/keys-status";
import { SECP_OK } from "../../shared/crypto-status";
import {
  NODE_ID_SIZE, PAY_RULE_AMOUNT, PAY_RULE_EXPIRED, PAY_RULE_OURS, PAY_RULE_PARSE, PAY_RULE_PATH, PAY_RULE_SIGNATURE,
  PAY_RULE_SIGNER,
} from "../../shared/protocol";
import { PROV_OFF_ALIAS_BASE, PROV_OFF_NODE_ID, PROV_OFF_NODE_KEY } from "../../shared/board";
import { bigsizeRead } from "../bolt12/tlv";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvType, tlvValue, tlvValueLen } from "../bolt12/tlv";
import { typeAllowed } from "../bolt12/ranges";
import { pubkeyCreate } from "../crypto/keys";
import { wipe } from "../crypto/scalar";
import { payerKeyFromBase } from "../keys/derive";
import { REC, storeLoad, storeWipeRam } from "../keys/store";
import {
  CLOCK_SET, DEFAULT_EXPIRY, F_INVOICE_AMOUNT, F_INVOICE_BLINDEDPAY, F_INVOICE_CREATED_AT, F_INVOICE_NODE_ID,
  F_INVOICE_PATHS, F_INVOICE_PAYMENT_HASH, F_INVOICE_REL_EXPIRY, F_INVREQ_AMOUNT, F_INVREQ_METADATA,
  F_INVREQ_PAYER_ID, F_INVREQ_QUANTITY, F_OFFER_AMOUNT, F_OFFER_CURRENCY, F_OFFER_ISSUER_ID, detail, flen, fptr, has,
  rangeRoot, readTu, ruleInvoiceSignature, ruleInvreq, ruleParse,
} from "../merchant/invoice-rules";
import { payinfoCount } from "../merchant/path-proof";
import { onionHopData, onionHopLen, onionHopPub } from "../onion/sphinx";

/** A merchant rule's detail word with its rule number replaced by `rule`. */
function renumber(d: u32, rule: i32): u32 {
  return d == 0 ? 0 : (d & 0xffffff00) | <u32>rule;
}

const CUR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);

// Fields only the payer reads (after ruleParse), found by payerFields.
export let offerPaths: usize = 0;
export let offerPathsLen: usize = 0;
export let description: usize = 0;
export let descriptionLen: usize = 0;
export let payerNote: usize = 0;
export let payerNoteLen: usize = 0;
export let invoiceFeatures: usize = 0;
export let invoiceFeaturesLen: usize = 0;
/** The invoice carries offer fields (1..79, 1000000000..1999999999). */
export let hasOffer = false;

function payerFields(inv: usize, len: usize): void {
  offerPaths = 0; offerPathsLen = 0; description = 0; descriptionLen = 0;
  payerNote = 0; payerNoteLen = 0; invoiceFeatures = 0; invoiceFeaturesLen = 0; hasOffer = false;
  tlvBegin(CUR, inv, len);
  while (tlvNext(CUR) == BOLT12_OK) {
    const t = tlvType(CUR);
    const v = tlvValue(CUR), vl = tlvValueLen(CUR);
    if (typeAllowed(BOLT12_KIND_OFFER, t)) hasOffer = true;
    if (t == 16) { offerPaths = v; offerPathsLen = vl; }
    else if (t == 10) { description = v; descriptionLen = vl; }
    else if (t == 89) { payerNote = v; payerNoteLen = vl; }
    else if (t == 174) { invoiceFeatures = v; invoiceFeaturesLen = vl; }
  }
}

// ---- blinded_path (BOLT 4 / BOLT 12 subtype) ----------------------------------------------

/**
 * The encoded length of the blinded_path at p (at most `avail` bytes), or 0
 * when it is cut short or has no hop: first_node_id (point 33, or sciddir 9
 * when its first byte is 0 or 1) ‖ first_path_key[33] ‖ num_hops u8 ‖ per
 * hop blinded_node_id[33] ‖ enclen u16 ‖ encrypted_recipient_data.
 */
export function pathLen(p: usize, avail: usize): usize {
  if (avail < 1) return 0;
  const f = load<u8>(p);
  const idLen: usize = f < 2 ? 9 : 33;
  if (avail < idLen + 34) return 0;
  const hops = <usize>load<u8>(p + idLen + 33);
  if (hops == 0) return 0;
  let at = idLen + 34;
  for (let j: usize = 0; j < hops; j++) {
    if (avail - at < 35) return 0;
    const el = (<usize>load<u8>(p + at + 33) << 8) | <usize>load<u8>(p + at + 34);
    if (avail - at - 35 < el) return 0;
    at += 35 + el;
  }
  return at;
}

/** Number of blinded paths the value splits exactly into, or -1. */
export function pathCount(p: usize, len: usize): i32 {
  let n: i32 = 0;
  let at: usize = 0;
  while (at < len) {
    const l = pathLen(p + at, len - at);
    if (l == 0) return -1;
    at += l;
    n++;
  }
  return n;
}

function equal(a: usize, b: usize, n: usize): bool {
  for (let i: usize = 0; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

// ---- rule 1: parse -------------------------------------------------------------------------

let paths: i32 = 0;

/**
 * Rule 1 (PAY_RULE_PARSE): the stream parses strictly as a signed invoice
 * (ruleParse: BOLT 1 framing, invoice ranges, no unknown even type, known
 * fields in their encodings, exactly the signature 240), and BOLT 12 invoice
 * reader: invoice_paths, invoice_blindedpay, created_at, payment_hash,
 * amount and node_id present; as many blinded_payinfo as paths.
 */
export function payRuleParse(inv: usize, len: usize): u32 {
  const d = ruleParse(inv, len, true);
  if (d != 0) return renumber(d, PAY_RULE_PARSE);
  // BOLT 12 invoice reader: MUST reject the invoice if invoice_amount,
  // invoice_created_at, invoice_payment_hash, invoice_node_id are missing, or
  // invoice_paths is absent or empty, or num_hops is 0 in any path.
  if (!has(F_INVOICE_PATHS)) return detail(PAY_RULE_PARSE, 160);
  if (!has(F_INVOICE_BLINDEDPAY)) return detail(PAY_RULE_PARSE, 162);
  if (!has(F_INVOICE_CREATED_AT)) return detail(PAY_RULE_PARSE, 164);
  if (!has(F_INVOICE_PAYMENT_HASH)) return detail(PAY_RULE_PARSE, 168);
  if (!has(F_INVOICE_AMOUNT)) return detail(PAY_RULE_PARSE, 170);
  if (!has(F_INVOICE_NODE_ID)) return detail(PAY_RULE_PARSE, 176);
  paths = pathCount(fptr(F_INVOICE_PATHS), flen(F_INVOICE_PATHS));
  if (paths < 1) return detail(PAY_RULE_PARSE, 160);
  // BOLT 12: MUST reject if invoice_blindedpay does not contain exactly one
  // blinded_payinfo per invoice_paths.blinded_path.
  if (payinfoCount(fptr(F_INVOICE_BLINDEDPAY), flen(F_INVOICE_BLINDEDPAY)) != paths) return detail(PAY_RULE_PARSE, 162);
  payerFields(inv, len);
  if (offerPathsLen > 0 && pathCount(offerPaths, offerPathsLen) < 1) return detail(PAY_RULE_PARSE, 16);
  return 0;
}

// ---- rule 2: the invoice signature --------------------------------------------------------

/** Rule 2 (PAY_RULE_SIGNATURE): BOLT 12 invoice reader: MUST reject the
 *  invoice if signature is not a valid signature using invoice_node_id.
 *  Leaves the invoice's merkle root in INVOICE_ROOT. */
export function payRuleSignature(inv: usize, len: usize): u32 {
  return renumber(ruleInvoiceSignature(inv, len), PAY_RULE_SIGNATURE);
}

// ---- rule 3: a request this device signed ------------------------------------------------------

const PAYER_KEY: usize = memory.data(32, 8);
const PAYER_ID: usize = memory.data(33, 8);

/**
 * Rule 3 (PAY_RULE_OURS): invreq_payer_id is the device's payer key derived
 * from invreq_metadata (node key + SHA256(alias base ‖ metadata), as
 * sign_bolt12 signs with) or its node id, and `sig` (the invreq signature
 * the host kept) verifies under it over the invoice's invoice_request ranges
 * (ruleInvreq): every invreq field of the invoice is one this device signed.
 * `scratch`: ≥ len bytes.
 */
export function payRuleOurs(inv: usize, len: usize, sig: usize, scratch: usize): u32 {
  const d = ruleInvreq(inv, len, sig, scratch);
  if (d != 0) return renumber(d, PAY_RULE_OURS);
  // sign_bolt12 signs no request with empty metadata.
  if (flen(F_INVREQ_METADATA) == 0) return detail(PAY_RULE_OURS, 0);
  if (!storeLoad()) return detail(PAY_RULE_OURS, 88);
  const id = fptr(F_INVREQ_PAYER_ID);
  let ok = equal(id, REC + PROV_OFF_NODE_ID, NODE_ID_SIZE);
  if (!ok) {
    const k = payerKeyFromBase(REC + PROV_OFF_NODE_KEY, REC + PROV_OFF_ALIAS_BASE, fptr(F_INVREQ_METADATA), flen(F_INVREQ_METADATA), PAYER_KEY);
    ok = k == KEYS_OK && pubkeyCreate(PAYER_ID, PAYER_KEY) == SECP_OK && equal(PAYER_ID, id, NODE_ID_SIZE);
  }
  wipe(PAYER_KEY, 32);
  storeWipeRam();
  return ok ? 0 : detail(PAY_RULE_OURS, 88);
}

// ---- rule 4: the signer ---------------------------------------------------------------------

/** The final blinded_node_id of the path at p (pathLen checked). */
function finalBlindedId(p: usize): usize {
  const idLen: usize = load<u8>(p) < 2 ? 9 : 33;
  const hops = <usize>load<u8>(p + idLen + 33);
  let at = idLen + 34;
  for (let j: usize = 0; j + 1 < hops; j++) {
    const el = (<usize>load<u8>(p + at + 33) << 8) | <usize>load<u8>(p + at + 34);
    at += 35 + el;
  }
  return p + at;
}

/**
 * Rule 4 (PAY_RULE_SIGNER): BOLT 12 invoice reader (for an invoice_request
 * answering an offer): if offer_issuer_id is present, MUST reject the invoice
 * if invoice_node_id is not equal to offer_issuer_id; otherwise (offer_paths)
 * MUST reject it if invoice_node_id is not the final blinded_node_id of one
 * of them. With no offer field (the invoice answers our own invoice_request,
 * lnr1) any key may sign.
 */
export function payRuleSigner(): u32 {
  const node = fptr(F_INVOICE_NODE_ID);
  if (has(F_OFFER_ISSUER_ID)) {
    return equal(node, fptr(F_OFFER_ISSUER_ID), NODE_ID_SIZE) ? 0 : detail(PAY_RULE_SIGNER, 176);
  }
  if (offerPathsLen > 0) {
    let at: usize = 0;
    while (at < offerPathsLen) {
      const p = offerPaths + at;
      const l = pathLen(p, offerPathsLen - at);
      if (l == 0) break;
      if (equal(finalBlindedId(p), node, NODE_ID_SIZE)) return 0;
      at += l;
    }
    return detail(PAY_RULE_SIGNER, 176);
  }
  // BOLT 12: an invoice_request with neither offer_issuer_id nor offer_paths
  // is not a response to an offer (our own `invoicerequest`/`offerout`, which
  // Core Lightning gives an offer_description): no key is named, so any key
  // may sign the invoice (CLN §4.5 #11). Rule 3 already proved we signed
  // exactly these invreq fields, so a host cannot strip an issuer id out of a
  // request for somebody's offer.
  return 0;
}

// ---- rule 5: the amount ------------------------------------------------------------------------

/** The invoice amount (after payRuleParse). */
export function invoiceAmount(): u64 { return readTu(fptr(F_INVOICE_AMOUNT), flen(F_INVOICE_AMOUNT)); }

/**
 * Rule 5 (PAY_RULE_AMOUNT): BOLT 12 invoice reader: if invreq_amount is
 * present, MUST reject the invoice if invoice_amount is not equal to it;
 * otherwise, for an offer_amount in msat (no offer_currency), invoice_amount
 * = offer_amount × (invreq_quantity or 1) (the payer's expectation; overflow
 * refused). A currency offer without invreq_amount cannot be checked:
 * refused. And (design) the route's final total_amount_msat = invoice_amount.
 */
export function payRuleAmount(total: u64): u32 {
  const amount = invoiceAmount();
  if (has(F_INVREQ_AMOUNT)) {
    if (amount != readTu(fptr(F_INVREQ_AMOUNT), flen(F_INVREQ_AMOUNT))) return detail(PAY_RULE_AMOUNT, 170);
  } else if (has(F_OFFER_AMOUNT) && !has(F_OFFER_CURRENCY)) {
    const unit = readTu(fptr(F_OFFER_AMOUNT), flen(F_OFFER_AMOUNT));
    const q: u64 = has(F_INVREQ_QUANTITY) ? readTu(fptr(F_INVREQ_QUANTITY), flen(F_INVREQ_QUANTITY)) : 1;
    if (unit != 0 && q > <u64>0xffffffffffffffff / unit) return detail(PAY_RULE_AMOUNT, 86);
    if (amount != unit * q) return detail(PAY_RULE_AMOUNT, 170);
  } else {
    return detail(PAY_RULE_AMOUNT, 82);
  }
  // Design rule 5: the final hop's total_amount_msat (18) is the invoice amount.
  if (total != amount) return detail(PAY_RULE_AMOUNT, 18);
  return 0;
}

// ---- rule 6: expiry ---------------------------------------------------------------------------

/** created_at + (invoice_relative_expiry or 7200), saturated to u32. */
export function invoiceExpiry(): u32 {
  const created = readTu(fptr(F_INVOICE_CREATED_AT), flen(F_INVOICE_CREATED_AT));
  const rel = has(F_INVOICE_REL_EXPIRY) ? readTu(fptr(F_INVOICE_REL_EXPIRY), flen(F_INVOICE_REL_EXPIRY)) : DEFAULT_EXPIRY;
  const e = created + rel;
  return e < created || e > 0xffffffff ? 0xffffffff : <u32>e;
}

/**
 * Rule 6 (PAY_RULE_EXPIRED): BOLT 12 invoice reader: if the current time is
 * greater than invoice_created_at plus invoice_relative_expiry (default
 * 7200), MUST reject the invoice. `now` is the window's time (board clock,
 * never behind the policy's floor); a board without a set clock cannot tell:
 * refused too.
 */
export function payRuleExpired(now: u32): u32 {
  if (now < CLOCK_SET) return detail(PAY_RULE_EXPIRED, 0);
  return now > invoiceExpiry() ? detail(PAY_RULE_EXPIRED, 164) : 0;
}

// ---- rule 7: the route's blinded tail is one of invoice_paths ---------------------------------

let fieldPtr: usize = 0;
let fieldLen: usize = 0;

/** Finds TLV `type` in hop i's payload (hop table of sphinx.ts). */
function hopField(i: i32, type: u64): bool {
  const d = onionHopData(i), dl = onionHopLen(i);
  const k = bigsizeRead(d, dl);
  if (k < 0) return false;
  tlvBegin(CUR, d + <usize>k, dl - <usize>k);
  while (tlvNext(CUR) == BOLT12_OK) {
    if (tlvType(CUR) == type) { fieldPtr = tlvValue(CUR); fieldLen = tlvValueLen(CUR); return true; }
  }
  return false;
}

/** True when hops intro..n-1 carry the blinded path at p (pathLen checked)
 *  byte for byte. */
function tailIs(p: usize, intro: i32, n: i32): bool {
  // first_node_id in the point form: an scid cannot be compared with the
  // node id the onion is addressed to.
  if (load<u8>(p) < 2) return false;
  const hops = <i32>load<u8>(p + 66);
  if (hops != n - intro) return false;
  // The introduction node is addressed by first_node_id and given
  // current_path_key = first_path_key (BOLT 4 writer of a blinded route).
  if (!equal(onionHopPub(intro), p, 33)) return false;
  if (!hopField(intro, 12) || fieldLen != 33 || !equal(fieldPtr, p + 33, 33)) return false;
  let at: usize = 67;
  for (let j = 0; j < hops; j++) {
    const hop = p + at;
    const el = (<usize>load<u8>(hop + 33) << 8) | <usize>load<u8>(hop + 34);
    // Later blinded hops are addressed by their blinded_node_id.
    if (j > 0 && !equal(onionHopPub(intro + j), hop, 33)) return false;
    // Every blinded hop carries its encrypted_recipient_data (10) as given.
    if (!hopField(intro + j, 10) || fieldLen != el || !equal(fieldPtr, hop + 35, el)) return false;
    at += 35 + el;
  }
  return true;
}

/** True when the features bitfield at p (len bytes, big-endian) sets no even
 *  bit outside `known` (a mask of bits 0..31). */
function noUnknownEven(p: usize, len: usize, known: u32): bool {
  for (let i: usize = 0; i < len; i++) {
    const b = <u32>load<u8>(p + i);
    const bit0 = <u32>(len - 1 - i) << 3; // bit number of this byte's bit 0
    for (let k: u32 = 0; k < 8; k += 2) {
      if ((b & (<u32>1 << k)) == 0) continue;
      const bit = bit0 + k;
      if (bit >= 32 || (known & (<u32>1 << bit)) == 0) return false;
    }
  }
  return true;
}

/** BOLT 9 option_basic_mpp (16/17): the one invoice feature the device knows. */
const KNOWN_INVOICE_FEATURES: u32 = <u32>1 << 16;

/**
 * Rule 7 (PAY_RULE_PATH): the route ends in a blinded tail (the first hop
 * carrying current_path_key is the introduction node) that is one of
 * invoice_paths byte for byte, so the money can only go where the signed
 * invoice says; and BOLT 12 invoice reader: MUST reject the invoice if
 * invoice_features or the used path's blinded_payinfo features contain
 * unknown even bits. `n` hops in the hop table.
 */
export function payRulePath(n: i32): u32 {
  let intro: i32 = -1;
  for (let i = 0; i < n; i++) {
    if (hopField(i, 12)) { intro = i; break; }
  }
  if (intro < 0) return detail(PAY_RULE_PATH, <u64>(n - 1));
  const all = fptr(F_INVOICE_PATHS), allLen = flen(F_INVOICE_PATHS);
  let at: usize = 0;
  let k: i32 = 0;
  let found: i32 = -1;
  while (at < allLen) {
    const l = pathLen(all + at, allLen - at);
    if (l == 0) break;
    if (tailIs(all + at, intro, n)) { found = k; break; }
    at += l;
    k++;
  }
  if (found < 0) return detail(PAY_RULE_PATH, <u64>intro);
  // The payinfo of the path used: its features (after the 28 fixed bytes).
  const pi = fptr(F_INVOICE_BLINDEDPAY), piLen = flen(F_INVOICE_BLINDEDPAY);
  let pa: usize = 0;
  for (let j = 0; j < found; j++) pa += 28 + ((<usize>load<u8>(pi + pa + 26) << 8) | <usize>load<u8>(pi + pa + 27));
  if (piLen - pa < 28) return detail(PAY_RULE_PATH, 162);
  const fl = (<usize>load<u8>(pi + pa + 26) << 8) | <usize>load<u8>(pi + pa + 27);
  if (!noUnknownEven(pi + pa + 28, fl, 0)) return detail(PAY_RULE_PATH, 162);
  if (!noUnknownEven(invoiceFeatures, invoiceFeaturesLen, KNOWN_INVOICE_FEATURES)) return detail(PAY_RULE_PATH, 174);
  return 0;
}

// ---- identities -----------------------------------------------------------------------------

/** The offer_id (merkle root of the invoice's offer fields) into out; false when it has none. */
export function offerId(inv: usize, len: usize, scratch: usize, out: usize): bool {
  return hasOffer && rangeRoot(BOLT12_KIND_OFFER, inv, len, scratch, out);
}

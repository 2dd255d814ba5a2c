// The rules the device checks before it signs an invoice for one of its
// offers (sign_invoice) or releases a payment's preimage (release_preimage):
// one function per rule, numbered as in the issue 11 design and
// docs/firmware/merchant.md. Each returns 0 or the refusal's detail word:
// rule number | offending TLV type << 8 (the type only when below 2^24;
// larger types leave those bits 0).
//
// invoiceParse (rule 1) walks the stream once and records where each field
// the later rules read sits (FPTR/FLEN, slot per field); the later rules read
// those fields only and rely on their shapes having been checked there.
import {
  BOLT12_ERR_TOO_LONG, BOLT12_KIND_INVOICE, BOLT12_KIND_INVOICE_REQUEST, BOLT12_MAX_MESSAGE, BOLT12_OK,
} from "../../shared/bolt12-limits";
import {
  INVOICE_RULE_AMOUNT, INVOICE_RULE_EXPIRED, INVOICE_RULE_INVREQ, INVOICE_RULE_KEY, INVOICE_RULE_NO_OFFER, INVOICE_RULE_OFFER_MAC,
  INVOICE_RULE_PARSE, INVOICE_RULE_PAYMENT_HASH, INVOICE_RULE_RECEIVED, INVOICE_RULE_RECURRENCE, INVOICE_RULE_TIME,
  NODE_ID_SIZE, OFFER_METADATA_SIZE,
} from "../../shared/protocol";
import { SECP_OK } from "../../shared/crypto-status";
import { bip340Verify } from "../crypto/bip340";
import { GE_SIZE, gePubkeyParseVar } from "../crypto/group";
import { sha256 } from "../crypto/sha256";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvRecord, tlvRecordLen, tlvType, tlvValue, tlvValueLen } from "../bolt12/tlv";
import { isSignatureType, typeAllowed } from "../bolt12/ranges";
import { merkleRootChecked } from "../bolt12/merkle";
import { signatureMessage } from "../bolt12/sighash";
import { derivePreimage, derivePreimageNoOffer, issuerKey } from "./keys";
import { ctEqual, offerMacVerify } from "./offer-mac";

// ---- field slots ---------------------------------------------------------------
export const F_INVREQ_METADATA = 0;
export const F_OFFER_METADATA = 1;
export const F_OFFER_CURRENCY = 2;
export const F_OFFER_AMOUNT = 3;
export const F_OFFER_ABS_EXPIRY = 4;
export const F_OFFER_QUANTITY_MAX = 5;
export const F_OFFER_ISSUER_ID = 6;
export const F_INVREQ_AMOUNT = 7;
export const F_INVREQ_QUANTITY = 8;
export const F_INVREQ_PAYER_ID = 9;
export const F_INVOICE_PATHS = 10;
export const F_INVOICE_BLINDEDPAY = 11;
export const F_INVOICE_CREATED_AT = 12;
export const F_INVOICE_REL_EXPIRY = 13;
export const F_INVOICE_PAYMENT_HASH = 14;
export const F_INVOICE_AMOUNT = 15;
export const F_INVOICE_NODE_ID = 16;
export const F_SIGNATURE = 17;
export const F_OFFER_RECURRENCE = 18; // compulsory (1000000024) or optional (1000000025)
export const F_OFFER_RECURRENCE_LIMIT = 19;
export const F_INVREQ_RECURRENCE_COUNTER = 20;
export const F_INVREQ_RECURRENCE_START = 21;
export const F_INVOICE_RECURRENCE_BASETIME = 22;
export const F_OFFER_PATHS = 23;
export const F_OFFER_CHAINS = 24;
export const F_OFFER_FEATURES = 25;
const F_COUNT = 26;

const FPTR: usize = memory.data(F_COUNT * 4, 4);
const FLEN: usize = memory.data(F_COUNT * 4, 4);
let present: u32 = 0;

@inline export function has(f: i32): bool { return (present & (<u32>1 << <u32>f)) != 0; }
@inline export function fptr(f: i32): usize { return <usize>load<u32>(FPTR + (<usize>f << 2)); }
@inline export function flen(f: i32): usize { return <usize>load<u32>(FLEN + (<usize>f << 2)); }

/** Big-endian unsigned value of a tu64/tu32/u64 field (shape checked by rule 1). */
export function readTu(p: usize, len: usize): u64 {
  let v: u64 = 0;
  for (let i: usize = 0; i < len; i++) v = (v << 8) | <u64>load<u8>(p + i);
  return v;
}
function fieldValue(f: i32): u64 { return readTu(fptr(f), flen(f)); }

/** Refusal detail: rule | type << 8 (type 0 or ≥ 2^24: the rule alone). */
export function detail(rule: i32, t: u64): u32 {
  return t < 0x1000000 ? (<u32>rule | (<u32>t << 8)) : <u32>rule;
}

// Field shapes: 0 any bytes, 1 point (33), 2 sha256 (32), 3 tu64, 4 tu32, 5 bip340sig (64).
const S_ANY: i32 = 0, S_POINT: i32 = 1, S_HASH: i32 = 2, S_TU64: i32 = 3, S_TU32: i32 = 4, S_SIG: i32 = 5;
let slotOf: i32 = -1;
let shapeOf: i32 = 0;

/** The slot and shape of a type the rules read; false for an unknown even
 *  type (BOLT 1: a reader must fail on one). Known types the rules do not
 *  read are accepted with any value (they are copied, and signed, as given). */
function classify(t: u64): bool {
  slotOf = -1; shapeOf = S_ANY;
  if (t == 0) { slotOf = F_INVREQ_METADATA; return true; }
  if (t == 2) { slotOf = F_OFFER_CHAINS; return true; }
  if (t == 12) { slotOf = F_OFFER_FEATURES; return true; }
  if (t == 16) { slotOf = F_OFFER_PATHS; return true; }
  if (t == 4) { slotOf = F_OFFER_METADATA; return true; }
  if (t == 6) { slotOf = F_OFFER_CURRENCY; return true; }
  if (t == 8) { slotOf = F_OFFER_AMOUNT; shapeOf = S_TU64; return true; }
  if (t == 14) { slotOf = F_OFFER_ABS_EXPIRY; shapeOf = S_TU64; return true; }
  if (t == 20) { slotOf = F_OFFER_QUANTITY_MAX; shapeOf = S_TU64; return true; }
  if (t == 22) { slotOf = F_OFFER_ISSUER_ID; shapeOf = S_POINT; return true; }
  if (t == 82) { slotOf = F_INVREQ_AMOUNT; shapeOf = S_TU64; return true; }
  if (t == 86) { slotOf = F_INVREQ_QUANTITY; shapeOf = S_TU64; return true; }
  if (t == 88) { slotOf = F_INVREQ_PAYER_ID; shapeOf = S_POINT; return true; }
  if (t == 160) { slotOf = F_INVOICE_PATHS; return true; }
  if (t == 162) { slotOf = F_INVOICE_BLINDEDPAY; return true; }
  if (t == 164) { slotOf = F_INVOICE_CREATED_AT; shapeOf = S_TU64; return true; }
  if (t == 166) { slotOf = F_INVOICE_REL_EXPIRY; shapeOf = S_TU32; return true; }
  if (t == 168) { slotOf = F_INVOICE_PAYMENT_HASH; shapeOf = S_HASH; return true; }
  if (t == 170) { slotOf = F_INVOICE_AMOUNT; shapeOf = S_TU64; return true; }
  if (t == 176) { slotOf = F_INVOICE_NODE_ID; shapeOf = S_POINT; return true; }
  if (t == 240) { slotOf = F_SIGNATURE; shapeOf = S_SIG; return true; }
  if (t == 1000000024 || t == 1000000025) { slotOf = F_OFFER_RECURRENCE; return true; }
  if (t == 1000000029) { slotOf = F_OFFER_RECURRENCE_LIMIT; shapeOf = S_TU32; return true; }
  if (t == 2000000092) { slotOf = F_INVREQ_RECURRENCE_COUNTER; shapeOf = S_TU32; return true; }
  if (t == 2000000093) { slotOf = F_INVREQ_RECURRENCE_START; shapeOf = S_TU32; return true; }
  if (t == 3000000177) { slotOf = F_INVOICE_RECURRENCE_BASETIME; shapeOf = S_TU64; return true; }
  // Other known fields (BOLT 12 invoice namespace; recurrence as Core Lightning
  // encodes it, host/bolt12/tlv-types.ts). invreq_recurrence_cancel
  // (2000000094) is not an invoice field: unknown even here.
  if ((t & 1) != 0) return true;
  return t == 10 || t == 18 || t == 80 || t == 84 || t == 90
    || t == 172 || t == 174 || t == 1000000026;
}

function shapeOk(shape: i32, p: usize, len: usize): bool {
  if (shape == S_POINT) return len == <usize>NODE_ID_SIZE;
  if (shape == S_HASH) return len == 32;
  if (shape == S_SIG) return len == 64;
  // BOLT 1 tu64 / tu32: at most 8 / 4 bytes, minimal (no leading zero byte).
  if (shape == S_TU64) return len <= 8 && (len == 0 || load<u8>(p) != 0);
  if (shape == S_TU32) return len <= 4 && (len == 0 || load<u8>(p) != 0);
  return true;
}

const CUR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);

/**
 * Rule 1: the stream parses strictly as an invoice (BOLT 12 invoice ranges
 * 0..239 and 1000000000..3999999999, BOLT 1 framing, no unknown even type,
 * known fields in their encodings). `signed`: release_preimage's signed
 * invoice may (must) carry signature 240 and no other signature record;
 * sign_invoice's stream carries none (no 240..1000).
 */
export function ruleParse(stream: usize, len: usize, signed: bool): u32 {
  present = 0;
  if (len > <usize>BOLT12_MAX_MESSAGE) return <u32>INVOICE_RULE_PARSE | (<u32>BOLT12_ERR_TOO_LONG << 8);
  tlvBegin(CUR, stream, len);
  for (;;) {
    const r = tlvNext(CUR);
    if (r == TLV_END) break;
    // BOLT 1: minimal BigSizes, strictly increasing types, nothing cut short.
    if (r != BOLT12_OK) return <u32>INVOICE_RULE_PARSE;
    const t = tlvType(CUR);
    // BOLT 12: an invoice holds the invoice_request ranges, its own 160..239
    // and the experimental 1000000000..3999999999 (device/bolt12/ranges.ts).
    if (!typeAllowed(BOLT12_KIND_INVOICE, t)) return detail(INVOICE_RULE_PARSE, t);
    // Design rule 1: no signature records (240..1000) in an invoice to sign;
    // a signed one carries exactly its signature (240).
    if (isSignatureType(t) && (!signed || t != 240)) return detail(INVOICE_RULE_PARSE, t);
    // BOLT 1: an unknown even type makes the reader fail ("it's OK to be odd").
    if (!classify(t)) return detail(INVOICE_RULE_PARSE, t);
    if (slotOf >= 0) {
      const vp = tlvValue(CUR), vl = tlvValueLen(CUR);
      if (!shapeOk(shapeOf, vp, vl)) return detail(INVOICE_RULE_PARSE, t);
      store<u32>(FPTR + (<usize>slotOf << 2), <u32>vp);
      store<u32>(FLEN + (<usize>slotOf << 2), <u32>vl);
      present |= <u32>1 << <u32>slotOf;
    }
  }
  if (signed && !has(F_SIGNATURE)) return detail(INVOICE_RULE_KEY, 240);
  return 0;
}

// ---- rule 2: the invoice_request part ------------------------------------------

/** The invoice_request part's merkle root (after ruleInvreqRoot). */
export const INVREQ_ROOT: usize = memory.data(32, 8);
const MSG: usize = memory.data(32, 8);
const PT: usize = memory.data(<i32>GE_SIZE, 8);
const NAME_INVREQ: usize = memory.data<u8>([
  0x69, 0x6e, 0x76, 0x6f, 0x69, 0x63, 0x65, 0x5f, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74,
]); // "invoice_request"; its first 7 bytes are "invoice"
const NAME_SIGNATURE: usize = memory.data<u8>([0x73, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65]);

/**
 * The merkle root, as a message of `kind`, of the records of `stream` that
 * `kind` allows (signature records left out) into `out`: the records are
 * copied to `scratch` (≥ len bytes) in stream order and hashed. The
 * invoice_request part of an invoice (kind INVOICE_REQUEST), or its offer
 * part (kind OFFER: the offer_id). False when there is none.
 */
export function rangeRoot(kind: i32, stream: usize, len: usize, scratch: usize, out: usize): bool {
  tlvBegin(CUR, stream, len);
  let n: usize = 0;
  for (;;) {
    const r = tlvNext(CUR);
    if (r != BOLT12_OK) break;
    const t = tlvType(CUR);
    if (isSignatureType(t) || !typeAllowed(kind, t)) continue;
    const rec = tlvRecord(CUR), rl = tlvRecordLen(CUR);
    for (let i: usize = 0; i < rl; i++) store<u8>(scratch + n + i, load<u8>(rec + i));
    n += rl;
  }
  return merkleRootChecked(kind, scratch, n, out) == BOLT12_OK;
}

/**
 * The merkle root of the invoice_request part into INVREQ_ROOT (BOLT 12: the
 * invoice mirrors the invoice_request's records, 0..159 and
 * 1000000000..2999999999). False when there is none.
 */
export function invreqRoot(stream: usize, len: usize, scratch: usize): bool {
  return rangeRoot(BOLT12_KIND_INVOICE_REQUEST, stream, len, scratch, INVREQ_ROOT);
}

/**
 * Rule 2: the invoice_request part verifies: invreq_metadata (0) and
 * invreq_payer_id (88) present, and `sig` (the payer's BIP-340 signature, 64
 * bytes) valid over its merkle root with tag lightning‖invoice_request‖signature
 * under invreq_payer_id. So every invreq field of the invoice is byte for byte
 * what the payer signed.
 */
export function ruleInvreq(stream: usize, len: usize, sig: usize, scratch: usize): u32 {
  // BOLT 12 invoice_request reader: reject if invreq_metadata or invreq_payer_id is missing.
  if (!has(F_INVREQ_METADATA)) return detail(INVOICE_RULE_INVREQ, 0);
  if (!has(F_INVREQ_PAYER_ID) || !gePubkeyParseVar(PT, fptr(F_INVREQ_PAYER_ID))) return detail(INVOICE_RULE_INVREQ, 88);
  if (!invreqRoot(stream, len, scratch)) return <u32>INVOICE_RULE_INVREQ;
  signatureMessage(NAME_INVREQ, 15, NAME_SIGNATURE, 9, INVREQ_ROOT, MSG);
  // BOLT 12: the signature must be valid for invreq_payer_id (x-only key).
  if (bip340Verify(MSG, 32, fptr(F_INVREQ_PAYER_ID) + 1, sig) != SECP_OK) return detail(INVOICE_RULE_INVREQ, 240);
  return 0;
}

// ---- rule 3: the offer is ours ----------------------------------------------------

/** Rule 3: offer_metadata (4) is nonce[16] ‖ MAC[32] and the MAC over the
 *  offer records verifies under the device's mac_key. */
export function ruleOfferMac(stream: usize, len: usize): u32 {
  if (!has(F_OFFER_METADATA) || flen(F_OFFER_METADATA) != <usize>OFFER_METADATA_SIZE) return detail(INVOICE_RULE_OFFER_MAC, 4);
  if (!offerMacVerify(fptr(F_OFFER_METADATA), flen(F_OFFER_METADATA), stream, len)) return detail(INVOICE_RULE_OFFER_MAC, 4);
  return 0;
}

// ---- rule 12: an invoice_request not based on an offer --------------------------------

/**
 * BOLT 12: an invoice_request with neither offer_issuer_id nor offer_paths is
 * not a response to an offer (a refund or withdrawal `lnr1…`, answered by
 * Core Lightning's sendinvoice). Decided from the parsed (rule 1) and signed
 * (rule 2) bytes; such invoices get rule 12 instead of rule 3 and the
 * no-offer variants of rules 4-7.
 */
export function noOffer(): bool {
  return !has(F_OFFER_ISSUER_ID) && !has(F_OFFER_PATHS);
}

/**
 * Rule 12: the bare invoice_request is one BOLT 12 lets us answer: none of
 * offer_chains (2), offer_features (12), offer_quantity_max (20), and
 * invreq_amount (82) present (Core Lightning sendinvoice: "Unexpected
 * offer_chains" ... "Missing invreq_amount").
 */
export function ruleNoOffer(): u32 {
  // BOLT 12 reader, no offer: MUST fail if offer_chains, offer_features or offer_quantity_max are present.
  if (has(F_OFFER_CHAINS)) return detail(INVOICE_RULE_NO_OFFER, 2);
  if (has(F_OFFER_FEATURES)) return detail(INVOICE_RULE_NO_OFFER, 12);
  if (has(F_OFFER_QUANTITY_MAX)) return detail(INVOICE_RULE_NO_OFFER, 20);
  // BOLT 12 reader, no offer: MUST fail if invreq_amount is not present.
  if (!has(F_INVREQ_AMOUNT)) return detail(INVOICE_RULE_NO_OFFER, 82);
  return 0;
}

// ---- rule 4: the key ---------------------------------------------------------------

/** After ruleKey: true when the offer is in device-key mode (ISSUER_KEY signs),
 *  false in node-key mode (the node key signs). */
export let keyIsIssuer = false;
const PUB: usize = memory.data(33, 8);

/**
 * Rule 4: offer_issuer_id (22) is ours — the node id (node-key mode) or
 * issuer_key(nonce)'s public key (device-key mode) — and invoice_node_id
 * (176) equals it (BOLT 12 writer: invoice_node_id = offer_issuer_id).
 */
export function ruleKey(nodeId: usize): u32 {
  if (!has(F_OFFER_ISSUER_ID)) return detail(INVOICE_RULE_KEY, 22);
  const issuer = fptr(F_OFFER_ISSUER_ID);
  if (ctEqual(issuer, nodeId, NODE_ID_SIZE)) {
    keyIsIssuer = false;
  } else {
    if (!issuerKey(fptr(F_OFFER_METADATA), PUB) || !ctEqual(PUB, issuer, NODE_ID_SIZE)) return detail(INVOICE_RULE_KEY, 22);
    keyIsIssuer = true;
  }
  if (!has(F_INVOICE_NODE_ID) || !ctEqual(fptr(F_INVOICE_NODE_ID), issuer, NODE_ID_SIZE)) return detail(INVOICE_RULE_KEY, 176);
  return 0;
}

/**
 * Rule 4, no offer: invoice_node_id (176) is our node id; the node key signs
 * (Core Lightning's sendinvoice signs with the node key through createinvoice).
 */
export function ruleKeyNoOffer(nodeId: usize): u32 {
  keyIsIssuer = false;
  if (!has(F_INVOICE_NODE_ID) || !ctEqual(fptr(F_INVOICE_NODE_ID), nodeId, NODE_ID_SIZE)) return detail(INVOICE_RULE_KEY, 176);
  return 0;
}

// ---- rule 5: the payment hash --------------------------------------------------------

/** The preimage after rulePaymentHash (secret until released; wiped by rulesWipe). */
export const PREIMAGE: usize = memory.data(32, 8);
const HASH: usize = memory.data(32, 8);

/**
 * The preimage of this invoice into PREIMAGE (needs INVREQ_ROOT): for an
 * offer of ours preimage(invreq_root); with no offer (noOffer) the no-offer
 * preimage from invreq_root, created_at and amount (keys.ts), so answering
 * the same bare request twice never repeats a payment hash. Returns 0, or
 * rule 5's detail when created_at / amount are missing.
 */
export function derivePreimageOf(): u32 {
  if (noOffer()) {
    if (!has(F_INVOICE_CREATED_AT)) return detail(INVOICE_RULE_PAYMENT_HASH, 164);
    if (!has(F_INVOICE_AMOUNT)) return detail(INVOICE_RULE_PAYMENT_HASH, 170);
    derivePreimageNoOffer(INVREQ_ROOT, fieldValue(F_INVOICE_CREATED_AT), fieldValue(F_INVOICE_AMOUNT), PREIMAGE);
  } else {
    derivePreimage(INVREQ_ROOT, PREIMAGE);
  }
  return 0;
}

/** Rule 5: invoice_payment_hash (168) = SHA256(preimage(invreq_root)): the
 *  host never chooses the payment hash. Needs INVREQ_ROOT. */
export function rulePaymentHash(): u32 {
  const d = derivePreimageOf();
  if (d != 0) return d;
  sha256(PREIMAGE, 32, HASH);
  if (!has(F_INVOICE_PAYMENT_HASH) || !ctEqual(HASH, fptr(F_INVOICE_PAYMENT_HASH), 32)) return detail(INVOICE_RULE_PAYMENT_HASH, 168);
  return 0;
}

// ---- rule 6: the amount -----------------------------------------------------------

/**
 * Rule 6: the amount obeys the offer (BOLT 12 invoice_request reader and
 * invoice writer; Core Lightning's bounds, offers-flow digest §3.4):
 * quantity as the offer allows it; msat offers: expected = offer_amount ×
 * quantity (overflow refused), invoice_amount = invreq_amount when given
 * (expected ≤ it, floor(it / 5) ≤ expected), else = expected; no
 * offer_amount: invoice_amount = invreq_amount (required); currency offers:
 * amount > 0 (converted by the host), = invreq_amount when given.
 */
export function ruleAmount(): u32 {
  // BOLT 12: invoice_amount is required.
  if (!has(F_INVOICE_AMOUNT)) return detail(INVOICE_RULE_AMOUNT, 170);
  const amount = fieldValue(F_INVOICE_AMOUNT);
  // BOLT 12 quantity: with offer_quantity_max, invreq_quantity is required,
  // > 0, and ≤ max when max ≠ 0; without it, invreq_quantity is forbidden.
  let quantity: u64 = 1;
  if (has(F_OFFER_QUANTITY_MAX)) {
    if (!has(F_INVREQ_QUANTITY)) return detail(INVOICE_RULE_AMOUNT, 86);
    quantity = fieldValue(F_INVREQ_QUANTITY);
    const max = fieldValue(F_OFFER_QUANTITY_MAX);
    if (quantity == 0 || (max != 0 && quantity > max)) return detail(INVOICE_RULE_AMOUNT, 86);
  } else if (has(F_INVREQ_QUANTITY)) {
    return detail(INVOICE_RULE_AMOUNT, 86);
  }
  const invreqAmount = has(F_INVREQ_AMOUNT) ? fieldValue(F_INVREQ_AMOUNT) : 0;
  // BOLT 12 invoice writer: invoice_amount = invreq_amount when present.
  if (has(F_INVREQ_AMOUNT) && amount != invreqAmount) return detail(INVOICE_RULE_AMOUNT, 170);
  if (has(F_OFFER_CURRENCY)) {
    // Currency offer: the host converts; the device asks a positive amount.
    if (amount == 0) return detail(INVOICE_RULE_AMOUNT, 170);
    return 0;
  }
  if (!has(F_OFFER_AMOUNT)) {
    // BOLT 12: no offer_amount and no invreq_amount: reject.
    if (!has(F_INVREQ_AMOUNT)) return detail(INVOICE_RULE_AMOUNT, 82);
    return amount == 0 ? detail(INVOICE_RULE_AMOUNT, 170) : 0;
  }
  const unit = fieldValue(F_OFFER_AMOUNT);
  // expected = offer_amount × quantity; overflow refused (CLN "causes overflow").
  if (unit != 0 && quantity > <u64>0xffffffffffffffff / unit) return detail(INVOICE_RULE_AMOUNT, 86);
  const expected = unit * quantity;
  if (has(F_INVREQ_AMOUNT)) {
    // BOLT 12: invreq_amount below the expected amount: reject; CLN: more than
    // 5× (floor(invreq_amount / 5) > expected): "vastly exceeds".
    if (invreqAmount < expected || invreqAmount / 5 > expected) return detail(INVOICE_RULE_AMOUNT, 82);
    return 0;
  }
  if (amount != expected) return detail(INVOICE_RULE_AMOUNT, 170);
  return 0;
}

/**
 * Rule 6, no offer: invoice_amount = invreq_amount (rule 12 made it present;
 * BOLT 12 invoice writer: MUST set invoice_amount to invreq_amount, and its
 * reader MUST reject any other), not 0, and no invreq_quantity. Core
 * Lightning's sendinvoice takes another `amount_msat` (its payer pays up to
 * invreq_amount), but a BOLT 12 reader refuses such an invoice: the device
 * signs what the spec lets every payer pay. Receiving needs no press.
 */
export function ruleAmountNoOffer(): u32 {
  if (!has(F_INVOICE_AMOUNT)) return detail(INVOICE_RULE_AMOUNT, 170);
  // BOLT 12: without offer_quantity_max, invreq_quantity is forbidden.
  if (has(F_INVREQ_QUANTITY)) return detail(INVOICE_RULE_AMOUNT, 86);
  const amount = fieldValue(F_INVOICE_AMOUNT);
  if (amount == 0 || amount != fieldValue(F_INVREQ_AMOUNT)) return detail(INVOICE_RULE_AMOUNT, 170);
  return 0;
}

// ---- rule 7: recurrence ------------------------------------------------------------

/**
 * Rule 7: an offer without recurrence has no invreq_recurrence_* (and no
 * invoice_recurrence_basetime); with it, invreq_recurrence_counter is present
 * and the period index (counter + invreq_recurrence_start) is at most
 * offer_recurrence_limit when the offer has one.
 */
export function ruleRecurrence(): u32 {
  if (!has(F_OFFER_RECURRENCE)) {
    // CLN: "unexpected invreq_recurrence_counter" / "_start".
    if (has(F_INVREQ_RECURRENCE_COUNTER)) return detail(INVOICE_RULE_RECURRENCE, 2000000092);
    if (has(F_INVREQ_RECURRENCE_START)) return detail(INVOICE_RULE_RECURRENCE, 2000000093);
    if (has(F_INVOICE_RECURRENCE_BASETIME)) return detail(INVOICE_RULE_RECURRENCE, 3000000177);
    return 0;
  }
  // CLN: "missing invreq_recurrence_counter".
  if (!has(F_INVREQ_RECURRENCE_COUNTER)) return detail(INVOICE_RULE_RECURRENCE, 2000000092);
  const index = fieldValue(F_INVREQ_RECURRENCE_COUNTER)
    + (has(F_INVREQ_RECURRENCE_START) ? fieldValue(F_INVREQ_RECURRENCE_START) : 0);
  // CLN: "period_index <i> too great" when index > offer_recurrence_limit.
  if (has(F_OFFER_RECURRENCE_LIMIT) && index > fieldValue(F_OFFER_RECURRENCE_LIMIT)) return detail(INVOICE_RULE_RECURRENCE, 1000000029);
  return 0;
}

/**
 * Rule 7, no offer: no recurrence at all — Core Lightning's sendinvoice
 * refuses a request with offer_recurrence ("FIXME: handle recurring
 * invreq?"), and without an offer no period can be checked.
 */
export function ruleRecurrenceNoOffer(): u32 {
  if (has(F_OFFER_RECURRENCE)) return detail(INVOICE_RULE_RECURRENCE, 0);
  if (has(F_OFFER_RECURRENCE_LIMIT)) return detail(INVOICE_RULE_RECURRENCE, 1000000029);
  if (has(F_INVREQ_RECURRENCE_COUNTER)) return detail(INVOICE_RULE_RECURRENCE, 2000000092);
  if (has(F_INVREQ_RECURRENCE_START)) return detail(INVOICE_RULE_RECURRENCE, 2000000093);
  if (has(F_INVOICE_RECURRENCE_BASETIME)) return detail(INVOICE_RULE_RECURRENCE, 3000000177);
  return 0;
}

// ---- rule 8: time -----------------------------------------------------------------------

/** The board clock counts as set from 2020-01-01 00:00 UTC. */
export const CLOCK_SET: u32 = 1577836800;
/** How far invoice_created_at may be from the board clock (2 h). */
const CREATED_SLACK: u64 = 7200;
/** The longest relative expiry the device signs (7 days). */
const MAX_EXPIRY: u64 = 604800;
/** BOLT 12: invoice_relative_expiry defaults to 7200 s. */
export const DEFAULT_EXPIRY: u64 = 7200;

/**
 * Rule 8: invoice_created_at (164) present and, when the board clock is set,
 * within 2 h of it; invoice_relative_expiry (default 7200) ≤ 7 days; the
 * offer's absolute expiry not passed (by created_at and the clock) unless the
 * invoice is for a later period of a recurrence (counter > 0; CLN digest §3.2
 * step 14).
 */
export function ruleTime(clock: u32): u32 {
  if (!has(F_INVOICE_CREATED_AT)) return detail(INVOICE_RULE_TIME, 164);
  const created = fieldValue(F_INVOICE_CREATED_AT);
  const now = <u64>clock;
  if (clock >= CLOCK_SET) {
    const d = created > now ? created - now : now - created;
    if (d > CREATED_SLACK) return detail(INVOICE_RULE_TIME, 164);
  }
  const rel = has(F_INVOICE_REL_EXPIRY) ? fieldValue(F_INVOICE_REL_EXPIRY) : DEFAULT_EXPIRY;
  if (rel > MAX_EXPIRY) return detail(INVOICE_RULE_TIME, 166);
  if (has(F_OFFER_ABS_EXPIRY)) {
    const later = has(F_INVREQ_RECURRENCE_COUNTER) && fieldValue(F_INVREQ_RECURRENCE_COUNTER) != 0;
    const expiry = fieldValue(F_OFFER_ABS_EXPIRY);
    // CLN: "Offer expired" when now ≥ offer_absolute_expiry (counter 0 / none).
    if (!later && (created >= expiry || (clock >= CLOCK_SET && now >= expiry))) return detail(INVOICE_RULE_TIME, 14);
  }
  return 0;
}

// ---- release_preimage rules ------------------------------------------------------------

/** The invoice's merkle root (after ruleInvoiceSignature). */
export const INVOICE_ROOT: usize = memory.data(32, 8);
const NAME_INVOICE_LEN: usize = 7;

/** Rule 4 (release_preimage): the invoice's signature (240) verifies under
 *  invoice_node_id over the invoice's merkle root. */
export function ruleInvoiceSignature(stream: usize, len: usize): u32 {
  if (merkleRootChecked(BOLT12_KIND_INVOICE, stream, len, INVOICE_ROOT) != BOLT12_OK) return <u32>INVOICE_RULE_PARSE;
  signatureMessage(NAME_INVREQ, NAME_INVOICE_LEN, NAME_SIGNATURE, 9, INVOICE_ROOT, MSG);
  if (bip340Verify(MSG, 32, fptr(F_INVOICE_NODE_ID) + 1, fptr(F_SIGNATURE)) != SECP_OK) return detail(INVOICE_RULE_KEY, 240);
  return 0;
}

/** Rule 10: invoice_amount ≤ received ≤ 2 × invoice_amount (BOLT 4 final
 *  node: at least the amount; lightningd refuses more than twice it). */
export function ruleReceived(received: u64): u32 {
  if (!has(F_INVOICE_AMOUNT)) return detail(INVOICE_RULE_RECEIVED, 170);
  const amount = fieldValue(F_INVOICE_AMOUNT);
  if (received < amount) return <u32>INVOICE_RULE_RECEIVED;
  if (amount < 0x8000000000000000 && received > amount * 2) return <u32>INVOICE_RULE_RECEIVED;
  return 0;
}

/** Rule 11: the board clock (when set) is before created_at + relative expiry
 *  (BOLT 12 reader: expired when now > created_at + expiry). */
export function ruleNotExpired(clock: u32): u32 {
  if (clock < CLOCK_SET) return 0;
  if (!has(F_INVOICE_CREATED_AT)) return detail(INVOICE_RULE_EXPIRED, 164);
  const rel = has(F_INVOICE_REL_EXPIRY) ? fieldValue(F_INVOICE_REL_EXPIRY) : DEFAULT_EXPIRY;
  if (<u64>clock >= fieldValue(F_INVOICE_CREATED_AT) + rel) return <u32>INVOICE_RULE_EXPIRED;
  return 0;
}

/** Wipes the preimage and the rule scratch. */
export function rulesWipe(): void {
  for (let i: usize = 0; i < 32; i += 4) { store<u32>(PREIMAGE + i, 0); store<u32>(HASH + i, 0); }
}

// payment_hash (docs/protocol.md "payment_hash"; docs/firmware/merchant.md):
// the payment hash and path_id of the invoice answering a payer's
// invoice_request for one of the device's offers. The host needs both to
// build the invoice (168) and its blinded payment paths (the final hop's
// path_id) before sign_invoice, and cannot derive them (preimage_key and
// path_id_key never leave the device). Only for a request the payer signed
// (rule 2) for an offer of ours (rule 3); the preimage itself is never
// returned here (release_preimage does, after payment).
//
// A bare invoice_request (no offer_issuer_id, no offer_paths: sendinvoice)
// gets rule 12 instead of rule 3, and its stream must carry the invoice's
// invoice_created_at (164) and invoice_amount (170), which its no-offer
// preimage depends on (rule 5); they are outside the invreq ranges, so the
// payer's signature (rule 2) is checked as before.
import {
  ERR_INVOICE_RULE, ERR_NOT_PROVISIONED, INVOICE_RULE_INVREQ, INVOICE_RULE_KEY, PAYMENT_HASH_REPLY_SIZE,
} from "../../../shared/protocol";
import { PROV_OFF_NODE_KEY } from "../../../shared/board";
import { sha256 } from "../../crypto/sha256";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { derivePathId, merchantKeysLoad, merchantKeysWipe } from "../../merchant/keys";
import {
  F_SIGNATURE, PREIMAGE, detail, fptr, derivePreimageOf, noOffer, ruleAmountNoOffer, ruleInvreq, ruleNoOffer,
  ruleOfferMac, ruleParse, ruleRecurrenceNoOffer, rulesWipe,
} from "../../merchant/invoice-rules";
import { fillBytes } from "../bytes";
import { setErrorDetail } from "../dispatch";

export function handlePaymentHash(req: usize, len: i32, out: usize): i32 {
  const slen = <usize>len;
  // Rule 1 (the request's records are all within the invoice ranges; its
  // signature 240 present); a missing signature is rule 2.
  let d = ruleParse(req, slen, true);
  if (d == detail(INVOICE_RULE_KEY, 240)) d = detail(INVOICE_RULE_INVREQ, 240);
  // Rule 2: the payer signed exactly these invreq records.
  if (d == 0) d = ruleInvreq(req, slen, fptr(F_SIGNATURE), out);
  fillBytes(out, 0, slen);
  if (d != 0) { setErrorDetail(d); return -ERR_INVOICE_RULE; }
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  merchantKeysLoad(REC + PROV_OFF_NODE_KEY);
  if (noOffer()) {
    // Rule 12: a bare invoice_request we may answer; rules 6, 7 (no offer):
    // the amount and no recurrence; rule 5: the no-offer preimage from
    // invreq root, created_at and amount.
    d = ruleNoOffer();
    if (d == 0) d = ruleAmountNoOffer();
    if (d == 0) d = ruleRecurrenceNoOffer();
  } else {
    // Rule 3: the offer is ours.
    d = ruleOfferMac(req, slen);
  }
  if (d == 0) d = derivePreimageOf();
  if (d == 0) {
    sha256(PREIMAGE, 32, out);
    derivePathId(out, out + 32);
  }
  rulesWipe();
  merchantKeysWipe();
  storeWipeRam();
  if (d != 0) { setErrorDetail(d); return -ERR_INVOICE_RULE; }
  return PAYMENT_HASH_REPLY_SIZE;
}

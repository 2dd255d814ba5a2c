// sign_invoice (docs/protocol.md "sign_invoice"; docs/firmware/merchant.md):
// signs an invoice for one of the device's offers only when every rule of
// device/merchant/invoice-rules.ts and path-proof.ts holds, in the design's
// order 1..9; any other invoice is refused with ERR_INVOICE_RULE, detail =
// rule | type << 8. The signing key is the offer's: issuer_key(nonce)
// (device-key offers) or the node key (node-key offers). Keys live in RAM for
// this request only.
//
// An invoice whose request has neither offer_issuer_id nor offer_paths answers
// a bare invoice_request (someone's refund / withdrawal `lnr1…`: Core
// Lightning's sendinvoice): rule 12 replaces rule 3 (there is no offer MAC to
// check), rules 4, 6, 7 take their no-offer forms (node key, amount ≤
// invreq_amount, no recurrence), rule 5 the no-offer preimage; 1, 2, 8, 9 are
// the same. Receiving money needs no press.
import {
  ERR_BAD_PAYLOAD, ERR_INTERNAL, ERR_INVOICE_RULE, ERR_NOT_PROVISIONED, NODE_ID_SIZE, SIGN_KEY_ISSUER, SIGN_KEY_NODE,
  SIGN_REPLY_OFF_KEY, SIGN_REPLY_OFF_KEY_KIND, SIGN_REPLY_OFF_ROOT, SIGN_REPLY_OFF_SIG, SIGN_REPLY_SIZE,
  SIGNINV_OFF_PROOFS,
} from "../../../shared/protocol";
import { PROV_OFF_NODE_ID, PROV_OFF_NODE_KEY } from "../../../shared/board";
import { BOLT12_KIND_INVOICE, BOLT12_OK } from "../../../shared/bolt12-limits";
import { SECP_OK } from "../../../shared/crypto-status";
import { hal_clock_seconds } from "../../hal";
import { bip340Sign } from "../../crypto/bip340";
import { merkleRootChecked } from "../../bolt12/merkle";
import { signatureMessage } from "../../bolt12/sighash";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { ISSUER_KEY, merchantKeysLoad, merchantKeysWipe } from "../../merchant/keys";
import {
  F_INVOICE_NODE_ID, F_OFFER_ISSUER_ID, fptr, keyIsIssuer, noOffer, ruleAmount, ruleAmountNoOffer, ruleInvreq, ruleKey,
  ruleKeyNoOffer, ruleNoOffer, ruleOfferMac, ruleParse, rulePaymentHash, ruleRecurrence, ruleRecurrenceNoOffer, rulesWipe,
  ruleTime,
} from "../../merchant/invoice-rules";
import { rulePaths } from "../../merchant/path-proof";
import { copyBytes, fillBytes } from "../bytes";
import { setErrorDetail } from "../dispatch";

const SIGHASH: usize = memory.data(32, 8);
const ZERO_AUX: usize = memory.data(32, 8); // BIP-340 aux_rand = 32 zero bytes, as hsmd
// "invoice" and "signature": the tag lightning‖invoice‖signature.
const NAME_INVOICE: usize = memory.data<u8>([0x69, 0x6e, 0x76, 0x6f, 0x69, 0x63, 0x65]);
const NAME_SIGNATURE: usize = memory.data<u8>([0x73, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65]);

function finish(): void {
  rulesWipe();
  merchantKeysWipe();
  storeWipeRam();
  fillBytes(SIGHASH, 0, 32);
}

function refuse(out: usize, d: u32): i32 {
  finish();
  // The scratch (decrypted hop data, the invreq copy) is not left in the reply buffer.
  fillBytes(out, 0, 8448);
  setErrorDetail(d);
  return -ERR_INVOICE_RULE;
}

export function handleSignInvoice(req: usize, len: i32, out: usize): i32 {
  // Layout: invreq signature[64] | proof count u8 | proofs | invoice stream.
  if (len < SIGNINV_OFF_PROOFS + 1) { setErrorDetail(0); return -ERR_BAD_PAYLOAD; }
  const end = req + <usize>len;
  const count = <i32>load<u8>(req + <usize>SIGNINV_OFF_PROOFS);
  const proofs = req + <usize>SIGNINV_OFF_PROOFS + 1;
  let p = proofs;
  for (let i = 0; i < count; i++) {
    // e0[32] | hop count u8 | node ids[33 × hops]
    if (end - p < 33) { setErrorDetail(<u32>(p - req)); return -ERR_BAD_PAYLOAD; }
    const n = <usize>load<u8>(p + 32);
    if (end - p - 33 < n * 33) { setErrorDetail(<u32>(p - req)); return -ERR_BAD_PAYLOAD; }
    p += 33 + n * 33;
  }
  const stream = p;
  const slen = end - p;
  let d: u32;
  // Rules 1 and 2 read public data only.
  d = ruleParse(stream, slen, false);
  if (d != 0) return refuse(out, d);
  d = ruleInvreq(stream, slen, req, out);
  if (d != 0) return refuse(out, d);
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  const nodeKey = REC + PROV_OFF_NODE_KEY;
  const ourId = REC + PROV_OFF_NODE_ID;
  merchantKeysLoad(nodeKey);
  const bare = noOffer();
  if (bare) {
    // Rule 12: a bare invoice_request BOLT 12 lets us answer; rule 4: the node key.
    d = ruleNoOffer();
    if (d == 0) d = ruleKeyNoOffer(ourId);
  } else {
    // Rule 3: the offer is ours (MAC); rule 4: its key.
    d = ruleOfferMac(stream, slen);
    if (d == 0) d = ruleKey(ourId);
  }
  if (d == 0) d = rulePaymentHash();
  if (d == 0) d = bare ? ruleAmountNoOffer() : ruleAmount();
  if (d == 0) d = bare ? ruleRecurrenceNoOffer() : ruleRecurrence();
  if (d == 0) d = ruleTime(hal_clock_seconds());
  if (d == 0) d = rulePaths(proofs, count, stream, ourId, out);
  if (d != 0) return refuse(out, d);

  // Sign H("lightning" ‖ "invoice" ‖ "signature", root) with the offer's key;
  // bip340Sign verifies its signature before writing it.
  fillBytes(out, 0, 8448);
  const root = out + SIGN_REPLY_OFF_ROOT;
  if (merkleRootChecked(BOLT12_KIND_INVOICE, stream, slen, root) != BOLT12_OK) { finish(); setErrorDetail(2); return -ERR_INTERNAL; }
  signatureMessage(NAME_INVOICE, 7, NAME_SIGNATURE, 9, root, SIGHASH);
  const s = bip340Sign(out + SIGN_REPLY_OFF_SIG, SIGHASH, 32, keyIsIssuer ? ISSUER_KEY : nodeKey, ZERO_AUX);
  if (s != SECP_OK) { finish(); setErrorDetail(<u32>s); return -ERR_INTERNAL; }
  store<u8>(out + SIGN_REPLY_OFF_KEY_KIND, <u8>(keyIsIssuer ? SIGN_KEY_ISSUER : SIGN_KEY_NODE));
  copyBytes(out + SIGN_REPLY_OFF_KEY, fptr(bare ? F_INVOICE_NODE_ID : F_OFFER_ISSUER_ID), NODE_ID_SIZE);
  finish();
  return SIGN_REPLY_SIZE;
}

// release_preimage (docs/protocol.md "release_preimage";
// docs/firmware/merchant.md): the preimage of a payment to one of the
// device's invoices, released only for an invoice the device signed (MAC,
// key, signature), when the amount received is right and the invoice has not
// expired by the board clock. The preimage is derived, never stored:
// HMAC-SHA256(preimage_key, invreq merkle root), or for an invoice answering
// a bare invoice_request (no offer: sendinvoice) the no-offer preimage of
// device/merchant/keys.ts.
import {
  ERR_BAD_PAYLOAD, ERR_INVOICE_RULE, ERR_NOT_PROVISIONED, INVOICE_RULE_INVREQ, RELEASE_OFF_STREAM, RELEASE_REPLY_SIZE,
} from "../../../shared/protocol";
import { PROV_OFF_NODE_ID, PROV_OFF_NODE_KEY } from "../../../shared/board";
import { hal_clock_seconds } from "../../hal";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { merchantKeysLoad, merchantKeysWipe } from "../../merchant/keys";
import {
  PREIMAGE, invreqRoot, noOffer, ruleInvoiceSignature, ruleKey, ruleKeyNoOffer, ruleNoOffer, ruleNotExpired, ruleOfferMac,
  ruleParse, rulePaymentHash, ruleReceived, rulesWipe,
} from "../../merchant/invoice-rules";
import { copyBytes, fillBytes } from "../bytes";
import { setErrorDetail } from "../dispatch";

function finish(): void {
  rulesWipe();
  merchantKeysWipe();
  storeWipeRam();
}

export function handleReleasePreimage(req: usize, len: i32, out: usize): i32 {
  // Layout: amount received msat u64le | signed invoice stream.
  if (len < RELEASE_OFF_STREAM) { setErrorDetail(0); return -ERR_BAD_PAYLOAD; }
  const received = load<u64>(req); // wasm memory is little-endian
  const stream = req + <usize>RELEASE_OFF_STREAM;
  const slen = <usize>(len - RELEASE_OFF_STREAM);
  // Rule 1 (with the signature 240 required).
  let d = ruleParse(stream, slen, true);
  if (d != 0) { setErrorDetail(d); return -ERR_INVOICE_RULE; }
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  merchantKeysLoad(REC + PROV_OFF_NODE_KEY);
  if (noOffer()) {
    // Rule 12: a bare invoice_request (no offer); rule 4: invoice_node_id is
    // our node id, and (below) the invoice signed by it — only sign_invoice
    // signs invoices with the node key, after its rules.
    d = ruleNoOffer();
    if (d == 0) d = ruleKeyNoOffer(REC + PROV_OFF_NODE_ID);
  } else {
    // Rule 3: our offer; rule 4: our key, and the invoice signed by it.
    d = ruleOfferMac(stream, slen);
    if (d == 0) d = ruleKey(REC + PROV_OFF_NODE_ID);
  }
  if (d == 0) d = ruleInvoiceSignature(stream, slen);
  // Rule 5: the payment hash is the one of the preimage the device derives.
  if (d == 0 && !invreqRoot(stream, slen, out)) d = <u32>INVOICE_RULE_INVREQ;
  if (d == 0) d = rulePaymentHash();
  // Rules 10, 11: amount received and expiry.
  if (d == 0) d = ruleReceived(received);
  if (d == 0) d = ruleNotExpired(hal_clock_seconds());
  fillBytes(out, 0, <usize>slen);
  if (d != 0) { finish(); setErrorDetail(d); return -ERR_INVOICE_RULE; }
  copyBytes(out, PREIMAGE, RELEASE_REPLY_SIZE);
  finish();
  return RELEASE_REPLY_SIZE;
}

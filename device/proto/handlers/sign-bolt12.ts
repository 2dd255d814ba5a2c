// sign_bolt12: signs an invoice_request (docs/protocol.md "sign_bolt12"). The
// device trusts nothing the host says beyond which message it is: it walks the
// whole TLV stream (strict BOLT 1 framing and the BOLT 12 invoice_request
// ranges), computes the merkle root and the signature message itself, and
// picks the key from its own policy:
//
//   invoice_request  invreq_payer_id must be present (33 bytes) and
//                    invreq_metadata present (non-empty). If invreq_payer_id is
//                    the node id: the node key (Core Lightning `invoicerequest`);
//                    otherwise the payer key node_key + SHA256(makesecret(
//                    "node-alias-base") ‖ invreq_metadata) (`fetchinvoice`),
//                    and its public key must equal invreq_payer_id.
//
// Invoices are no longer signed here (issue 11: a host could have any payment
// hash signed as the node): the message name "invoice" is refused with
// ERR_SIGN_NAME detail 1, like any other; invoices are signed only by
// sign_invoice (handlers/sign-invoice.ts), after the merchant rules.
//
// Only the names "invoice_request" and "signature" are signed (CLN RPC digest
// §3.7). The reply is signature ‖ root ‖ key kind ‖ public key; the keys are
// loaded for this request only and wiped before it returns.
import {
  ERR_BAD_PAYLOAD, ERR_INTERNAL, ERR_NOT_PROVISIONED, ERR_SIGN_FIELD, ERR_SIGN_KEY, ERR_SIGN_NAME,
  ERR_SIGN_STREAM, NODE_ID_SIZE, SIGN_KEY_NODE, SIGN_KEY_PAYER, SIGN_REPLY_OFF_KEY, SIGN_REPLY_OFF_KEY_KIND,
  SIGN_REPLY_OFF_ROOT, SIGN_REPLY_OFF_SIG, SIGN_REPLY_SIZE,
} from "../../../shared/protocol";
import { PROV_OFF_ALIAS_BASE, PROV_OFF_NODE_ID, PROV_OFF_NODE_KEY } from "../../../shared/board";
import {
  BOLT12_ERR_TOO_LONG, BOLT12_ERR_TYPE_RANGE, BOLT12_KIND_INVOICE_REQUEST, BOLT12_MAX_MESSAGE, BOLT12_OK,
} from "../../../shared/bolt12-limits";
import { SECP_OK } from "../../../shared/crypto-status";
import { KEYS_OK } from "../../../shared/keys-status";
import { bip340Sign } from "../../crypto/bip340";
import { pubkeyCreate } from "../../crypto/keys";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvType, tlvValue, tlvValueLen } from "../../bolt12/tlv";
import { typeAllowed } from "../../bolt12/ranges";
import { merkleRootChecked } from "../../bolt12/merkle";
import { signatureMessage } from "../../bolt12/sighash";
import { payerKeyFromBase } from "../../keys/derive";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { copyBytes, fillBytes } from "../bytes";
import { setErrorDetail } from "../dispatch";

// "invoice_request" and "signature".
const NAME_INVREQ: usize = memory.data<u8>([
  0x69, 0x6e, 0x76, 0x6f, 0x69, 0x63, 0x65, 0x5f, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74,
]);
const NAME_SIGNATURE: usize = memory.data<u8>([0x73, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65]);

const T_INVREQ_METADATA: u64 = 0;
const T_INVREQ_PAYER_ID: u64 = 88;

const CURSOR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);
const SIGHASH: usize = memory.data(32, 8);
const PAYER_KEY: usize = memory.data(32, 8);
const PAYER_ID: usize = memory.data(33, 8);
const ZERO_AUX: usize = memory.data(32, 8); // BIP-340 aux_rand = 32 zero bytes, as hsmd

function bytesEqual(a: usize, b: usize, n: usize): bool {
  let d: u32 = 0;
  for (let i: usize = 0; i < n; i++) d |= <u32>(load<u8>(a + i) ^ load<u8>(b + i));
  return d == 0;
}

function refuse(code: i32, detail: u32): i32 {
  fillBytes(PAYER_KEY, 0, 32);
  storeWipeRam();
  setErrorDetail(detail);
  return -code;
}

export function handleSignBolt12(req: usize, len: i32, out: usize): i32 {
  // Layout: mlen u8 | message name | flen u8 | field name | stream.
  if (len < 1) return -ERR_BAD_PAYLOAD;
  const mlen = <i32>load<u8>(req);
  if (1 + mlen + 1 > len) { setErrorDetail(0); return -ERR_BAD_PAYLOAD; }
  const mname = req + 1;
  const flen = <i32>load<u8>(mname + <usize>mlen);
  const fname = mname + <usize>mlen + 1;
  if (2 + mlen + flen > len) { setErrorDetail(<u32>(1 + mlen)); return -ERR_BAD_PAYLOAD; }
  const stream = fname + <usize>flen;
  const slen = <usize>(len - 2 - mlen - flen);

  // Rule: only the names the device signs (CLN RPC digest §3.7); since issue
  // 11 that is invoice_request alone: invoices go through sign_invoice.
  const kind: i32 = BOLT12_KIND_INVOICE_REQUEST;
  if (!(mlen == 15 && bytesEqual(mname, NAME_INVREQ, 15))) { setErrorDetail(1); return -ERR_SIGN_NAME; }
  if (!(flen == 9 && bytesEqual(fname, NAME_SIGNATURE, 9))) { setErrorDetail(2); return -ERR_SIGN_NAME; }

  // Rule: the whole stream is strictly framed and in the message's ranges
  // (detail: status | offset of the offending record << 8).
  if (slen > <usize>BOLT12_MAX_MESSAGE) { setErrorDetail(<u32>BOLT12_ERR_TOO_LONG); return -ERR_SIGN_STREAM; }
  let meta: usize = 0, metaLen: usize = 0, haveMeta = false;
  let payerId: usize = 0, payerIdLen: usize = 0, havePayerId = false;
  tlvBegin(CURSOR, stream, slen);
  for (;;) {
    const at = <usize>load<u32>(CURSOR) - stream; // the cursor's next-record pointer
    const r = tlvNext(CURSOR);
    if (r == TLV_END) break;
    if (r != BOLT12_OK) { setErrorDetail(<u32>r | (<u32>at << 8)); return -ERR_SIGN_STREAM; }
    const t = tlvType(CURSOR);
    if (!typeAllowed(kind, t)) { setErrorDetail(<u32>BOLT12_ERR_TYPE_RANGE | (<u32>at << 8)); return -ERR_SIGN_STREAM; }
    if (t == T_INVREQ_METADATA) { meta = tlvValue(CURSOR); metaLen = tlvValueLen(CURSOR); haveMeta = true; }
    else if (t == T_INVREQ_PAYER_ID) { payerId = tlvValue(CURSOR); payerIdLen = tlvValueLen(CURSOR); havePayerId = true; }
  }
  // The root over the same bytes (the codec re-checks framing and ranges;
  // NO_RECORDS when only signature records are present).
  const root = out + SIGN_REPLY_OFF_ROOT;
  const mr = merkleRootChecked(kind, stream, slen, root);
  if (mr != BOLT12_OK) { setErrorDetail(<u32>mr); return -ERR_SIGN_STREAM; }
  signatureMessage(mname, <usize>mlen, fname, <usize>flen, root, SIGHASH);

  // Rule: the fields the key choice reads are present and well formed.
  if (!haveMeta || metaLen == 0) { setErrorDetail(<u32>T_INVREQ_METADATA); return -ERR_SIGN_FIELD; }
  if (!havePayerId || payerIdLen != <usize>NODE_ID_SIZE) { setErrorDetail(<u32>T_INVREQ_PAYER_ID); return -ERR_SIGN_FIELD; }

  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  const nodeKey = REC + PROV_OFF_NODE_KEY;
  const ourId = REC + PROV_OFF_NODE_ID;
  let key = nodeKey;
  let keyKind: u8 = <u8>SIGN_KEY_NODE;
  if (!bytesEqual(payerId, ourId, NODE_ID_SIZE)) {
    // Rule: invreq_payer_id must be the payer key derived from invreq_metadata.
    const k = payerKeyFromBase(nodeKey, REC + PROV_OFF_ALIAS_BASE, meta, metaLen, PAYER_KEY);
    if (k != KEYS_OK) return refuse(ERR_SIGN_KEY, <u32>T_INVREQ_PAYER_ID);
    if (pubkeyCreate(PAYER_ID, PAYER_KEY) != SECP_OK) return refuse(ERR_INTERNAL, 1);
    if (!bytesEqual(PAYER_ID, payerId, NODE_ID_SIZE)) return refuse(ERR_SIGN_KEY, <u32>T_INVREQ_PAYER_ID);
    key = PAYER_KEY;
    keyKind = <u8>SIGN_KEY_PAYER;
  }
  // BIP-340 with aux_rand = 32 zero bytes (deterministic, as hsmd); bip340Sign
  // verifies its own signature before writing it (SECP_ERR_FAULT otherwise).
  const s = bip340Sign(out + SIGN_REPLY_OFF_SIG, SIGHASH, 32, key, ZERO_AUX);
  if (s != SECP_OK) return refuse(ERR_INTERNAL, <u32>s);
  store<u8>(out + SIGN_REPLY_OFF_KEY_KIND, keyKind);
  copyBytes(out + SIGN_REPLY_OFF_KEY, keyKind == <u8>SIGN_KEY_NODE ? ourId : PAYER_ID, NODE_ID_SIZE);
  fillBytes(PAYER_KEY, 0, 32);
  storeWipeRam();
  return SIGN_REPLY_SIZE;
}

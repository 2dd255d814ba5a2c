// payer_key (MSG_PAYER_KEY, issue 12; docs/protocol.md "payer_key"): the
// public values fetchinvoice needs to build an invoice_request, so the host
// never needs the payer-key base makesecret("node-alias-base"):
//
//   mode 1 PAYER_KEY_METADATA   invreq_metadata → payer public key [33]
//   mode 2 PAYER_KEY_RECURRING  offer_id[32] ‖ recurrence_label →
//        metadata = SHA256(base ‖ offer_id ‖ label) [32] ‖ its payer key [33]
//
// The keys come from the same derivation sign_bolt12 checks the request's
// invreq_payer_id against (device/keys/derive.ts payerTweakFromBase,
// payerKeyFromBase; CLN digest §4.3, §7.4), so every key this returns is one
// sign_bolt12 signs with. Only public values leave (docs/threat-model.md):
// the public key of a key the device would sign an invoice_request with
// anyway, and a one-way hash of the base that the request carries in clear.
// The base and the private keys are loaded for this request only and wiped
// before it returns; the hash and the key arithmetic run in constant time
// (lengths are public). No allocation; every length is checked before use.
import {
  ERR_BAD_PAYLOAD, ERR_INTERNAL, ERR_NOT_PROVISIONED, ERR_SIGN_KEY, OFFER_ID_SIZE,
  PAYER_KEY_LABEL_MAX, PAYER_KEY_METADATA, PAYER_KEY_METADATA_MAX, PAYER_KEY_RECURRING,
  PAYER_KEY_REPLY_METADATA, PAYER_KEY_REPLY_RECURRING,
} from "../../../shared/protocol";
import { PROV_OFF_ALIAS_BASE, PROV_OFF_NODE_KEY } from "../../../shared/board";
import { SECP_OK } from "../../../shared/crypto-status";
import { KEYS_OK } from "../../../shared/keys-status";
import { pubkeyCreate } from "../../crypto/keys";
import { payerKeyFromBase, payerTweakFromBase } from "../../keys/derive";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { fillBytes } from "../bytes";
import { refuse } from "../dispatch";

/** Payer private key of this request (wiped before returning). */
const PAYER_PRIV: usize = memory.data(32, 8);

function done(r: i32): i32 {
  fillBytes(PAYER_PRIV, 0, 32);
  storeWipeRam();
  return r;
}

/** The payer public key of `meta` (metaLen bytes) to out33; KEYS_OK or a refusal (negative). */
function payerPublic(meta: usize, metaLen: usize, out33: usize): i32 {
  // CLN digest §7.4: payer_priv = node_priv + SHA256(base ‖ metadata) mod n.
  const k = payerKeyFromBase(REC + PROV_OFF_NODE_KEY, REC + PROV_OFF_ALIAS_BASE, meta, metaLen, PAYER_PRIV);
  if (k != KEYS_OK) return refuse(ERR_SIGN_KEY, 0);
  const s = pubkeyCreate(out33, PAYER_PRIV);
  if (s != SECP_OK) return refuse(ERR_INTERNAL, <u32>s);
  return KEYS_OK;
}

export function handlePayerKey(req: usize, len: i32, out: usize): i32 {
  // Layout: mode u8 | data (detail 0: the mode or the data length is wrong).
  if (len < 1) return refuse(ERR_BAD_PAYLOAD, 0);
  const mode = <i32>load<u8>(req);
  const data = req + 1;
  const n = len - 1;
  if (mode == PAYER_KEY_METADATA) {
    // Rule: invreq_metadata is non-empty (sign_bolt12 refuses an empty one)
    // and fits in a stream sign_bolt12 would sign.
    if (n < 1 || n > PAYER_KEY_METADATA_MAX) return refuse(ERR_BAD_PAYLOAD, 1);
    if (!storeLoad()) return done(-ERR_NOT_PROVISIONED);
    const r = payerPublic(data, <usize>n, out);
    if (r != KEYS_OK) return done(r);
    return done(PAYER_KEY_REPLY_METADATA);
  }
  if (mode == PAYER_KEY_RECURRING) {
    // Rule: offer_id is 32 bytes and the label at most PAYER_KEY_LABEL_MAX.
    if (n < OFFER_ID_SIZE || n > OFFER_ID_SIZE + PAYER_KEY_LABEL_MAX) return refuse(ERR_BAD_PAYLOAD, 2);
    if (!storeLoad()) return done(-ERR_NOT_PROVISIONED);
    // CLN digest §4.3: the metadata of every period of (offer, label) is
    // SHA256(base ‖ offer_id ‖ label): offer_id ‖ label lie contiguous in the
    // payload, so it is the payer-key tweak hash of those bytes.
    payerTweakFromBase(REC + PROV_OFF_ALIAS_BASE, data, <usize>n, out);
    const r = payerPublic(out, 32, out + 32);
    if (r != KEYS_OK) { fillBytes(out, 0, 32); return done(r); }
    return done(PAYER_KEY_REPLY_RECURRING);
  }
  return refuse(ERR_BAD_PAYLOAD, 0);
}


// offer_create (docs/protocol.md "offer_create"; docs/firmware/merchant.md):
// completes an offer the host built with the two fields only the device can
// set — offer_metadata (4) = nonce ‖ MAC and offer_issuer_id (22) = the node
// id (node-key mode) or issuer_key(nonce)'s public key (device-key mode) —
// inserted in type order. The MAC covers every other offer record, the
// issuer id included, so sign_invoice later recognises the offer as ours
// without any storage.
import {
  ERR_BAD_PAYLOAD, ERR_ENTROPY, ERR_NOT_PROVISIONED, ERR_OFFER_FIELD, ERR_SIGN_STREAM, NODE_ID_SIZE,
  OFFER_FLAG_DEVICE_KEY, OFFER_METADATA_SIZE, OFFER_NONCE_SIZE,
} from "../../../shared/protocol";
import { PROV_OFF_NODE_ID, PROV_OFF_NODE_KEY } from "../../../shared/board";
import { BOLT12_ERR_TOO_LONG, BOLT12_KIND_OFFER, BOLT12_MAX_MESSAGE, BOLT12_OK } from "../../../shared/bolt12-limits";
import { hal_entropy } from "../../hal";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvRecord, tlvRecordLen, tlvType } from "../../bolt12/tlv";
import { typeAllowed } from "../../bolt12/ranges";
import { REC, storeLoad, storeWipeRam } from "../../keys/store";
import { deriveNonce, issuerKey, merchantKeysLoad, merchantKeysWipe } from "../../merchant/keys";
import { offerMac } from "../../merchant/offer-mac";
import { copyBytes, fillBytes } from "../bytes";
import { setErrorDetail } from "../dispatch";

const CUR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);
const ENTROPY: usize = memory.data(32, 8);
const ISSUER_PUB: usize = memory.data(33, 8);
/** Records 4 (2 + 48 bytes) and 22 (2 + 33 bytes) the device adds. */
const ADDED: usize = 2 + OFFER_METADATA_SIZE + 2 + NODE_ID_SIZE;

function done(code: i32, d: u32): i32 {
  merchantKeysWipe();
  storeWipeRam();
  fillBytes(ENTROPY, 0, 32);
  setErrorDetail(d);
  return -code;
}

export function handleOfferCreate(req: usize, len: i32, out: usize): i32 {
  // Layout: flags u8 | offer TLV stream without types 4 and 22.
  if (len < 1) return -ERR_BAD_PAYLOAD;
  const flags = load<u8>(req);
  if ((flags & ~(<u8>OFFER_FLAG_DEVICE_KEY)) != 0) { setErrorDetail(0); return -ERR_BAD_PAYLOAD; }
  const stream = req + 1;
  const slen = <usize>(len - 1);
  // The completed offer must stay within the BOLT 12 codec's 8192 bytes.
  if (slen + ADDED > <usize>BOLT12_MAX_MESSAGE) { setErrorDetail(<u32>BOLT12_ERR_TOO_LONG); return -ERR_SIGN_STREAM; }
  tlvBegin(CUR, stream, slen);
  for (;;) {
    const at = <usize>load<u32>(CUR) - stream;
    const r = tlvNext(CUR);
    if (r == TLV_END) break;
    // BOLT 1 framing (detail: status | offset << 8, as sign_bolt12).
    if (r != BOLT12_OK) { setErrorDetail(<u32>r | (<u32>at << 8)); return -ERR_SIGN_STREAM; }
    const t = tlvType(CUR);
    // The device sets offer_metadata and offer_issuer_id itself; BOLT 12: an
    // offer holds only types 1..79 and 1000000000..1999999999.
    if (t == 4 || t == 22 || !typeAllowed(BOLT12_KIND_OFFER, t)) {
      setErrorDetail(t > 0xffffffff ? 0xffffffff : <u32>t);
      return -ERR_OFFER_FIELD;
    }
  }
  if (!storeLoad()) return -ERR_NOT_PROVISIONED;
  merchantKeysLoad(REC + PROV_OFF_NODE_KEY);
  const device = (flags & <u8>OFFER_FLAG_DEVICE_KEY) != 0;
  if (hal_entropy(ENTROPY, 32) != 0) return done(ERR_ENTROPY, 1);

  // Write the offer: the host's records with 4 and 22 inserted in type order;
  // the nonce goes in now, the MAC (over the finished stream) below.
  let metaAt: usize = 0;
  let o = out;
  let put4 = false, put22 = false;
  tlvBegin(CUR, stream, slen);
  for (;;) {
    const r = tlvNext(CUR);
    const t = r == TLV_END ? <u64>0xffffffffffffffff : tlvType(CUR);
    if (!put4 && t > 4) {
      store<u8>(o, 4); store<u8>(o + 1, <u8>OFFER_METADATA_SIZE);
      metaAt = o + 2;
      o += 2 + <usize>OFFER_METADATA_SIZE;
      put4 = true;
    }
    if (!put22 && t > 22) {
      store<u8>(o, 22); store<u8>(o + 1, <u8>NODE_ID_SIZE);
      if (device) {
        let ok = false;
        // issuer_key(nonce) must be a valid scalar: else the next nonce.
        for (let c: u8 = 0; c < 8 && !ok; c++) {
          deriveNonce(ENTROPY, req, <usize>len, c, metaAt);
          ok = issuerKey(metaAt, ISSUER_PUB);
        }
        if (!ok) return done(ERR_ENTROPY, 1);
        copyBytes(o + 2, ISSUER_PUB, NODE_ID_SIZE);
      } else {
        deriveNonce(ENTROPY, req, <usize>len, 0, metaAt);
        copyBytes(o + 2, REC + PROV_OFF_NODE_ID, NODE_ID_SIZE);
      }
      o += 2 + <usize>NODE_ID_SIZE;
      put22 = true;
    }
    if (r == TLV_END) break;
    const rl = tlvRecordLen(CUR);
    copyBytes(o, tlvRecord(CUR), rl);
    o += rl;
  }
  // MAC = HMAC-SHA256(mac_key, nonce ‖ every offer record except type 4).
  offerMac(metaAt, out, o - out, metaAt + <usize>OFFER_NONCE_SIZE);
  const n = <i32>(o - out);
  merchantKeysWipe();
  storeWipeRam();
  fillBytes(ENTROPY, 0, 32);
  return n;
}

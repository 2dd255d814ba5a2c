// offer_metadata (type 4) = nonce[16] ‖ MAC[32], the device's mark on its own
// offers (docs/firmware/merchant.md "Offer MAC"; issue 11 design):
//
//   MAC = HMAC-SHA256(mac_key, nonce ‖ every offer record except type 4, in
//         stream order, as encoded: type ‖ length ‖ value)
//
// where the offer records are those in the offer ranges 1..79 and
// 1000000000..1999999999. The same function reads an offer (offer_create)
// and the offer part mirrored in an invoice (sign_invoice, release_preimage),
// so the device recognises its offers without storing them: any change to an
// offer field, offer_issuer_id included, breaks the MAC.
import { BOLT12_KIND_OFFER, BOLT12_OK } from "../../shared/bolt12-limits";
import { OFFER_METADATA_SIZE, OFFER_NONCE_SIZE } from "../../shared/protocol";
import { HMAC_CTX_SIZE, hmacSha256Final, hmacSha256Init, hmacSha256Update, hmacSha256Wipe } from "../crypto/hmac";
import { TLV_CURSOR_SIZE, TLV_END, tlvBegin, tlvNext, tlvRecord, tlvRecordLen, tlvType } from "../bolt12/tlv";
import { typeAllowed } from "../bolt12/ranges";
import { MAC_KEY } from "./keys";

const CUR: usize = memory.data(<i32>TLV_CURSOR_SIZE, 8);
const CTX: usize = memory.data(<i32>HMAC_CTX_SIZE, 8);
const MAC: usize = memory.data(32, 8);

const T_OFFER_METADATA: u64 = 4;

/**
 * The MAC of the offer records of `stream` (any message kind; records outside
 * the offer ranges and type 4 are skipped) under `nonce` (16 bytes) → out32.
 * False when the stream does not frame (callers have checked it already).
 * Needs merchantKeysLoad.
 */
export function offerMac(nonce: usize, stream: usize, len: usize, out32: usize): bool {
  hmacSha256Init(CTX, MAC_KEY, 32);
  hmacSha256Update(CTX, nonce, <usize>OFFER_NONCE_SIZE);
  tlvBegin(CUR, stream, len);
  let ok = true;
  for (;;) {
    const r = tlvNext(CUR);
    if (r == TLV_END) break;
    if (r != BOLT12_OK) { ok = false; break; }
    const t = tlvType(CUR);
    if (t == T_OFFER_METADATA || !typeAllowed(BOLT12_KIND_OFFER, t)) continue;
    hmacSha256Update(CTX, tlvRecord(CUR), tlvRecordLen(CUR));
  }
  hmacSha256Final(CTX, out32);
  hmacSha256Wipe(CTX);
  return ok;
}

/** Constant-time equality of n bytes (MACs, preimage hashes, path ids). */
export function ctEqual(a: usize, b: usize, n: usize): bool {
  let d: u32 = 0;
  for (let i: usize = 0; i < n; i++) d |= <u32>(load<u8>(a + i) ^ load<u8>(b + i));
  return d == 0;
}

/** True when `meta` (metaLen bytes, the offer_metadata value) is 48 bytes and
 *  its last 32 are the MAC of `stream`'s offer records under its first 16. */
export function offerMacVerify(meta: usize, metaLen: usize, stream: usize, len: usize): bool {
  if (metaLen != <usize>OFFER_METADATA_SIZE) return false;
  if (!offerMac(meta, stream, len, MAC)) return false;
  const ok = ctEqual(MAC, meta + <usize>OFFER_NONCE_SIZE, 32);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(MAC + i, 0);
  return ok;
}

// The merchant's keys, all derived from the node key on the device for one
// request and wiped before it returns (docs/firmware/merchant.md "Keys";
// design of issue 11). Nothing new is stored:
//
//   offer_root   = HMAC-SHA256(node_key, "lnsigner offer root")
//   mac_key      = HMAC-SHA256(offer_root, "mac")
//   issuer_key(nonce) = HMAC-SHA256(offer_root, "issuer" ‖ nonce)  (a scalar, 0 < k < n)
//   preimage_key = HMAC-SHA256(offer_root, "preimage")
//   path_id_key  = HMAC-SHA256(offer_root, "path_id")
//   preimage(invreq_root)  = HMAC-SHA256(preimage_key, invreq_root)
//   path_id(payment_hash)  = HMAC-SHA256(path_id_key, payment_hash)
//   preimage_no_offer(invreq_root, created_at, amount)
//                = HMAC-SHA256(preimage_key, "no offer" ‖ invreq_root ‖ created_at u64be ‖ amount u64be)
//
// The no-offer preimage is for invoices answering someone else's bare
// invoice_request (sendinvoice): the same request may be answered more than
// once (new label, other amount), and a payment hash must never repeat once
// its preimage is out, so the invoice's created_at and amount enter it; the
// tag keeps it apart from the offer derivation.
//
// HMAC-SHA256(key, message). The buffers below hold secrets only between
// merchantKeysLoad and merchantKeysWipe.
import { OFFER_NONCE_SIZE } from "../../shared/protocol";
import { HMAC_CTX_SIZE, hmacSha256, hmacSha256Final, hmacSha256Init, hmacSha256Update, hmacSha256Wipe } from "../crypto/hmac";
import { pubkeyCreate, seckeyLoad } from "../crypto/keys";
import { wipe } from "../crypto/scalar";
import { SECP_OK } from "../../shared/crypto-status";

const L_ROOT: usize = memory.data<u8>([
  0x6c, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72, 0x20, 0x6f, 0x66, 0x66, 0x65, 0x72, 0x20, 0x72, 0x6f, 0x6f, 0x74,
]); // "lnsigner offer root" (19 bytes)
const L_MAC: usize = memory.data<u8>([0x6d, 0x61, 0x63]); // "mac"
const L_ISSUER: usize = memory.data<u8>([0x69, 0x73, 0x73, 0x75, 0x65, 0x72]); // "issuer"
const L_PREIMAGE: usize = memory.data<u8>([0x70, 0x72, 0x65, 0x69, 0x6d, 0x61, 0x67, 0x65]); // "preimage"
const L_NONCE: usize = memory.data<u8>([0x6e, 0x6f, 0x6e, 0x63, 0x65]); // "nonce"
const L_NO_OFFER: usize = memory.data<u8>([0x6e, 0x6f, 0x20, 0x6f, 0x66, 0x66, 0x65, 0x72]); // "no offer"
const L_PATH_ID: usize = memory.data<u8>([0x70, 0x61, 0x74, 0x68, 0x5f, 0x69, 0x64]); // "path_id"

const ROOT: usize = memory.data(32, 8);
export const MAC_KEY: usize = memory.data(32, 8);
const PREIMAGE_KEY: usize = memory.data(32, 8);
const PATH_ID_KEY: usize = memory.data(32, 8);
/** issuer_key(nonce) after issuerKey() (32 bytes, secret). */
export const ISSUER_KEY: usize = memory.data(32, 8);
const SC: usize = memory.data(32, 8);
const HCTX: usize = memory.data(<i32>HMAC_CTX_SIZE, 8);

/** Derives offer_root and the three fixed keys from the 32-byte node key. */
export function merchantKeysLoad(nodeKey: usize): void {
  hmacSha256(nodeKey, 32, L_ROOT, 19, ROOT);
  hmacSha256(ROOT, 32, L_MAC, 3, MAC_KEY);
  hmacSha256(ROOT, 32, L_PREIMAGE, 8, PREIMAGE_KEY);
  hmacSha256(ROOT, 32, L_PATH_ID, 7, PATH_ID_KEY);
}

/** Wipes every merchant key (every request that loaded them calls it). */
export function merchantKeysWipe(): void {
  wipe(ROOT, 32); wipe(MAC_KEY, 32); wipe(PREIMAGE_KEY, 32); wipe(PATH_ID_KEY, 32);
  wipe(ISSUER_KEY, 32); wipe(SC, 32);
  hmacSha256Wipe(HCTX);
}

/**
 * issuer_key(nonce) into ISSUER_KEY and its compressed public key into
 * `pub33`. False when the HMAC output is not a valid secret key (0 or ≥ n,
 * probability ~2^-128): offer_create draws another nonce, sign_invoice
 * refuses (no offer of ours carries such a nonce).
 */
export function issuerKey(nonce: usize, pub33: usize): bool {
  hmacSha256Init(HCTX, ROOT, 32);
  hmacSha256Update(HCTX, L_ISSUER, 6);
  hmacSha256Update(HCTX, nonce, <usize>OFFER_NONCE_SIZE);
  hmacSha256Final(HCTX, ISSUER_KEY);
  hmacSha256Wipe(HCTX);
  const ok = seckeyLoad(SC, ISSUER_KEY) != 0;
  wipe(SC, 32);
  return ok && pubkeyCreate(pub33, ISSUER_KEY) == SECP_OK;
}

/** preimage(invreq_root) = HMAC-SHA256(preimage_key, invreq_root) → out32. */
export function derivePreimage(invreqRoot: usize, out32: usize): void {
  hmacSha256(PREIMAGE_KEY, 32, invreqRoot, 32, out32);
}

const NUM: usize = memory.data(16, 8);

/** preimage_no_offer(invreq_root, created_at, amount) = HMAC-SHA256(preimage_key,
 *  "no offer" ‖ invreq_root ‖ created_at u64be ‖ amount u64be) → out32. */
export function derivePreimageNoOffer(invreqRoot: usize, createdAt: u64, amount: u64, out32: usize): void {
  store<u64>(NUM, bswap<u64>(createdAt));
  store<u64>(NUM + 8, bswap<u64>(amount));
  hmacSha256Init(HCTX, PREIMAGE_KEY, 32);
  hmacSha256Update(HCTX, L_NO_OFFER, 8);
  hmacSha256Update(HCTX, invreqRoot, 32);
  hmacSha256Update(HCTX, NUM, 16);
  hmacSha256Final(HCTX, out32);
  hmacSha256Wipe(HCTX);
}

/** path_id(payment_hash) = HMAC-SHA256(path_id_key, payment_hash) → out32. */
export function derivePathId(paymentHash: usize, out32: usize): void {
  hmacSha256(PATH_ID_KEY, 32, paymentHash, 32, out32);
}

const CTR: usize = memory.data(4, 4);
const NBUF: usize = memory.data(32, 8);

/**
 * An offer's nonce (16 bytes → out): the first 16 bytes of
 * HMAC-SHA256(offer_root, "nonce" ‖ entropy[32] ‖ request ‖ counter u8). The
 * hardware entropy makes it fresh; keyed by offer_root and bound to the
 * request, distinct requests still get distinct nonces (so distinct issuer
 * keys) if the RNG were stuck, and the host cannot choose it.
 */
export function deriveNonce(entropy: usize, msg: usize, msgLen: usize, counter: u8, out16: usize): void {
  hmacSha256Init(HCTX, ROOT, 32);
  hmacSha256Update(HCTX, L_NONCE, 5);
  hmacSha256Update(HCTX, entropy, 32);
  hmacSha256Update(HCTX, msg, msgLen);
  store<u8>(CTR, counter);
  hmacSha256Update(HCTX, CTR, 1);
  hmacSha256Final(HCTX, NBUF);
  hmacSha256Wipe(HCTX);
  for (let i: usize = 0; i < <usize>OFFER_NONCE_SIZE; i++) store<u8>(out16 + i, load<u8>(NBUF + i));
  wipe(NBUF, 32);
}

// Payloads of the merchant requests offer_create, sign_invoice and
// release_preimage (docs/protocol.md; shared/protocol.ts), and the host's
// @noble re-check of everything the device returns before it is used: the
// completed offer keeps every host record byte for byte; the invoice
// signature verifies over the host's own merkle root under invoice_node_id;
// the preimage hashes to invoice_payment_hash. A reply that does not check
// out is SignatureVerificationError, never a result.
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../../shared/protocol.js';
import { secp } from '../crypto/noble.js';
import { merkleRoot, signatureMessage } from '../bolt12/merkle.js';
import { encodeTlvStream, readTlvRecords } from '../bolt12/tlv.js';
import { isValidPoint } from '../bolt12/wire.js';
import { SignatureVerificationError } from './requests.js';

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const cat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

// ---- offer_create ------------------------------------------------------------------

export interface OfferCreateRequest {
  /** Device-key mode: offer_issuer_id = a key derived on the device from the
   *  offer's nonce; false: the node id (node-key mode). */
  deviceKey: boolean;
  /** The offer TLV stream without offer_metadata (4) and offer_issuer_id (22). */
  offerTlv: Uint8Array;
}

export interface CreatedOffer {
  /** The complete offer TLV stream (4 and 22 inserted in type order). */
  offerTlv: Uint8Array;
  /** offer_metadata: nonce[16] ‖ MAC[32]. */
  metadata: Uint8Array;
  nonce: Uint8Array;
  /** offer_issuer_id (33 bytes). */
  issuerId: Uint8Array;
}

export function encodeOfferCreate(r: OfferCreateRequest): Uint8Array {
  return cat([Uint8Array.of(r.deviceKey ? P.OFFER_FLAG_DEVICE_KEY : 0), r.offerTlv]);
}

/** Checks an offer_create reply: the host's records unchanged and in order,
 *  plus a 48-byte offer_metadata and a valid 33-byte offer_issuer_id (the
 *  node id in node-key mode when `nodeId` is given, anything else in device-key mode). */
export function verifyOfferCreateReply(r: OfferCreateRequest, reply: Uint8Array, nodeId?: Uint8Array): CreatedOffer {
  let recs;
  try {
    recs = readTlvRecords(reply);
  } catch (e) {
    throw new SignatureVerificationError(`offer_create reply does not parse: ${(e as Error).message}`);
  }
  const meta = recs.find((x) => x.type === 4n)?.value;
  const issuer = recs.find((x) => x.type === 22n)?.value;
  if (!meta || meta.length !== P.OFFER_METADATA_SIZE) throw new SignatureVerificationError('offer_create reply: offer_metadata is not 48 bytes');
  if (!issuer || issuer.length !== 33) throw new SignatureVerificationError('offer_create reply: no 33-byte offer_issuer_id');
  if (!isValidPoint(issuer)) throw new SignatureVerificationError('offer_create reply: offer_issuer_id is not a point');
  if (!r.deviceKey && nodeId && !eq(issuer, nodeId)) throw new SignatureVerificationError('offer_create reply: node-key offer whose issuer id is not the node id');
  if (r.deviceKey && nodeId && eq(issuer, nodeId)) throw new SignatureVerificationError('offer_create reply: device-key offer issued by the node id');
  const others = recs.filter((x) => x.type !== 4n && x.type !== 22n);
  const theirs = readTlvRecords(r.offerTlv);
  if (others.length !== theirs.length || others.some((x, i) => !eq(x.raw, theirs[i].raw))) {
    throw new SignatureVerificationError('offer_create reply changed the host\'s offer records');
  }
  return { offerTlv: reply, metadata: meta, nonce: meta.slice(0, P.OFFER_NONCE_SIZE), issuerId: issuer };
}

// ---- sign_invoice -------------------------------------------------------------------

/** The proof of one invoice path: its secret e0 and the clear node ids, introduction first. */
export interface PathProof {
  e0: Uint8Array;
  nodeIds: Uint8Array[];
}

export interface SignInvoiceRequest {
  /** The payer's BIP-340 signature of the invoice_request (its type 240). */
  invreqSignature: Uint8Array;
  /** One proof per invoice path, in invoice_paths order. */
  proofs: PathProof[];
  /** The complete unsigned invoice TLV stream. */
  invoiceTlv: Uint8Array;
}

export interface InvoiceSignature {
  signature: Uint8Array;
  merkleRoot: Uint8Array;
  /** The node key (node-key offers) or the offer's issuer key (device-key offers). */
  keyKind: 'node' | 'issuer';
  /** = invoice_node_id = offer_issuer_id. */
  publicKey: Uint8Array;
  /** The signed invoice: the stream with its signature (240) inserted. */
  signedInvoice: Uint8Array;
}

export function encodeSignInvoice(r: SignInvoiceRequest): Uint8Array {
  if (r.invreqSignature.length !== 64) throw new Error('invreq signature must be 64 bytes');
  if (r.proofs.length > 255) throw new Error('at most 255 path proofs');
  const parts: Uint8Array[] = [r.invreqSignature, Uint8Array.of(r.proofs.length)];
  for (const p of r.proofs) {
    if (p.e0.length !== 32) throw new Error('path proof e0 must be 32 bytes');
    if (p.nodeIds.length > 255 || p.nodeIds.some((n) => n.length !== 33)) throw new Error('path proof: up to 255 node ids of 33 bytes');
    parts.push(p.e0, Uint8Array.of(p.nodeIds.length), ...p.nodeIds);
  }
  parts.push(r.invoiceTlv);
  return cat(parts);
}

/** The invoice stream with its signature record (240) in type order. */
export function withSignature(invoiceTlv: Uint8Array, signature: Uint8Array): Uint8Array {
  const recs = readTlvRecords(invoiceTlv).filter((x) => x.type !== 240n).map((x) => ({ type: x.type, value: x.value }));
  return encodeTlvStream([...recs, { type: 240n, value: signature }]);
}

/** Checks a sign_invoice reply: the host's merkle root, the key = invoice_node_id,
 *  and BIP-340 over H("lightning" ‖ "invoice" ‖ "signature", root). */
export function verifySignInvoiceReply(invoiceTlv: Uint8Array, reply: Uint8Array): InvoiceSignature {
  if (reply.length < P.SIGN_REPLY_SIZE) throw new SignatureVerificationError(`sign_invoice reply of ${reply.length} bytes`);
  const signature = reply.slice(P.SIGN_REPLY_OFF_SIG, P.SIGN_REPLY_OFF_SIG + 64);
  const root = reply.slice(P.SIGN_REPLY_OFF_ROOT, P.SIGN_REPLY_OFF_ROOT + 32);
  const kind = reply[P.SIGN_REPLY_OFF_KEY_KIND];
  const publicKey = reply.slice(P.SIGN_REPLY_OFF_KEY, P.SIGN_REPLY_OFF_KEY + 33);
  if (kind !== P.SIGN_KEY_NODE && kind !== P.SIGN_KEY_ISSUER) throw new SignatureVerificationError(`unknown key kind ${kind}`);
  let ourRoot: Uint8Array;
  let nodeId: Uint8Array | undefined;
  try {
    ourRoot = merkleRoot(invoiceTlv);
    nodeId = readTlvRecords(invoiceTlv).find((x) => x.type === 176n)?.value;
  } catch (e) {
    throw new SignatureVerificationError(`the device signed an invoice the host cannot read: ${(e as Error).message}`);
  }
  if (!eq(ourRoot, root)) throw new SignatureVerificationError(`device merkle root ${hex(root)} differs from the host's ${hex(ourRoot)}`);
  if (!nodeId || nodeId.length !== 33 || !eq(nodeId, publicKey)) throw new SignatureVerificationError('device signed with a key other than invoice_node_id');
  let ok = false;
  try {
    ok = secp.schnorr.verify(signature, signatureMessage('invoice', 'signature', ourRoot), nodeId.subarray(1));
  } catch {
    ok = false;
  }
  if (!ok) throw new SignatureVerificationError(`device invoice signature does not verify under ${hex(nodeId)}`);
  return {
    signature, merkleRoot: root, keyKind: kind === P.SIGN_KEY_NODE ? 'node' : 'issuer', publicKey,
    signedInvoice: withSignature(invoiceTlv, signature),
  };
}

// ---- release_preimage -----------------------------------------------------------------

export interface ReleasePreimageRequest {
  /** What arrived for the invoice (all parts), msat. */
  amountMsat: bigint;
  /** The signed invoice TLV stream (with its signature 240). */
  invoiceTlv: Uint8Array;
}

export function encodeReleasePreimage(r: ReleasePreimageRequest): Uint8Array {
  if (r.amountMsat < 0n || r.amountMsat >= 1n << 64n) throw new Error('amount out of range');
  const head = new Uint8Array(P.RELEASE_OFF_STREAM);
  new DataView(head.buffer).setBigUint64(P.RELEASE_OFF_AMOUNT, r.amountMsat, true);
  return cat([head, r.invoiceTlv]);
}

/** Checks a release_preimage reply: SHA256(preimage) = invoice_payment_hash. */
export function verifyPreimage(invoiceTlv: Uint8Array, reply: Uint8Array): Uint8Array {
  if (reply.length < P.RELEASE_REPLY_SIZE) throw new SignatureVerificationError(`release_preimage reply of ${reply.length} bytes`);
  const preimage = reply.slice(0, P.RELEASE_REPLY_SIZE);
  const hash = readTlvRecords(invoiceTlv).find((x) => x.type === 168n)?.value;
  if (!hash || !eq(sha256(preimage), hash)) throw new SignatureVerificationError('the device\'s preimage does not hash to invoice_payment_hash');
  return preimage;
}

// ---- payment_hash ---------------------------------------------------------------------

export interface InvoiceHashes {
  /** invoice_payment_hash (168) of the invoice answering this request. */
  paymentHash: Uint8Array;
  /** The path_id the final hop of each of its payment paths must carry. */
  pathId: Uint8Array;
}

/** Decodes a payment_hash reply (payment_hash[32] ‖ path_id[32]). */
export function decodePaymentHashReply(reply: Uint8Array): InvoiceHashes {
  if (reply.length < P.PAYMENT_HASH_REPLY_SIZE) throw new SignatureVerificationError(`payment_hash reply of ${reply.length} bytes`);
  return { paymentHash: reply.slice(0, 32), pathId: reply.slice(32, 64) };
}

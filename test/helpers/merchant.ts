// Shared by test/device-merchant*.test.ts: an independent @noble model of the
// merchant keys (docs/firmware/merchant.md), and builders of offers, signed
// invoice_requests and invoices with blinded payment paths (host/blinding,
// e0 chosen by the test) as a merchant host would send them to sign_invoice.
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../../host/crypto/noble.js';
import { merkleRoot, signatureMessage } from '../../host/bolt12/merkle.js';
import { encodeTlvStream, readTlvRecords, type TlvEntry } from '../../host/bolt12/tlv.js';
import { buildBlindedPath, encodeBlindedPath, type EncryptedData } from '../../host/blinding/index.js';
import type { PathProof } from '../../host/device-client/merchant-requests.js';
import { ascii, cat } from './bytes.js';

/** The hsm_secret the merchant tests provision (32-byte legacy file). */
export const HSM_SECRET = sha256(ascii('lnsigner merchant tests'));
/** CLN's node key: HKDF-SHA256(ikm = secret, salt = u32le 0, info = "nodeid") (CLN RPC digest §7.2). */
export const NODE_PRIV = hkdf(sha256, HSM_SECRET, new Uint8Array(4), ascii('nodeid'), 32);
export const NODE_ID = secp.getPublicKey(NODE_PRIV, true);

const H = (key: Uint8Array, msg: Uint8Array) => hmac(sha256, key, msg);
export const OFFER_ROOT = H(NODE_PRIV, ascii('lnsigner offer root'));
export const MAC_KEY = H(OFFER_ROOT, ascii('mac'));
export const PREIMAGE_KEY = H(OFFER_ROOT, ascii('preimage'));
export const PATH_ID_KEY = H(OFFER_ROOT, ascii('path_id'));
export const issuerPriv = (nonce: Uint8Array) => H(OFFER_ROOT, cat(ascii('issuer'), nonce));
export const issuerId = (nonce: Uint8Array) => secp.getPublicKey(issuerPriv(nonce), true);
export const preimageOf = (invreqRoot: Uint8Array) => H(PREIMAGE_KEY, invreqRoot);
export const pathIdOf = (paymentHash: Uint8Array) => H(PATH_ID_KEY, paymentHash);
/** The no-offer preimage (sendinvoice): HMAC(preimage_key, "no offer" ‖ root ‖ created_at u64be ‖ amount u64be). */
export function preimageNoOfferOf(invreqRoot: Uint8Array, createdAt: number | bigint, amount: bigint): Uint8Array {
  const n = new Uint8Array(16);
  const dv = new DataView(n.buffer);
  dv.setBigUint64(0, BigInt(createdAt));
  dv.setBigUint64(8, amount);
  return H(PREIMAGE_KEY, cat(ascii('no offer'), invreqRoot, n));
}

const inOfferRange = (t: bigint) => (t >= 1n && t <= 79n) || (t >= 1000000000n && t <= 1999999999n);
const inInvreqRange = (t: bigint) => t <= 159n || (t >= 1000000000n && t <= 2999999999n);

/** MAC = HMAC(mac_key, nonce ‖ every offer record but type 4, as encoded). */
export function offerMacRef(nonce: Uint8Array, stream: Uint8Array): Uint8Array {
  const recs = readTlvRecords(stream).filter((r) => r.type !== 4n && inOfferRange(r.type));
  return H(MAC_KEY, cat(nonce, ...recs.map((r) => r.raw)));
}

/** BOLT 1 tu64 / tu32: minimal big-endian. */
export function tu(v: bigint | number): Uint8Array {
  let n = BigInt(v);
  const out: number[] = [];
  while (n > 0n) { out.unshift(Number(n & 0xffn)); n >>= 8n; }
  return Uint8Array.from(out);
}

export type Rec = TlvEntry;
export const rec = (type: bigint | number, value: Uint8Array): Rec => ({ type: BigInt(type), value });
export const stream = (recs: Rec[]) => encodeTlvStream(recs);
export const records = (s: Uint8Array): Rec[] => readTlvRecords(s).map((r) => ({ type: r.type, value: r.value }));
/** `s` with record `type` set (added / replaced) or removed (null). */
export function setRec(s: Uint8Array, type: bigint | number, value: Uint8Array | null): Uint8Array {
  const rest = records(s).filter((r) => r.type !== BigInt(type));
  return stream(value === null ? rest : [...rest, rec(type, value)]);
}
export const getRec = (s: Uint8Array, type: bigint | number) => records(s).find((r) => r.type === BigInt(type))?.value;

export const PAYER_PRIV = sha256(ascii('merchant test payer'));
export const PAYER_ID = secp.getPublicKey(PAYER_PRIV, true);

/** An invoice_request for `offer` (its records copied) plus the payer's own, signed by the payer. */
export function invoiceRequest(offer: Uint8Array, own: Rec[] = [], payerPriv = PAYER_PRIV): { invreq: Uint8Array; signature: Uint8Array; root: Uint8Array } {
  const invreq = stream([
    rec(0, sha256(cat(ascii('metadata'), offer, ...own.map((r) => r.value))).slice(0, 16)),
    ...records(offer), rec(88, secp.getPublicKey(payerPriv, true)), ...own,
  ]);
  const root = merkleRoot(invreq);
  const signature = secp.schnorr.sign(signatureMessage('invoice_request', 'signature', root), payerPriv, new Uint8Array(32));
  return { invreq, signature, root };
}

export interface PathSpec {
  /** Clear node ids, introduction first; the last is normally NODE_ID. */
  nodes: Uint8Array[];
  e0: Uint8Array;
  /** Override the final hop's path_id (default: the device's path_id of the payment hash). */
  pathId?: Uint8Array;
  /** Override the first hop's data (a non-final hop). */
  firstHopData?: EncryptedData;
}

const relay = { cltvExpiryDelta: 40, feeProportionalMillionths: 100, feeBaseMsat: 1000 };
const constraints = { maxCltvExpiry: 900000, htlcMinimumMsat: 1n };

/** One blinded payment path (encoded) and its proof. */
export function paymentPath(spec: PathSpec, paymentHash: Uint8Array): { encoded: Uint8Array; proof: PathProof } {
  const hops = spec.nodes.map((nodeId, i): { nodeId: Uint8Array; data: EncryptedData } => (i + 1 < spec.nodes.length
    ? { nodeId, data: (i === 0 ? spec.firstHopData : undefined) ?? { nextNodeId: spec.nodes[i + 1], paymentRelay: relay, paymentConstraints: constraints } }
    : { nodeId, data: { pathId: spec.pathId ?? pathIdOf(paymentHash) } }));
  const built = buildBlindedPath(hops, { sessionKey: spec.e0 });
  return { encoded: encodeBlindedPath(built.path), proof: { e0: spec.e0, nodeIds: spec.nodes } };
}

/** blinded_payinfo: u32 base ‖ u32 ppm ‖ u16 cltv ‖ u64 min ‖ u64 max ‖ u16 flen. */
export function payinfo(): Uint8Array {
  const b = new Uint8Array(28);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 1000); dv.setUint32(4, 100); dv.setUint16(8, 58);
  dv.setBigUint64(10, 1n); dv.setBigUint64(18, 1000000000n); dv.setUint16(26, 0);
  return b;
}

export interface InvoiceSpec {
  offer: Uint8Array;
  /** invreq fields of the payer (82, 86, recurrence …). */
  invreqOwn?: Rec[];
  amount: bigint;
  createdAt: number;
  relativeExpiry?: number;
  /** Paths: clear node ids (+ e0); default one 2-hop path [peer, us]. */
  paths?: PathSpec[];
  /** Extra invoice records (e.g. 3000000177). */
  extra?: Rec[];
  /** invoice_node_id (default: offer_issuer_id). */
  nodeId?: Uint8Array;
  /** payment hash (default: the device's). */
  paymentHash?: Uint8Array;
}

export const PEER = secp.getPublicKey(sha256(ascii('merchant test peer')), true);
export const PEER2 = secp.getPublicKey(sha256(ascii('merchant test peer 2')), true);
export const e0 = (label: string) => sha256(ascii(`e0 ${label}`));

export interface BuiltInvoice {
  invoice: Uint8Array;
  invreqSignature: Uint8Array;
  proofs: PathProof[];
  preimage: Uint8Array;
  paymentHash: Uint8Array;
  invreqRoot: Uint8Array;
}

/** An unsigned invoice as the merchant host builds it for sign_invoice. */
export function buildInvoice(s: InvoiceSpec): BuiltInvoice {
  const { invreq, signature, root } = invoiceRequest(s.offer, s.invreqOwn ?? []);
  // No offer_issuer_id and no offer_paths: a bare invoice_request (sendinvoice), the no-offer preimage and the node key.
  const bare = getRec(s.offer, 22) === undefined && getRec(s.offer, 16) === undefined;
  const preimage = bare ? preimageNoOfferOf(root, s.createdAt, s.amount) : preimageOf(root);
  const paymentHash = s.paymentHash ?? sha256(preimage);
  const specs = s.paths ?? [{ nodes: [PEER, NODE_ID], e0: e0('default') }];
  const built = specs.map((p) => paymentPath(p, paymentHash));
  const inv = stream([
    ...records(invreq).filter((r) => inInvreqRange(r.type)),
    rec(160, cat(...built.map((b) => b.encoded))),
    rec(162, cat(...built.map(() => payinfo()))),
    rec(164, tu(s.createdAt)),
    ...(s.relativeExpiry !== undefined ? [rec(166, tu(s.relativeExpiry))] : []),
    rec(168, paymentHash),
    rec(170, tu(s.amount)),
    rec(174, Uint8Array.of(2, 0, 0)),
    rec(176, s.nodeId ?? (bare ? NODE_ID : getRec(s.offer, 22)!)),
    ...(s.extra ?? []),
  ]);
  return { invoice: inv, invreqSignature: signature, proofs: built.map((b) => b.proof), preimage, paymentHash, invreqRoot: root };
}

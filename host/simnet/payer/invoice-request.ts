// The simulated payer's invoice_request (cln-offers-flow-digest §4.1, BOLT 12
// "Requirements for Invoice Requests", writer side) and its checks of the
// invoice that comes back (§4.3 plus the BOLT 12 payer MUSTs CLN leaves to
// xpay). Its own TLV and Merkle code (./tlv.ts); the offer string's bech32
// layer is read with host/bolt12 (decoding only).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, concatBytes } from '@noble/hashes/utils.js';
import { randomBytes } from 'node:crypto';
import { secp } from '../../crypto/noble.js';
import { decodeBolt12String } from '../../bolt12/bech32-string.js';
import { readBlindedPath, readPayinfo, type BlindedPath, type BlindedPayinfo } from '../../bolt12/subtypes.js';
import { ValueReader } from '../../bolt12/wire.js';
import { readRecords, readTu, record, signRecords, tu, verifyRecords, PayerTlvError, type Rec } from './tlv.js';

/** BOLT 12 TLV types the payer uses. */
export const T = {
  invreq_metadata: 0n, offer_chains: 2n, offer_currency: 6n, offer_amount: 8n, offer_absolute_expiry: 14n, offer_paths: 16n,
  offer_quantity_max: 20n, offer_issuer_id: 22n, invreq_chain: 80n, invreq_amount: 82n, invreq_quantity: 86n,
  invreq_payer_id: 88n, invreq_payer_note: 89n, invoice_paths: 160n, invoice_blindedpay: 162n, invoice_created_at: 164n,
  invoice_relative_expiry: 166n, invoice_payment_hash: 168n, invoice_amount: 170n, invoice_node_id: 176n, signature: 240n,
  offer_recurrence_compulsory: 1000000024n, offer_recurrence_optional: 1000000025n,
  invreq_recurrence_counter: 2000000092n, invreq_recurrence_start: 2000000093n, invreq_recurrence_cancel: 2000000094n, invoice_recurrence_basetime: 3000000177n,
} as const;

/** Chain hash of regtest (wire byte order): the simulated network's chain. */
export const REGTEST_CHAIN = Uint8Array.from(Buffer.from('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f', 'hex'));
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A failure with Core Lightning's fetchinvoice code and message (cln-rpc-digest §1.11 / offers-flow §4.3). */
export class PayerError extends Error {
  constructor(readonly code: number, message: string, readonly data?: Record<string, unknown>) {
    super(message);
  }
}

export interface Offer {
  bytes: Uint8Array;
  recs: Rec[];
  get(t: bigint): Uint8Array | undefined;
  paths: BlindedPath[];
  issuerId?: Uint8Array;
  amountMsat?: bigint;
  currency: boolean;
  quantityMax?: bigint;
  recurring: boolean;
}

const readPaths = (v: Uint8Array): BlindedPath[] => {
  const r = new ValueReader(v, 0, v.length);
  const out: BlindedPath[] = [];
  while (r.pos < v.length) out.push(readBlindedPath(r));
  return out;
};

export function parseOffer(text: string): Offer {
  let bytes: Uint8Array;
  let recs: Rec[];
  try {
    const d = decodeBolt12String(text);
    if (d.prefix !== 'lno') throw new PayerTlvError('not an offer');
    bytes = d.bytes;
    recs = readRecords(bytes);
  } catch (e) {
    throw new PayerError(-32602, `offer: ${(e as Error).message}`);
  }
  const get = (t: bigint) => recs.find((r) => r.type === t)?.value;
  const paths = get(T.offer_paths);
  const amount = get(T.offer_amount);
  const qmax = get(T.offer_quantity_max);
  return {
    bytes, recs, get,
    paths: paths ? readPaths(paths) : [],
    issuerId: get(T.offer_issuer_id),
    amountMsat: amount ? readTu(amount, 8) : undefined,
    currency: get(T.offer_currency) !== undefined,
    quantityMax: qmax ? readTu(qmax, 8) : undefined,
    recurring: get(T.offer_recurrence_compulsory) !== undefined || get(T.offer_recurrence_optional) !== undefined,
  };
}

export interface RequestParams {
  amountMsat?: bigint;
  quantity?: bigint;
  recurrenceCounter?: number;
  recurrenceStart?: number;
  /** CLN cancelrecurringinvoice: invreq_recurrence_cancel (empty), counter > 0 required. */
  recurrenceCancel?: boolean;
  payerNote?: string;
  /** The chain the payer is on (undefined = bitcoin: no invreq_chain). */
  chain?: Uint8Array;
  /** makesecret("node-alias-base") of the payer node (CLN's nodealias_base). */
  aliasBase: Uint8Array;
  nodeSecret: Uint8Array;
  /** 16 bytes (random when absent). */
  metadata?: Uint8Array;
  now?: number;
}

export interface BuiltRequest {
  bytes: Uint8Array;
  /** Records without the signature (what the invoice must copy). */
  recs: Rec[];
  payerId: Uint8Array;
}

const u32 = (n: number | bigint) => tu(BigInt(n));

/**
 * digest §4.1: fetchinvoice's checks on its parameters, then the request: all
 * offer records copied, metadata (16 random bytes), invreq_chain off bitcoin,
 * amount / quantity / recurrence / payer note as given, invreq_payer_id =
 * node_id + H(nodealias_base ‖ metadata)·G, signed with BIP-340 over the Merkle root.
 */
export function buildInvoiceRequest(offer: Offer, p: RequestParams): BuiltRequest {
  const now = p.now ?? Math.floor(Date.now() / 1000);
  // §4.1 step 1: expired (counter absent or 0) ⇒ 1002 Offer expired.
  const exp = offer.get(T.offer_absolute_expiry);
  if (exp && BigInt(now) > readTu(exp, 8) && !p.recurrenceCounter) throw new PayerError(1002, 'Offer expired');
  // cln-rpc-digest §1.11: amount required without offer_amount; quantity iff offer_quantity_max; recurrence counter iff recurring.
  if (offer.amountMsat === undefined && p.amountMsat === undefined) throw new PayerError(-32602, 'amount_msat parameter required');
  if (offer.quantityMax !== undefined && p.quantity === undefined) throw new PayerError(-32602, 'quantity parameter required');
  if (offer.quantityMax === undefined && p.quantity !== undefined) throw new PayerError(-32602, 'quantity parameter unnecessary');
  if (offer.recurring && p.recurrenceCounter === undefined) throw new PayerError(-32602, 'needs recurrence_counter');
  if (!offer.recurring && (p.recurrenceCounter !== undefined || p.recurrenceStart !== undefined)) throw new PayerError(-32602, 'unnecessary recurrence_counter');
  // BOLT 12 (recurrence): a cancel is for a period after the first (counter > 0).
  if (p.recurrenceCancel && !p.recurrenceCounter) throw new PayerError(-32602, 'recurrence_cancel needs recurrence_counter > 0');
  const metadata = p.metadata ?? Uint8Array.from(randomBytes(16));
  // §4.1 step 5: payer key = node key + H(nodealias_base ‖ metadata) (mod n).
  const tweak = BigInt('0x' + toHex(sha256(concatBytes(p.aliasBase, metadata)))) % N;
  const k = (BigInt('0x' + toHex(p.nodeSecret)) + tweak) % N;
  const payerSecret = Uint8Array.from(Buffer.from(k.toString(16).padStart(64, '0'), 'hex'));
  const payerId = secp.getPublicKey(payerSecret, true);
  // §4.1 step 2: every offer record (unknown ones too) is copied.
  const recs: Rec[] = [...offer.recs];
  recs.push(record(T.invreq_metadata, metadata));
  if (p.chain) recs.push(record(T.invreq_chain, p.chain));
  if (p.amountMsat !== undefined) recs.push(record(T.invreq_amount, tu(p.amountMsat)));
  if (p.quantity !== undefined) recs.push(record(T.invreq_quantity, tu(p.quantity)));
  recs.push(record(T.invreq_payer_id, payerId));
  if (p.payerNote !== undefined) recs.push(record(T.invreq_payer_note, new TextEncoder().encode(p.payerNote)));
  if (p.recurrenceCounter !== undefined) recs.push(record(T.invreq_recurrence_counter, u32(p.recurrenceCounter)));
  if (p.recurrenceStart !== undefined) recs.push(record(T.invreq_recurrence_start, u32(p.recurrenceStart)));
  if (p.recurrenceCancel) recs.push(record(T.invreq_recurrence_cancel, new Uint8Array(0)));
  recs.sort((a, b) => (a.type < b.type ? -1 : 1));
  const sig = signRecords('invoice_request', recs, payerSecret);
  // BOLT 1: records in increasing type order, so the signature (240) sits before the experimental ranges.
  const all = [...recs, record(T.signature, sig)].sort((a, b) => (a.type < b.type ? -1 : 1));
  return { bytes: concatBytes(...all.map((r) => r.raw)), recs, payerId };
}

/** Records 0..159 and 1000000000..2999999999: what an invoice copies from its request. */
const invreqPart = (recs: Rec[]) => concatBytes(...recs.filter((r) => r.type <= 159n || (r.type >= 1000000000n && r.type <= 2999999999n)).map((r) => r.raw));

export interface CheckedInvoice {
  bytes: Uint8Array;
  recs: Rec[];
  paymentHash: Uint8Array;
  amountMsat: bigint;
  createdAt: bigint;
  relativeExpiry: bigint;
  nodeId: Uint8Array;
  paths: BlindedPath[];
  payinfo: BlindedPayinfo[];
  recurrenceBasetime?: bigint;
}

const incorrect = (field: string, hex: string) => new PayerError(1004, `Incorrect ${field} field in ${hex}`);

/** An invoice's fields, signature and paths (what a payer reads before paying; BOLT 12 invoice reader). */
export function readInvoice(bytes: Uint8Array, now = Math.floor(Date.now() / 1000)): CheckedInvoice {
  const hex = toHex(bytes);
  let recs: Rec[];
  try {
    recs = readRecords(bytes);
  } catch {
    throw new PayerError(1004, `Incorrect invoice field in ${hex}`);
  }
  const get = (t: bigint) => recs.find((r) => r.type === t)?.value;
  const amount = get(T.invoice_amount);
  const created = get(T.invoice_created_at);
  const hash = get(T.invoice_payment_hash);
  const node = get(T.invoice_node_id);
  // §4.3 step 5: amount, created_at, payment_hash and node_id present (CLN names invoice_amount for a missing created_at).
  if (!amount || !created) throw incorrect('invoice_amount', hex);
  if (!hash || hash.length !== 32) throw incorrect('invoice_payment_hash', hex);
  if (!node || node.length !== 33) throw incorrect('invoice_node_id', hex);
  // BOLT 12 reader: the signature must be valid under invoice_node_id.
  const sig = get(T.signature);
  if (!sig || !verifyRecords('invoice', recs, sig, node)) throw incorrect('signature', hex);
  const relExp = get(T.invoice_relative_expiry);
  const createdAt = readTu(created, 8);
  const relativeExpiry = relExp ? readTu(relExp, 4) : 7200n;
  // BOLT 12 payer: MUST reject if now ≥ created_at + relative_expiry (default 7200).
  if (BigInt(now) >= createdAt + relativeExpiry) throw new PayerError(1004, 'Expired invoice');
  // BOLT 12 reader: invoice_paths and invoice_blindedpay present, non-empty paths, equal counts.
  const pv = get(T.invoice_paths);
  const bv = get(T.invoice_blindedpay);
  if (!pv) throw new PayerError(1004, 'Missing invoice_paths');
  if (!bv) throw new PayerError(1004, 'Missing invoice_blindedpay');
  let paths: BlindedPath[];
  const payinfo: BlindedPayinfo[] = [];
  try {
    paths = readPaths(pv);
    const r = new ValueReader(bv, 0, bv.length);
    while (r.pos < bv.length) payinfo.push(readPayinfo(r));
  } catch {
    throw incorrect('invoice_paths', hex);
  }
  if (paths.length === 0 || paths.some((p) => p.hops.length === 0)) throw new PayerError(1004, 'Empty path in invoice_paths');
  if (paths.length !== payinfo.length) throw new PayerError(1004, 'Mismatch between invoice_blindedpay and invoice_paths');
  const base = get(T.invoice_recurrence_basetime);
  return {
    bytes, recs, paymentHash: hash, amountMsat: readTu(amount, 8), createdAt, relativeExpiry, nodeId: node, paths, payinfo,
    recurrenceBasetime: base ? readTu(base, 8) : undefined,
  };
}

/**
 * digest §4.3, in order, for the invoice answering our request, plus the
 * BOLT 12 payer MUSTs: request fields copied byte for byte, the expected
 * signer, a valid signature, the amount we asked for (invreq_amount, or
 * offer_amount × quantity for msat offers), not expired, recurrence basetime.
 */
export function checkInvoice(offer: Offer, req: BuiltRequest, invoice: Uint8Array, expectedSigner: Uint8Array, requested: { amountMsat?: bigint; quantity?: bigint }, now?: number): CheckedInvoice {
  const hex = toHex(invoice);
  let recs: Rec[];
  try {
    recs = readRecords(invoice);
  } catch {
    throw new PayerError(1004, `Incorrect invoice field in ${hex}`);
  }
  // §4.3 step 4: ranges 0–159 and 1000000000–2999999999 identical to what was sent (our signature excluded: 240 is outside).
  if (toHex(invreqPart(recs)) !== toHex(invreqPart(req.recs))) throw new PayerError(1004, `Incorrect invoice_request match field in ${hex}`);
  const get = (t: bigint) => recs.find((r) => r.type === t)?.value;
  const node = get(T.invoice_node_id);
  // §4.3 step 6: invoice_node_id = offer_issuer_id, or the final blinded node of the path used.
  if (node && toHex(node) !== toHex(expectedSigner)) throw incorrect('invoice_node_id', hex);
  const inv = readInvoice(invoice, now);
  // BOLT 12 payer: invreq_amount set ⇒ invoice_amount must equal it; msat offers: offer_amount × quantity.
  if (requested.amountMsat !== undefined) {
    if (inv.amountMsat !== requested.amountMsat) throw incorrect('invoice_amount', hex);
  } else if (!offer.currency && offer.amountMsat !== undefined && inv.amountMsat !== offer.amountMsat * (requested.quantity ?? 1n)) {
    throw incorrect('invoice_amount', hex);
  }
  // §4.3 step 8: a recurring offer's invoice carries invoice_recurrence_basetime.
  if (offer.recurring && inv.recurrenceBasetime === undefined) throw incorrect('invoice_recurrence_basetime', hex);
  return inv;
}

/** invoice_error (BOLT 12): 1 erroneous_field (tu64), 3 suggested_value, 5 error (utf8). */
export function readInvoiceError(bytes: Uint8Array): Record<string, unknown> {
  try {
    const recs = readRecords(bytes);
    const get = (t: bigint) => recs.find((r) => r.type === t)?.value;
    const f = get(1n);
    const s = get(3n);
    const e = get(5n);
    return {
      ...(f ? { erroneous_field: Number(readTu(f, 8)) } : {}),
      ...(s ? { suggested_value: toHex(s) } : {}),
      error: e ? new TextDecoder('utf-8', { fatal: true }).decode(e) : '',
    };
  } catch {
    return { invoice_error_hex: toHex(bytes) };
  }
}

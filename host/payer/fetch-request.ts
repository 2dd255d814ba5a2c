// fetchinvoice's invoice_request (cln-offers-flow-digest §4.1; cln-rpc-digest
// §1.11, §4.3): the parameter checks against the offer, then a request that
// copies every offer record byte for byte (unknown ones too: CLN re-reads the
// offer's bytes as an invoice_request), adds the invreq fields, and is signed
// on the device with the payer key of its metadata.
import { randomBytes } from 'node:crypto';
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import {
  Bolt12StringError, decodeBolt12String, encodeTlvRecord, invreqId, offerId, parseOffer, readTlvRecords,
  TLV, verifyBolt12Signature, type Offer, type TlvRecord,
} from '../bolt12/index.js';
import { GENESIS_WIRE_HEX } from '../daemon/network.js';
import type { Network } from '../daemon/network.js';
import type { DeviceSigner } from '../daemon/device-signer.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { derivePayerId, recurrenceMetadata } from './payer-key.js';

const T = TLV;

/** CLN: invreq_metadata is 16 random bytes unless recurring or payer_metadata. */
export const PAYER_METADATA_BYTES = 16;

export interface FetchRequestParams {
  offer: string;
  amountMsat?: bigint;
  quantity?: bigint;
  recurrenceCounter?: number;
  recurrenceStart?: number;
  recurrenceLabel?: string;
  payerNote?: string;
  payerMetadata?: Uint8Array;
  bip353?: string;
  /** cancelrecurringinvoice: invreq_recurrence_cancel (empty). */
  cancel?: boolean;
}

/** The offer a request is for: parsed (every reader rule) and its raw records. */
export interface PayerOffer {
  offer: Offer;
  bytes: Uint8Array;
  records: TlvRecord[];
  offerId: Uint8Array;
  /** offer_recurrence_compulsory or _optional (undefined: one-off). */
  recurring: boolean;
}

const bad = (m: string) => new RpcError(ErrorCode.INVALID_PARAMS, m);

/** cln-rpc-digest §1.11: `offer` must pass the reader rules and be for our chain ("Unparsable offer: …"). */
export function readPayerOffer(text: string, network: Network): PayerOffer {
  let bytes: Uint8Array;
  let offer: Offer;
  try {
    const d = decodeBolt12String(text);
    if (d.prefix !== 'lno') throw new Bolt12StringError(`expected an offer (lno1...), got ${d.prefix}1...`);
    bytes = d.bytes;
    offer = parseOffer(bytes, { chains: [hexToBytes(GENESIS_WIRE_HEX[network])] });
  } catch (e) {
    throw bad(`Unparsable offer: ${(e as Error).message}`);
  }
  const f = offer.fields;
  return {
    offer, bytes, records: readTlvRecords(bytes), offerId: offerId(bytes),
    recurring: f.offer_recurrence_compulsory !== undefined || f.offer_recurrence_optional !== undefined,
  };
}

/** `[₿]name@domain` → invreq_bip_353_name (u8 length ‖ name, u8 length ‖ domain). */
export function bip353Value(s: string): Uint8Array {
  const t = s.startsWith('₿') ? s.slice(1) : s;
  const at = t.indexOf('@');
  // CLN param_bip353: "missing @".
  if (at < 0) throw bad('bip353: missing @');
  const name = new TextEncoder().encode(t.slice(0, at));
  const domain = new TextEncoder().encode(t.slice(at + 1));
  // BOLT 12: name and domain are [0-9a-zA-Z-_.] only.
  const ok = (b: Uint8Array) => b.length > 0 && b.length < 256 && b.every((c) => /[0-9a-zA-Z\-_.]/.test(String.fromCharCode(c)));
  if (!ok(name) || !ok(domain)) throw bad('bip353: name and domain must be 1..255 of [0-9a-zA-Z-_.]');
  return concatBytes(Uint8Array.of(name.length), name, Uint8Array.of(domain.length), domain);
}

/**
 * The checks of cln-rpc-digest §1.11 and §4.1 step 1 (offer expired), in CLN's
 * order: amount, quantity, recurrence, expiry. Throws CLN's -32602 / 1002.
 */
export function checkFetchParams(o: PayerOffer, p: FetchRequestParams, now: number): void {
  const f = o.offer.fields;
  // §1.11: amount_msat required iff the offer has no amount.
  if (f.offer_amount === undefined && p.amountMsat === undefined) throw bad('amount_msat parameter required');
  // §1.11: quantity required iff offer_quantity_max; > 0, ≤ max when max ≠ 0; forbidden otherwise.
  if (f.offer_quantity_max !== undefined) {
    if (p.quantity === undefined) throw bad('quantity parameter required');
    if (p.quantity === 0n) throw bad('quantity parameter must be non-zero');
    if (f.offer_quantity_max !== 0n && p.quantity > f.offer_quantity_max) throw bad(`quantity must be <= ${f.offer_quantity_max}`);
  } else if (p.quantity !== undefined) throw bad('quantity parameter unnecessary');
  // §1.11: recurrence_counter and recurrence_label iff the offer recurs
  // (offer_recurrence_optional: a payer may also pay it once, without them);
  // recurrence_start only with offer_recurrence_base (default 0 there);
  // payer_metadata is not for recurring requests (their metadata is derived).
  if (f.offer_recurrence_compulsory !== undefined || (f.offer_recurrence_optional !== undefined && p.recurrenceCounter !== undefined)) {
    if (p.recurrenceCounter === undefined) throw bad('needs recurrence_counter');
    if (f.offer_recurrence_base === undefined && p.recurrenceStart !== undefined) throw bad('unnecessary recurrence_start');
    if (p.recurrenceLabel === undefined) throw bad('needs recurrence_label');
    if (p.payerMetadata !== undefined) throw bad('payer_metadata cannot be used with a recurring offer');
  } else {
    if (p.cancel) throw bad('Offer is not recurring');
    if (p.recurrenceCounter !== undefined) throw bad('unnecessary recurrence_counter');
    if (p.recurrenceStart !== undefined) throw bad('unnecessary recurrence_start');
  }
  // BOLT 12 recurrence: a cancel is for a period after the first.
  if (p.cancel && !p.recurrenceCounter) throw bad('recurrence_counter must be > 0 to cancel');
  // §4.1 step 1: expired, for a one-off or the first period only.
  if (f.offer_absolute_expiry !== undefined && BigInt(now) > f.offer_absolute_expiry && !p.recurrenceCounter) {
    throw new RpcError(ErrorCode.OFFER_EXPIRED, 'Offer expired');
  }
}

export interface UnsignedRequest {
  /** The request's records without a signature, in type order. */
  unsigned: Uint8Array;
  metadata: Uint8Array;
  payerId: Uint8Array;
  /** With offer_recurrence_base and no recurrence_start given: 0 (as CLN). */
  recurrenceStart?: number;
}

const tu = (v: bigint): Uint8Array => {
  const out: number[] = [];
  for (let x = v; x > 0n; x >>= 8n) out.unshift(Number(x & 0xffn));
  return Uint8Array.from(out);
};

/** §4.1 steps 2–6: the unsigned request. `aliasBase` is lightningd's makesecret("node-alias-base"). */
export function buildFetchRequest(o: PayerOffer, p: FetchRequestParams, k: { network: Network; nodeId: Uint8Array; aliasBase: Uint8Array; random?: (n: number) => Uint8Array }): UnsignedRequest {
  const f = o.offer.fields;
  const recurring = p.recurrenceCounter !== undefined;
  // §4.1 step 4: 16 random bytes (or payer_metadata); recurring: H(base ‖ offer_id ‖ label).
  const metadata = recurring
    ? recurrenceMetadata(k.aliasBase, o.offerId, p.recurrenceLabel!)
    : (p.payerMetadata ?? (k.random ?? ((n) => new Uint8Array(randomBytes(n))))(PAYER_METADATA_BYTES));
  // §4.1 step 5: invreq_payer_id = node_id + H(nodealias_base ‖ metadata)·G.
  const payerId = derivePayerId(k.nodeId, k.aliasBase, metadata);
  const start = recurring && f.offer_recurrence_base !== undefined ? (p.recurrenceStart ?? 0) : undefined;
  // §4.1 step 2: every offer record, byte for byte (never re-encoded).
  const recs: { type: bigint; raw: Uint8Array }[] = o.records.map((r) => ({ type: r.type, raw: r.raw }));
  const add = (type: bigint, value: Uint8Array) => recs.push({ type, raw: encodeTlvRecord(type, value) });
  add(T.invreq_metadata, metadata);
  // §4.1 step 6: invreq_chain off mainnet; invreq_features = our bolt12_offer bits (none: an empty TLV 84, as CLN).
  if (k.network !== 'bitcoin') add(T.invreq_chain, hexToBytes(GENESIS_WIRE_HEX[k.network]));
  // §4.1 step 3: invreq_amount iff given (required without offer_amount: checked above).
  if (p.amountMsat !== undefined) add(T.invreq_amount, tu(p.amountMsat));
  add(T.invreq_features, new Uint8Array(0));
  if (p.quantity !== undefined) add(T.invreq_quantity, tu(p.quantity));
  add(T.invreq_payer_id, payerId);
  if (p.payerNote !== undefined) add(T.invreq_payer_note, new TextEncoder().encode(p.payerNote));
  if (p.bip353 !== undefined) add(T.invreq_bip_353_name, bip353Value(p.bip353));
  if (recurring) add(T.invreq_recurrence_counter, tu(BigInt(p.recurrenceCounter!)));
  if (start !== undefined) add(T.invreq_recurrence_start, tu(BigInt(start)));
  if (p.cancel) add(T.invreq_recurrence_cancel, new Uint8Array(0));
  recs.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  for (let i = 1; i < recs.length; i++) if (recs[i].type === recs[i - 1].type) throw bad(`Unparsable offer: it carries invoice_request field ${recs[i].type}`);
  return { unsigned: concatBytes(...recs.map((r) => r.raw)), metadata, payerId, recurrenceStart: start };
}

/** The signed stream: the signature record (240) inserted in type order. */
export function withSignature(unsigned: Uint8Array, signature: Uint8Array): Uint8Array {
  const recs = readTlvRecords(unsigned);
  const sig = encodeTlvRecord(T.signature, signature);
  const before = recs.filter((r) => r.type < T.signature).map((r) => r.raw);
  const after = recs.filter((r) => r.type > T.signature).map((r) => r.raw);
  return concatBytes(...before, sig, ...after);
}

export interface SignedRequest extends UnsignedRequest {
  signed: Uint8Array;
  signature: Uint8Array;
  invreqId: string;
}

/**
 * §4.1 step 7: the device signs with the payer key of invreq_metadata (it
 * derives it and refuses a payer id that is not that key); the signature is
 * checked here under invreq_payer_id before anything is sent.
 */
export async function signFetchRequest(signer: DeviceSigner, r: UnsignedRequest): Promise<SignedRequest> {
  let signature: Uint8Array;
  try {
    signature = await signer.signBolt12({ messageName: 'invoice_request', fieldName: 'signature', tlv: r.unsigned, tweak: r.metadata });
  } catch (e) {
    throw new RpcError(ErrorCode.LIGHTNINGD, `Could not sign the invoice_request on the device: ${(e as Error).message}`);
  }
  if (signature.length !== 64 || !verifyBolt12Signature('invoice_request', readTlvRecords(r.unsigned), r.payerId, signature)) {
    throw new RpcError(ErrorCode.LIGHTNINGD, 'The signing device returned a signature that does not verify under invreq_payer_id');
  }
  return { ...r, signature, signed: withSignature(r.unsigned, signature), invreqId: bytesToHex(invreqId(r.unsigned)) };
}

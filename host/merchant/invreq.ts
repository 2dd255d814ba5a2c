// Answering an invoice_request for one of our offers (issue 11 item 4;
// cln-offers-flow-digest §3.2–§3.7). `answerInvoiceRequest` validates in Core
// Lightning's order with its texts, computes amount, expiry and recurrence,
// builds the invoice with one payment path [peer, us] (e0 random), has the
// device sign it, re-checks the signature with @noble, stores it and returns
// what to send back. Sending is the caller's job (flow.ts).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  decodeBolt12String, encodeBolt12String, encodeFieldValue, encodeTlvStream, merkleRoot, offerId, parseInvoice, parseTlvMessage, readTlvRecords,
  periodIndex, periodPaywindow, periodStart, proportionalAmount, signatureMessage, TLV, verifyBolt12Signature,
  BITCOIN_CHAIN_HEX, INVREQ_RANGES, inRanges, isSignatureType, DEFAULT_RELATIVE_EXPIRY,
  type BlindedPath, type BlindedPayinfo, type InvoiceRequest, type TlvEntry,
} from '../bolt12/index.js';
import { unknownEvenFeature, isBip353String } from '../bolt12/rules.js';
import { KNOWN_INVREQ_FEATURES } from '../bolt12/invoice-request.js';
import { buildBlindedPath, randomSessionKey } from '../blinding/index.js';
import { secp } from '../crypto/noble.js';
import { currencyMinorUnit } from '../bolt12/iso4217.js';
import type { CurrencyConverter } from '../grammar/currency-converter.js';
import type { Store, OfferRecord, InvoiceRecord } from '../store/index.js';
import { quantityMinRefusal } from '../store/offers.js';
import { DeviceRuleError, type MerchantDevicePort } from './device-port.js';
import { offerPathId } from './offer-create.js';
import type { IntroPeer } from './peers.js';

/** A validation failure: `reason` is CLN's text; internal ones send "Internal error". */
export class InvreqFailure extends Error {
  constructor(readonly reason: string, readonly internal = false) {
    super(reason);
    this.name = 'InvreqFailure';
  }
}

/** §3.4 dev-currency-expiry: invoices for currency offers expire within 600 s. */
export const CURRENCY_EXPIRY_CAP = 600;
/** BOLT 9 bolt12_invoice features we set: MPP optional (bit 17) = 02 00 00. */
export const INVOICE_FEATURES = Uint8Array.of(0x02, 0x00, 0x00);

export interface MerchantEnv {
  store: Store;
  port: MerchantDevicePort;
  /** Our node (lightningd's id beside one; device-port.ts ourNodeId). */
  nodeId(): Promise<Uint8Array>;
  /** Our chain's genesis hash (wire order, hex). */
  chainHex: string;
  now(): number;
  blockheight(): Promise<number>;
  /** cltv_final (CLN: 18 mainnet, 10 elsewhere). */
  cltvFinal: number;
  /** Peers able to introduce a payment path for `amount` (best first). */
  peers(amountMsat: bigint): Promise<IntroPeer[]>;
  /** The given fronting nodes that are our channel peers, best first; disconnected ones last with capacity 0 (peers.ts frontPeers). */
  frontPeers?(fronts: string[], amountMsat: bigint): Promise<IntroPeer[]>;
  currency?: CurrencyConverter;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', m: string) => void;
}

const fail = (reason: string, internal = false): never => { throw new InvreqFailure(reason, internal); };
const u8 = (h: string) => hexToBytes(h);
const eqb = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The offer id of a request (records 1..79, 1000000000..1999999999), or undefined if the stream does not even frame. */
export function requestOfferId(bytes: Uint8Array): string | undefined {
  try {
    return bytesToHex(offerId(readTlvRecords(bytes)));
  } catch {
    return undefined;
  }
}

/** The text of the invoice_error for a failure (§3.2): `Failed invreq <lnr1…>: <reason>` / `Internal error`. */
export function invoiceErrorText(bytes: Uint8Array, f: InvreqFailure, parsed: boolean): string {
  if (f.internal) return 'Internal error';
  return parsed ? `Failed invreq ${encodeBolt12String('lnr', bytes)}: ${f.reason}` : `Failed invreq: ${f.reason}`;
}

/** invoice_error TLV stream with only `error` (5). */
export const encodeInvoiceError = (text: string) => encodeTlvStream([{ type: 5n, value: new TextEncoder().encode(text) }]);

/** §3.2 steps 1–18, in order. Returns the parsed request and its stored offer. */
export function validateInvoiceRequest(
  bytes: Uint8Array,
  o: { store: Store; chainHex: string; pathsecret?: Uint8Array; now: number; ourId?: Uint8Array },
): { req: InvoiceRequest; offer: OfferRecord; fronts?: string[] } {
  // 1 TLV parse (strict; unknown even types rejected).
  let req: InvoiceRequest;
  try {
    req = parseTlvMessage('invoice_request', bytes);
  } catch {
    return fail('Invalid invreq');
  }
  const f = req.fields;
  // 2 every non-signature record within 0–159 or 1000000000–2999999999.
  if (req.records.some((r) => !isSignatureType(r.type) && !inRanges(r.type, INVREQ_RANGES))) fail('Invalid high fields');
  // 3, 4
  if (!f.invreq_payer_id) fail('Missing invreq_payer_id');
  if (!f.invreq_metadata) fail('Missing invreq_metadata');
  // 5 no unknown even bit in invreq_features.
  const bit = unknownEvenFeature(f.invreq_features, KNOWN_INVREQ_FEATURES);
  if (bit !== undefined) fail(`Unsupported invreq feature ${bit}`);
  // 6 bip353 name/domain characters.
  if (f.invreq_bip_353_name && !(isBip353String(f.invreq_bip_353_name.name) && isBip353String(f.invreq_bip_353_name.domain))) {
    fail('invalid bip353 name fields');
  }
  // 7 invreq_chain (absent = bitcoin) is ours.
  const chain = f.invreq_chain ? bytesToHex(f.invreq_chain) : BITCOIN_CHAIN_HEX;
  if (chain !== o.chainHex) fail(`Wrong chain ${chain}`);
  // 8 based on an offer.
  if (!f.offer_issuer_id && !f.offer_paths) fail('Not based on an offer');
  // 9 the offer id is one of ours.
  const offer = o.store.offers.get(bytesToHex(offerId(req.records)));
  if (!offer) return fail('Unknown offer');
  // 10 with a path secret the request must carry offer_paths and the secret
  // must be our offer path's path_id (constant-time compare). 11 an offer with
  // paths must be reached through one of them. Both answer "Unknown offer" (§8 item 8).
  if (o.pathsecret) {
    if (!f.offer_paths || !ctEqual(o.pathsecret, offerPathId(bytes))) fail('Unknown offer');
  } else if (f.offer_paths) {
    fail('Unknown offer');
  }
  // 12 active (disabled, or single-use and used ⇒ inactive).
  if (!offer.active) fail('Offer no longer available');
  // 14 absolute expiry, only for counter 0 / no counter; ≥.
  const counter = f.invreq_recurrence_counter;
  if (f.offer_absolute_expiry !== undefined && (counter === undefined || counter === 0) && BigInt(o.now) >= f.offer_absolute_expiry) {
    fail('Offer expired');
  }
  // 15 force_paths (offer created with fronting_nodes): the fronting nodes are
  // the first nodes of the offer's offer_paths — scid forms would need gossip
  // we do not hold, so they are skipped; ourselves excluded.
  let fronts: string[] | undefined;
  if (offer.forcePaths) {
    fronts = offerFronts(f.offer_paths ?? [], o.ourId);
    if (fronts.length === 0) fail('Fronting failed, could not find any fronts');
  }
  // 16 quantity.
  if (f.offer_quantity_max !== undefined) {
    if (f.invreq_quantity === undefined) {
      if (f.invreq_recurrence_cancel === undefined) fail('missing invreq_quantity');
    } else {
      if (f.invreq_quantity === 0n) fail('quantity zero invalid');
      if (f.offer_quantity_max !== 0n && f.invreq_quantity > f.offer_quantity_max) fail(`quantity ${f.invreq_quantity} > ${f.offer_quantity_max}`);
    }
  } else if (f.invreq_quantity !== undefined) {
    fail('unexpected invreq_quantity');
  }
  // Seed 001's quantity_min: BOLT 12 no longer encodes it, so we enforce it as
  // the issuer (stored with the offer; issue 13).
  const belowMin = quantityMinRefusal(offer, f.invreq_quantity);
  if (belowMin && f.invreq_recurrence_cancel === undefined) fail(belowMin);
  // 17 payer signature (BIP-340, tag lightning‖invoice_request‖signature, key invreq_payer_id).
  if (!f.signature) fail('missing signature');
  if (!verifyBolt12Signature('invoice_request', req.records, f.invreq_payer_id!, f.signature!)) fail('bad signature');
  // 18 recurrence fields.
  const recurs = f.offer_recurrence_compulsory !== undefined || f.offer_recurrence_optional !== undefined;
  if (recurs) {
    if (counter === undefined) fail('missing invreq_recurrence_counter');
  } else {
    if (counter !== undefined) fail('unexpected invreq_recurrence_counter');
    if (f.invreq_recurrence_start !== undefined) fail('unexpected invreq_recurrence_start');
    if (f.invreq_recurrence_cancel !== undefined) fail('unexpected invreq_recurrence_cancel');
  }
  return { req, offer, fronts };
}

/** First nodes (hex) of `paths` given as pubkeys, without `ourId` and repeats. */
export function offerFronts(paths: BlindedPath[], ourId?: Uint8Array): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!('pubkey' in p.firstNodeId)) continue;
    const k = p.firstNodeId.pubkey;
    if (ourId && eqb(k, ourId)) continue;
    const h = bytesToHex(k);
    if (!out.includes(h)) out.push(h);
  }
  return out;
}

function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const mul = (a: bigint, b: bigint, q: bigint) => {
  const r = a * b;
  if (r > 0xffffffffffffffffn) fail(`quantity ${q} causes overflow`);
  return r;
};

/** §3.4: the invoice amount. */
export async function invoiceAmount(req: InvoiceRequest, currency?: CurrencyConverter): Promise<bigint> {
  const f = req.fields;
  const q = f.invreq_quantity ?? 1n;
  let expected: bigint | undefined;
  if (f.offer_amount !== undefined) {
    const raw = mul(f.offer_amount, q, q);
    if (f.offer_currency !== undefined) {
      const minor = currencyMinorUnit(f.offer_currency);
      if (minor === undefined || !currency) return fail(`no conversion for ${f.offer_currency}`, true);
      try {
        expected = await currency.convert(f.offer_currency, Number(raw) / 10 ** minor);
      } catch (e) {
        return fail(`currencyconvert: ${(e as Error).message}`, true);
      }
    } else {
      expected = raw;
    }
  } else {
    if (f.invreq_amount === undefined && f.invreq_recurrence_cancel === undefined) fail('missing invreq_amount');
    expected = f.invreq_amount ?? 0n;
  }
  if (f.offer_amount !== undefined && f.invreq_amount !== undefined) {
    if (f.invreq_amount < expected) fail(`Amount must be at least ${expected}msat`);
    if (f.invreq_amount / 5n > expected) fail(`Amount vastly exceeds ${expected}msat`);
    return f.invreq_amount;
  }
  return expected;
}

export interface InvoiceTiming {
  relativeExpiry: number;
  basetime?: bigint;
  amountScale?: (a: bigint) => bigint;
}

/** §3.5 (non-recurring) and §3.6 (recurring) expiry, basetime and period checks. */
export function invoiceTiming(req: InvoiceRequest, offer: OfferRecord, store: Store, createdAt: number): InvoiceTiming {
  const f = req.fields;
  const rec = f.offer_recurrence_compulsory ?? f.offer_recurrence_optional;
  const isCurrency = f.offer_currency !== undefined;
  if (!rec) {
    let exp = DEFAULT_RELATIVE_EXPIRY;
    if (f.offer_absolute_expiry !== undefined) exp = Math.min(exp, Number(f.offer_absolute_expiry) - createdAt);
    if (isCurrency) exp = Math.min(exp, CURRENCY_EXPIRY_CAP);
    return { relativeExpiry: Math.max(exp, 1) };
  }
  const counter = f.invreq_recurrence_counter!;
  const base = f.offer_recurrence_base;
  let basetime: bigint;
  if (counter === 0) {
    basetime = base ? base.basetime : BigInt(createdAt);
  } else {
    const prevLabel = `${offer.offerId}-${bytesToHex(f.invreq_payer_id!)}-${counter - 1}`;
    const prev = store.invoices.byLabel(prevLabel);
    // A cancelled period stands where CLN keeps its expiry-0 invoice (§3.6):
    // the next period reads it as an expired previous invoice.
    if (!prev && store.invoices.cancelled(prevLabel)) fail(`Previous invoice #${counter - 1} status "expired"`);
    if (!prev) fail(`No previous invoice #${counter - 1}`);
    if (prev!.status !== 'paid') fail(`Previous invoice #${counter - 1} status "${prev!.status}"`);
    if (prev!.recurrenceBasetime === undefined) fail('previous invoice has no basetime', true);
    basetime = base ? base.basetime : prev!.recurrenceBasetime!;
  }
  // invreq_recurrence_start is required iff the offer has a base.
  if (base && f.invreq_recurrence_start === undefined) fail('missing invreq_recurrence_start');
  if (!base && f.invreq_recurrence_start !== undefined) fail('unexpected invreq_recurrence_start');
  // `@` base (recorded at offer time): the payer must start at period 0. We
  // are the issuer, so we enforce it (issue 11 item 4).
  if (offer.startAtPeriodZero && (f.invreq_recurrence_start ?? 0) !== 0) {
    fail(`invreq_recurrence_start ${f.invreq_recurrence_start} not allowed: this offer starts at period 0`);
  }
  const idx = periodIndex(counter, f.invreq_recurrence_start);
  if (f.offer_recurrence_limit !== undefined && idx > f.offer_recurrence_limit) fail(`period_index ${idx} too great`);
  const w = periodPaywindow(rec, f.offer_recurrence_paywindow, base !== undefined, basetime, idx);
  const now = BigInt(createdAt);
  if (now < w.start) fail(`period_index ${idx} too early (start ${w.start})`);
  if (now > w.end) fail(`period_index ${idx} too late (ended ${w.end})`);
  let exp = Number(w.end - now);
  if (isCurrency) exp = Math.min(exp, CURRENCY_EXPIRY_CAP);
  const timing: InvoiceTiming = { relativeExpiry: Math.max(exp, 1), basetime };
  // Proportional amount: the fraction of the period left (CLN's integer
  // quotient bug is not copied, digest §3.6).
  if (base?.proportionalAmount && now > periodStart(basetime, rec, idx)) {
    timing.amountScale = (a) => proportionalAmount(a, rec, basetime, idx, now);
  }
  return timing;
}

export interface BuiltReply {
  /** Signed invoice stream (send as onion message TLV 66). */
  invoice: Uint8Array;
  record: InvoiceRecord;
  /** A repeat request got the stored unpaid invoice. */
  repeat: boolean;
}

/** An invreq_recurrence_cancel accepted: recorded under the period's label, nothing to send (§3.6). */
export interface CancelRecorded {
  cancelled: true;
  label: string;
  /** False for a repeated cancel (already recorded). */
  created: boolean;
}

/** §3.7 single path [peer, us] (or the stub path [us] when no peer fits), e0 random. */
function paymentPath(
  peer: IntroPeer | undefined, env: MerchantEnv & { us: Uint8Array }, pathId: Uint8Array, height: number, relExpiry: number,
): { path: BlindedPath; payinfo: BlindedPayinfo; proof: { e0: Uint8Array; nodeIds: Uint8Array[] } } {
  const e0 = randomSessionKey();
  if (!peer) {
    const built = buildBlindedPath([{ nodeId: env.us, data: { pathId } }], { sessionKey: e0 });
    return {
      path: built.path,
      payinfo: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: env.cltvFinal, htlcMinimumMsat: 0n, htlcMaximumMsat: 2_100_000_000_000_000_000n, features: new Uint8Array(0) },
      proof: { e0, nodeIds: [env.us] },
    };
  }
  const p = u8(peer.peerId);
  const maxCltv = 1008 + height + Math.floor(relExpiry / 600) + peer.cltvExpiryDelta + env.cltvFinal;
  const built = buildBlindedPath([
    {
      nodeId: p,
      data: {
        nextNodeId: env.us,
        paymentRelay: { cltvExpiryDelta: peer.cltvExpiryDelta, feeProportionalMillionths: peer.feeProportionalMillionths, feeBaseMsat: peer.feeBaseMsat },
        paymentConstraints: { maxCltvExpiry: maxCltv, htlcMinimumMsat: peer.htlcMinimumMsat },
      },
    },
    { nodeId: env.us, data: { pathId } },
  ], { sessionKey: e0 });
  return {
    path: built.path,
    payinfo: {
      feeBaseMsat: peer.feeBaseMsat, feeProportionalMillionths: peer.feeProportionalMillionths,
      cltvExpiryDelta: peer.cltvExpiryDelta + env.cltvFinal, htlcMinimumMsat: peer.htlcMinimumMsat,
      htlcMaximumMsat: peer.htlcMaximumMsat, features: new Uint8Array(0),
    },
    proof: { e0, nodeIds: [p, env.us] },
  };
}

/** Validates, builds, signs (device), re-checks (@noble) and stores the invoice for `bytes`. */
export async function answerInvoiceRequest(bytes: Uint8Array, env: MerchantEnv, pathsecret?: Uint8Array): Promise<BuiltReply | CancelRecorded> {
  const createdAt = env.now();
  const us = await env.nodeId();
  const { req, offer, fronts } = validateInvoiceRequest(bytes, { store: env.store, chainHex: env.chainHex, pathsecret, now: createdAt, ourId: us });
  const f = req.fields;
  const label = `${offer.offerId}-${bytesToHex(f.invreq_payer_id!)}-${f.invreq_recurrence_counter ?? 0}`;
  // §3.6 invreq_recurrence_cancel: validated like any request (§3.2 above,
  // amount §3.4, period §3.6), then recorded; nothing is sent back. CLN stores
  // an invoice with relative expiry 0 under this label; the device will not
  // sign an invoice without the request's cancel record (its rule 2: the
  // invoice must copy the request, and BOLT 12 invoices have no cancel type),
  // so the cancel is kept in recurrence_cancels under the same label instead.
  if (f.invreq_recurrence_cancel !== undefined) {
    await invoiceAmount(req, env.currency);
    invoiceTiming(req, offer, env.store, createdAt);
    const paid = env.store.invoices.byLabel(label);
    if (paid?.status === 'paid') fail(`invoice ${label} already paid`, true);
    const created = env.store.invoices.recordCancel({
      label, localOfferId: offer.offerId, payerId: bytesToHex(f.invreq_payer_id!),
      recurrenceCounter: f.invreq_recurrence_counter!, recurrenceStart: f.invreq_recurrence_start, createdAt,
    });
    return { cancelled: true, label, created };
  }
  // A cancelled period is not invoiced (CLN: its label holds an expiry-0 invoice ⇒ "invoice cancelled").
  if (env.store.invoices.cancelled(label)) fail('invoice cancelled');
  // §3.8/§8 item 17: a repeat request gets the stored unpaid invoice.
  const old = env.store.invoices.byLabel(label);
  if (old?.status === 'unpaid') return { invoice: hexToBytes(bolt12Hex(old.bolt12)), record: old, repeat: true };
  if (old?.status === 'paid') fail(`invoice ${label} already paid`, true);
  if (old?.status === 'expired' && old.relativeExpiry === 0) fail('invoice cancelled', true);

  let amount = await invoiceAmount(req, env.currency);
  const timing = invoiceTiming(req, offer, env.store, createdAt);
  if (timing.amountScale) amount = timing.amountScale(amount);
  if (amount === 0n) amount = 1n;

  // Copied records (invreq ranges, byte for byte, signature excluded), minus invreq_recurrence_cancel.
  const copied: TlvEntry[] = req.records
    .filter((r) => inRanges(r.type, INVREQ_RANGES) && r.type !== TLV.invreq_recurrence_cancel)
    .map((r) => ({ type: r.type, value: r.value }));
  // §3.7 the path's peer: with fronting nodes only those peers (a
  // disconnected front ranked last, capacity 0), none ⇒ CLN's text; else the
  // best connected peer, or the stub path [us] when none fits.
  let peer: IntroPeer | undefined;
  if (fronts) {
    peer = (env.frontPeers ? await env.frontPeers(fronts, amount).catch(() => [] as IntroPeer[]) : [])[0];
    if (!peer) fail(`Could not find path from ${fronts.length} nodes (${fronts[0]}${fronts.length > 1 ? ', ...' : ''})`);
  } else {
    peer = (await env.peers(amount))[0];
  }
  // The device's payment_hash takes the payer's signed request as received
  // (validated above: invreq ranges and the signature only).
  let ids;
  try {
    ids = await env.port.invoiceIds(bytes);
  } catch (e) {
    if (e instanceof DeviceRuleError) fail(e.message, true);
    throw e;
  }
  const height = await env.blockheight();
  const pp = paymentPath(peer, { ...env, us }, ids.pathId, height, timing.relativeExpiry);
  const own: TlvEntry[] = [
    { type: TLV.invoice_paths, value: encodeFieldValue('invoice_paths', [pp.path]) },
    { type: TLV.invoice_blindedpay, value: encodeFieldValue('invoice_blindedpay', [pp.payinfo]) },
    { type: TLV.invoice_created_at, value: encodeFieldValue('invoice_created_at', BigInt(createdAt)) },
    { type: TLV.invoice_payment_hash, value: ids.paymentHash },
    { type: TLV.invoice_amount, value: encodeFieldValue('invoice_amount', amount) },
    { type: TLV.invoice_features, value: INVOICE_FEATURES },
    { type: TLV.invoice_node_id, value: f.offer_issuer_id! },
  ];
  if (timing.relativeExpiry !== DEFAULT_RELATIVE_EXPIRY) {
    own.push({ type: TLV.invoice_relative_expiry, value: encodeFieldValue('invoice_relative_expiry', timing.relativeExpiry) });
  }
  if (timing.basetime !== undefined) {
    own.push({ type: TLV.invoice_recurrence_basetime, value: encodeFieldValue('invoice_recurrence_basetime', timing.basetime) });
  }
  const unsigned = encodeTlvStream([...copied, ...own]);
  let signed;
  try {
    signed = await env.port.signInvoice({ invreqSignature: f.signature!, paths: [pp.proof], invoice: unsigned });
  } catch (e) {
    if (e instanceof DeviceRuleError) fail(e.message, true);
    throw e;
  }
  // @noble re-check before anything is stored or sent: the device signed this
  // stream's merkle root with the issuer key the invoice names.
  const root = merkleRoot(unsigned);
  if (!eqb(root, signed.merkleRoot) || !eqb(signed.publicKey, f.offer_issuer_id!)
    || !secp.schnorr.verify(signed.signature, signatureMessage('invoice', 'signature', root), f.offer_issuer_id!.subarray(1))) {
    fail('device signature does not verify', true);
  }
  const invoice = encodeTlvStream([...readTlvRecords(unsigned).map((r) => ({ type: r.type, value: r.value })), { type: TLV.signature, value: signed.signature }]);
  const inv = parseInvoice(invoice); // the whole codec's reader rules
  if (!verifyBolt12Signature('invoice', inv.records, inv.fields.invoice_node_id!, inv.fields.signature!)) fail('invoice signature does not verify', true);
  const { record, created } = env.store.invoices.insertOrGet({
    label,
    bolt12: encodeBolt12String('lni', invoice),
    paymentHash: bytesToHex(ids.paymentHash),
    pathId: bytesToHex(ids.pathId),
    amountMsat: amount,
    description: f.offer_description,
    createdAt,
    relativeExpiry: timing.relativeExpiry,
    localOfferId: offer.offerId,
    invreqPayerNote: f.invreq_payer_note,
    recurrenceCounter: f.invreq_recurrence_counter,
    recurrenceStart: f.invreq_recurrence_start,
    recurrenceBasetime: timing.basetime,
    keyMode: offer.keyMode,
  });
  if (!created) return { invoice: hexToBytes(bolt12Hex(record.bolt12)), record, repeat: true };
  return { invoice, record, repeat: false };
}

function bolt12Hex(s: string): string {
  return bytesToHex(decodeBolt12String(s).bytes);
}

// Simulated merchants on simulated nodes (docs/host/simnet.md "Simulated
// merchants"), independent of lnsigner's host/merchant: @noble and the simnet
// payer's own TLV / Merkle / signature code (../payer/tlv.ts). A node answers
// invoice_requests for its offers as cln-offers-flow-digest §3 describes
// (validation §3.2, invoice §3.3–3.4, blinded payment path §3.7), and
// answers someone else's invoice_request with an invoice (sendinvoice, §4.5
// sender side). Payments settle through the simnet's own invoices.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, concatBytes } from '@noble/hashes/utils.js';
import { secp } from '../../crypto/noble.js';
import { decodeBolt12String, encodeBolt12String } from '../../bolt12/bech32-string.js';
import { readBlindedPath, writeBlindedPath, writePayinfo, type BlindedPath } from '../../bolt12/subtypes.js';
import { ValueReader, ValueWriter } from '../../bolt12/wire.js';
import { buildBlindedPath } from '../../blinding/path.js';
import { buildOnionMessage } from '../../blinding/onion-message.js';
import type { OnionMessagePayload } from '../../blinding/onionmsg-payload.js';
import { Network } from '../network.js';
import { messengerOf } from '../onion-messages.js';
import { extraPaymentPath, makeBlindedInvoice, makeSecret } from '../blinded-forward.js';
import { introNode, messageRoute } from '../payer/fetch.js';
import { PayerError, REGTEST_CHAIN, T } from '../payer/invoice-request.js';
import { readRecords, readTu, record, signRecords, tu, verifyRecords, type Rec } from '../payer/tlv.js';

const enc = new TextEncoder();
const MIN_FINAL_CLTV = 18;
/** BOLT 12 TLV types only the merchant writes. */
const M = { offer_description: 10n, invreq_paths: 90n, invoice_features: 174n } as const;

export interface OfferParams {
  amountMsat?: bigint;
  description: string;
  quantityMax?: bigint;
  singleUse: boolean;
  /** Blinded hops of offer_paths (0: offer_issuer_id only, the node's key). */
  paths: number;
  /** offer_recurrence_compulsory: time_unit (0 seconds, 1 days, 2 months) and period. */
  recurrence?: { unit: 0 | 1 | 2; period: number };
  /**
   * Test-only misbehaviour (docs/host/simnet.md): `silent` answers nothing;
   * `change_field` answers an invoice whose copy of the request has a changed
   * offer_description (validly signed); `wrong_signer` signs the invoice with
   * a key that is not the offer's issuer (invoice_node_id = that key);
   * `second_invoice` answers every request with two invoices (another
   * payment hash each), the second sent right after the first.
   */
  misbehave?: Misbehaviour;
  /** Test-only: the invoices' number of invoice_paths and their payinfo htlc_maximum_msat (MPP across paths). */
  invoiceShape?: InvoiceShape;
}

export type Misbehaviour = 'silent' | 'change_field' | 'wrong_signer' | 'second_invoice';
export const MISBEHAVIOURS: readonly Misbehaviour[] = ['silent', 'change_field', 'wrong_signer', 'second_invoice'];

/** cln-rpc-digest §3.4: `<N><unit>` → (time_unit, period). */
export function parseRecurrence(text: string): { unit: 0 | 1 | 2; period: number } | undefined {
  const m = /^([0-9]+)(second|minute|hour|day|week|month)s?$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const [unit, mul] = ({ second: [0, 1], minute: [0, 60], hour: [0, 3600], day: [1, 1], week: [1, 7], month: [2, 1] } as const)[m[2] as 'second'];
  const period = n * mul;
  return period >= 1 && period <= 0xffffffff ? { unit, period } : undefined;
}

/** cln-rpc-digest §3.4 offer_period_start: basetime + i periods (days and months in the UTC calendar). */
function periodStart(r: { unit: 0 | 1 | 2; period: number }, basetime: bigint, i: number): bigint {
  if (r.unit === 0) return basetime + BigInt(r.period) * BigInt(i);
  if (r.unit === 1) return basetime + 86400n * BigInt(r.period) * BigInt(i);
  const d = new Date(Number(basetime) * 1000);
  const day = d.getUTCDate();
  const t = new Date(d);
  t.setUTCDate(1);
  t.setUTCMonth(d.getUTCMonth() + r.period * i);
  // Jan 31 + 1 month → the last day of February: step back until the day fits.
  const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  t.setUTCDate(Math.min(day, last));
  return BigInt(Math.floor(t.getTime() / 1000));
}

interface OfferState {
  key: string;
  node: number;
  bolt12: string;
  params: OfferParams;
  issuerSecret: Uint8Array;
  pathId?: Uint8Array;
  /** Payment hashes of the invoices issued for it (a single-use offer is used once one is paid, as CLN). */
  issued: string[];
  /** Recurring offers: "<payer id>-<counter>" → that period's invoice. */
  periods: Map<string, { paymentHash: string; basetime: bigint }>;
  /** Recurrence cancels received (invreq_recurrence_cancel): "<payer id>-<counter>". */
  cancelled: Set<string>;
  pendingBase?: bigint;
}

interface State {
  offers: Map<string, OfferState>;
  counter: number;
}
const states = new WeakMap<Network, State>();
const stateOf = (net: Network): State => {
  let s = states.get(net);
  if (!s) states.set(net, (s = { offers: new Map(), counter: 0 }));
  return s;
};

const bytesOf = (recs: Rec[]) => concatBytes(...recs.map((r) => r.raw));
/** digest §3.2 #9: the offer = records 1..79 and 1000000000..1999999999 of the request. */
const offerKey = (recs: Rec[]) => toHex(sha256(bytesOf(recs.filter((r) => (r.type >= 1n && r.type <= 79n) || (r.type >= 1000000000n && r.type <= 1999999999n)))));
const point = (net: Network, n: number) => secp.Point.fromHex(net.nodes[n].id).toBytes(true);
const encPath = (p: BlindedPath) => {
  const w = new ValueWriter();
  writeBlindedPath(w, p);
  return w.finish();
};

/** A chain of `n` distinct nodes leading to `node` over channels (introduction node first), for blinded hops. */
function chainTo(net: Network, node: number, n: number): number[] {
  const out: number[] = [];
  let at = node;
  while (out.length < n) {
    const c = net.channelsOf(at).map((x) => x.sides[1 - Network.dirFrom(x, at)].node).find((m) => m !== node && !out.includes(m));
    if (c === undefined) throw new PayerError(-32602, `paths: no chain of ${n} blinded hops to ${net.nodes[node].alias}`);
    out.unshift(c);
    at = c;
  }
  return out;
}

/** dev-simnet-offer: an offer the node answers (returns its lno1…). */
export function makeOffer(net: Network, node: number, p: OfferParams): string {
  const s = stateOf(net);
  const k = s.counter++;
  const om = messengerOf(net);
  // With paths the issuer key is a per-offer key of the node; without, the node's own key (digest §3.3: invoice_node_id = offer_issuer_id).
  const issuerSecret = p.paths > 0 ? makeSecret(net, node, enc.encode(`simnet-merchant/issuer/${k}`)) : net.nodes[node].secret;
  const recs: Rec[] = [record(T.offer_chains, REGTEST_CHAIN)];
  if (p.amountMsat !== undefined) recs.push(record(T.offer_amount, tu(p.amountMsat)));
  recs.push(record(M.offer_description, enc.encode(p.description)));
  let pathId: Uint8Array | undefined;
  if (p.paths > 0) {
    pathId = makeSecret(net, node, enc.encode(`simnet-merchant/offer-path/${k}`));
    const made = om.makeMessagePath(node, chainTo(net, node, p.paths - 1), { pathId });
    recs.push(record(T.offer_paths, encPath(made.built.path)));
  }
  if (p.quantityMax !== undefined) recs.push(record(T.offer_quantity_max, tu(p.quantityMax)));
  recs.push(record(T.offer_issuer_id, secp.getPublicKey(issuerSecret, true)));
  // cln-rpc-digest §3.5: offer_recurrence_compulsory (1000000024) = byte time_unit ‖ tu32 period.
  if (p.recurrence) recs.push(record(T.offer_recurrence_compulsory, concatBytes(Uint8Array.of(p.recurrence.unit), tu(BigInt(p.recurrence.period)))));
  const bolt12 = encodeBolt12String('lno', bytesOf(recs));
  const key = offerKey(recs);
  s.offers.set(key, { key, node, bolt12, params: p, issuerSecret, pathId, issued: [], periods: new Map(), cancelled: new Set() });
  om.setReceiver(node, (m, secret) => receive(net, node, m, secret));
  return bolt12;
}

/** Sends `payload` from `node` along `path` (route to its introduction node, or a direct connection). */
function sendAlong(net: Network, node: number, path: BlindedPath, payload: { invoice?: Uint8Array; invoiceError?: Uint8Array; replyPath?: BlindedPath }): string | undefined {
  const om = messengerOf(net);
  const intro = introNode(net, path);
  if (intro === undefined) return 'unknown introduction node';
  let route = messageRoute(net, node, intro);
  if (!route && net.isOnline(intro) && om.enabled(intro)) {
    om.connect(node, intro);
    route = [node, intro];
  }
  if (!route) return 'no route';
  const built = buildOnionMessage({ route: route.map((n) => point(net, n)), path, payload });
  return om.inject(node, built.message.pathKey, built.message.packet);
}

/** digest §3.2: invoice_error's only field is error (5). */
const invoiceError = (text: string) => record(5n, enc.encode(text)).raw;

/** The onion-message receiver of a merchant node: takes invoice_requests for its offers. */
function receive(net: Network, node: number, m: OnionMessagePayload, secret?: Uint8Array): boolean {
  if (!m.invoiceRequest) return false;
  let recs: Rec[];
  try {
    recs = readRecords(m.invoiceRequest);
  } catch {
    return false;
  }
  const offer = stateOf(net).offers.get(offerKey(recs));
  if (!offer || offer.node !== node) return false;
  const reply = (payload: { invoice?: Uint8Array; invoiceError?: Uint8Array }) => {
    if (m.replyPath) sendAlong(net, node, m.replyPath, payload);
  };
  const lnr = encodeBolt12String('lnr', m.invoiceRequest);
  // Test-only: a merchant that never answers (the payer times out).
  if (offer.params.misbehave === 'silent') return true;
  try {
    const invoice = answer(net, offer, recs, secret);
    // §3.6: a recurrence cancel is recorded and never answered.
    if (invoice) reply({ invoice });
    // Test-only: the same request answered again, with another invoice (another payment hash).
    if (invoice && offer.params.misbehave === 'second_invoice') reply({ invoice: answer(net, offer, recs, secret)! });
  } catch (e) {
    // digest §3.2: "Failed invreq <lnr1…>: <reason>", only when a reply path exists.
    reply({ invoiceError: invoiceError(`Failed invreq ${lnr}: ${(e as Error).message}`) });
  }
  return true;
}

class Refused extends Error {}

/** digest §3.2 checks (those that apply to simnet offers), then the invoice (§3.3). */
function answer(net: Network, offer: OfferState, recs: Rec[], secret: Uint8Array | undefined): Uint8Array | undefined {
  const get = (t: bigint) => recs.find((r) => r.type === t)?.value;
  // §3.2 #2: non-signature records within 0–159 or 1000000000–2999999999.
  if (recs.some((r) => !(r.type >= 240n && r.type <= 1000n) && !(r.type <= 159n || (r.type >= 1000000000n && r.type <= 2999999999n)))) throw new Refused('Invalid high fields');
  const payerId = get(T.invreq_payer_id);
  // §3.2 #3, #4.
  if (!payerId || payerId.length !== 33) throw new Refused('Missing invreq_payer_id');
  if (!get(T.invreq_metadata)) throw new Refused('Missing invreq_metadata');
  // §3.2 #7: invreq_chain (absent ⇒ bitcoin) is ours (regtest).
  const chain = get(T.invreq_chain);
  if (!chain || toHex(chain) !== toHex(REGTEST_CHAIN)) throw new Refused(`Wrong chain ${chain ? toHex(chain) : ''}`);
  // §3.2 #10, #11: a path offer only through its path (its path_id), a plain one only without.
  if (offer.pathId ? !secret || toHex(secret) !== toHex(offer.pathId) : secret !== undefined) throw new Refused('Unknown offer');
  // §3.2 #12: single-use and used (an invoice of it paid) ⇒ no longer available.
  if (offer.params.singleUse && offer.issued.some((h) => net.invoices.get(h)?.status === 'paid')) throw new Refused('Offer no longer available');
  // §3.2 #16: quantity.
  const p = offer.params;
  const qv = get(T.invreq_quantity);
  const quantity = qv ? readTu(qv, 8) : undefined;
  if (p.quantityMax !== undefined) {
    if (quantity === undefined) throw new Refused('missing invreq_quantity');
    if (quantity === 0n) throw new Refused('quantity zero invalid');
    if (p.quantityMax !== 0n && quantity > p.quantityMax) throw new Refused(`quantity ${quantity} > ${p.quantityMax}`);
  } else if (quantity !== undefined) throw new Refused('unexpected invreq_quantity');
  // §3.2 #17: BIP-340 signature by invreq_payer_id.
  const sig = get(T.signature);
  if (!sig) throw new Refused('missing signature');
  if (!verifyRecords('invoice_request', recs, sig, payerId)) throw new Refused('bad signature');
  // §3.2 #18: a recurring offer needs invreq_recurrence_counter; a one-off forbids it. Simnet offers have no base, so no start.
  const cv = get(T.invreq_recurrence_counter);
  if (p.recurrence && !cv) throw new Refused('missing invreq_recurrence_counter');
  if (!p.recurrence && cv) throw new Refused('unexpected invreq_recurrence_counter');
  if (get(T.invreq_recurrence_start)) throw new Refused('unexpected invreq_recurrence_start');
  const extra: Rec[] = [];
  let periodKey: string | undefined;
  if (p.recurrence && cv) {
    const counter = Number(readTu(cv, 4));
    const now = BigInt(Math.floor(Date.now() / 1000));
    let basetime = now;
    const payer = toHex(payerId);
    // §3.6: counter 0 starts at invoice_created_at; counter n needs invoice n−1 of this payer paid, and reuses its basetime.
    if (counter > 0) {
      const prev = offer.periods.get(`${payer}-${counter - 1}`);
      if (!prev) throw new Refused(`No previous invoice #${counter - 1}`);
      const st = net.invoices.get(prev.paymentHash)?.status ?? 'unpaid';
      if (st !== 'paid') throw new Refused(`Previous invoice #${counter - 1} status "${st}"`);
      basetime = prev.basetime;
    }
    // cln-rpc-digest §3.4: without a paywindow, from the start of the previous period to the end of this one.
    const opens = periodStart(p.recurrence, basetime, Math.max(0, counter - 1));
    const ends = periodStart(p.recurrence, basetime, counter + 1);
    if (counter > 0 && now < opens) throw new Refused(`period_index ${counter} too early (start ${opens})`);
    if (now >= ends) throw new Refused(`period_index ${counter} too late (ended ${ends})`);
    // §3.6: relative expiry = window end − created_at (at least 1).
    const rel = ends - now > 0n ? ends - now : 1n;
    extra.push(record(T.invoice_relative_expiry, tu(rel)), record(T.invoice_recurrence_basetime, tu(basetime)));
    periodKey = `${payer}-${counter}`;
    offer.pendingBase = basetime;
    // §3.6 invreq_recurrence_cancel: recorded, nothing sent; the period is not invoiced afterwards.
    if (get(T.invreq_recurrence_cancel) !== undefined) {
      if (counter === 0) throw new Refused('recurrence_cancel needs recurrence_counter > 0');
      offer.cancelled.add(periodKey);
      return undefined;
    }
    if (offer.cancelled.has(periodKey)) throw new Refused('invoice cancelled');
  } else if (get(T.invreq_recurrence_cancel) !== undefined) {
    throw new Refused('unexpected invreq_recurrence_cancel');
  }
  // §3.4: amount.
  const av = get(T.invreq_amount);
  const invreqAmount = av ? readTu(av, 8) : undefined;
  let amount: bigint;
  if (p.amountMsat === undefined) {
    if (invreqAmount === undefined) throw new Refused('missing invreq_amount');
    amount = invreqAmount;
  } else {
    const expected = p.amountMsat * (quantity ?? 1n);
    if (invreqAmount !== undefined) {
      if (invreqAmount < expected) throw new Refused(`Amount must be at least ${expected}msat`);
      if (invreqAmount / 5n > expected) throw new Refused(`Amount vastly exceeds ${expected}msat`);
      amount = invreqAmount;
    } else amount = expected;
  }
  // Test-only misbehaviours (docs/host/simnet.md): a changed copy of a request field, or another signer.
  let copied = recs;
  if (p.misbehave === 'change_field') copied = recs.map((r) => (r.type === M.offer_description ? record(M.offer_description, enc.encode(`${p.description} (changed)`)) : r));
  const signer = p.misbehave === 'wrong_signer' ? makeSecret(net, offer.node, enc.encode('simnet-merchant/wrong-signer')) : offer.issuerSecret;
  const inv = buildInvoice(net, offer.node, copied, amount, p.description, signer, extra, p.invoiceShape);
  offer.issued.push(inv.paymentHash);
  if (periodKey) offer.periods.set(periodKey, { paymentHash: inv.paymentHash, basetime: offer.pendingBase! });
  return inv.bytes;
}

/** Where sendinvoice invoices are tracked: payment hash → node. */
const sent = new WeakMap<Network, Map<string, number>>();

/**
 * digest §3.3: the request's records 0–159 and 1000000000–2999999999 copied,
 * then paths / payinfo (§3.7: [a channel peer, us], path_id the node
 * recognises), created_at, payment_hash, amount, features (MPP optional),
 * node_id; BIP-340 signature by `signer`.
 */
function buildInvoice(net: Network, node: number, reqRecs: Rec[], amount: bigint, description: string, signer: Uint8Array, extra: Rec[] = [], shape: InvoiceShape = {}): { bytes: Uint8Array; paymentHash: string } {
  const peers = net.channelsOf(node).map((c) => c.sides[1 - Network.dirFrom(c, node)].node).filter((n) => net.isOnline(n));
  const opts = { htlcMaximumMsat: shape.pathHtlcMaxMsat };
  // Test-only (dev-simnet-offer invoice_path_hops): the first path's blinded hops are the node's chain, as its offer_paths.
  const first = shape.pathHops !== undefined ? chainTo(net, node, shape.pathHops - 1) : peers.length ? [peers[0]] : [];
  const b = makeBlindedInvoice(net, node, first, amount, description, MIN_FINAL_CLTV, opts);
  // Test-only (dev-simnet-sendinvoice invoice_paths): more paths, each through another peer, same path_id.
  const paths = [b.built.path];
  const payinfos = [b.payinfo];
  for (let k = 1; k < (shape.paths ?? 1) && k < peers.length; k++) {
    const x = extraPaymentPath(net, node, [peers[k]], b.pathId, MIN_FINAL_CLTV, opts);
    paths.push(x.built.path);
    payinfos.push(x.payinfo);
  }
  const pw = new ValueWriter();
  for (const pi of payinfos) writePayinfo(pw, pi);
  const ppw = new ValueWriter();
  for (const pp of paths) writeBlindedPath(ppw, pp);
  const recs = reqRecs.filter((r) => r.type <= 159n || (r.type >= 1000000000n && r.type <= 2999999999n));
  recs.push(
    record(T.invoice_paths, ppw.finish()),
    record(T.invoice_blindedpay, pw.finish()),
    record(T.invoice_created_at, tu(shape.createdAt ?? BigInt(Math.floor(Date.now() / 1000)))),
    ...(shape.relativeExpiry !== undefined ? [record(T.invoice_relative_expiry, tu(shape.relativeExpiry))] : []),
    record(T.invoice_payment_hash, Uint8Array.from(Buffer.from(b.invoice.paymentHash, 'hex'))),
    record(T.invoice_amount, tu(amount)),
    record(M.invoice_features, Uint8Array.of(2, 0, 0)),
    record(T.invoice_node_id, secp.getPublicKey(signer, true)),
    ...extra,
  );
  recs.sort((a, c) => (a.type < c.type ? -1 : 1));
  const sig = signRecords('invoice', recs, signer);
  return { bytes: bytesOf([...recs, record(T.signature, sig)].sort((a, c) => (a.type < c.type ? -1 : 1))), paymentHash: b.invoice.paymentHash };
}

/**
 * dev-simnet-sendinvoice: the node answers an invoice_request not based on
 * its offer (CLN sendinvoice): signature checked, invoice signed with the
 * node key, sent along each invreq_paths entry or to invreq_payer_id directly.
 */
/**
 * Test-only shape of an invoice: how many invoice_paths (one per peer), their
 * payinfo htlc_maximum_msat; invoice_created_at (default now) and
 * invoice_relative_expiry (default absent = 7200 s), for expired invoices;
 * offers only: the first path's blinded hops (1..3, the node's chain as for
 * offer_paths; default 2: [first peer, node]).
 */
export interface InvoiceShape { paths?: number; pathHtlcMaxMsat?: bigint; createdAt?: bigint; relativeExpiry?: bigint; pathHops?: number }

/** dev-simnet-sendinvoice's options beyond the amount (docs/host/simnet.md). */
export interface SendInvoiceOptions {
  /**
   * Test-only: sign with the payer key this node used for that earlier invoice
   * (an lni1… whose request this node's simulated payer made): the key a refund
   * for it must be signed with (offerout refund_for, seed 000).
   */
  refundOf?: string;
  /** Attach a reply path to the node (CLN sendinvoice always does; default true), through which invoice_errors come back. */
  replyPath?: boolean;
  /** Test-only: send the same invoice this many times (1..20), all at once. */
  copies?: number;
}

const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The payer secret this node's simulated payer used for `lni` (node key + H(nodealias_base ‖ invreq_metadata), digest §4.1 step 5). */
function refundSecret(net: Network, node: number, lni: string): Uint8Array {
  let recs: Rec[];
  try {
    const d = decodeBolt12String(lni);
    if (d.prefix !== 'lni') throw new Error('not an invoice');
    recs = readRecords(d.bytes);
  } catch (e) {
    throw new PayerError(-32602, `refund_of: ${(e as Error).message}`);
  }
  const meta = recs.find((r) => r.type === T.invreq_metadata)?.value;
  const payerId = recs.find((r) => r.type === T.invreq_payer_id)?.value;
  if (!meta || !payerId) throw new PayerError(-32602, 'refund_of: no invreq_metadata / invreq_payer_id');
  const aliasBase = makeSecret(net, node, enc.encode('node-alias-base'));
  const tweak = BigInt('0x' + toHex(sha256(concatBytes(aliasBase, meta)))) % CURVE_N;
  const k = (BigInt('0x' + toHex(net.nodes[node].secret)) + tweak) % CURVE_N;
  const secret = Uint8Array.from(Buffer.from(k.toString(16).padStart(64, '0'), 'hex'));
  if (toHex(secp.getPublicKey(secret, true)) !== toHex(payerId)) throw new PayerError(-32602, 'refund_of: not an invoice this node paid (its payer key is not derived here)');
  return secret;
}

/** invoice_errors that came back through sendinvoice reply paths: payment hash → texts. */
const replies = new WeakMap<Network, Map<string, string[]>>();

/** The invoice_error texts received for a sendinvoice invoice of `node`. */
export function invoiceErrorsFor(net: Network, paymentHash: string): string[] {
  return [...(replies.get(net)?.get(paymentHash) ?? [])];
}

export function sendInvoice(net: Network, node: number, lnr: string, amountMsat?: bigint, shape: InvoiceShape = {}, o: SendInvoiceOptions = {}): { invoice: string; paymentHash: string; amountMsat: bigint } {
  let recs: Rec[];
  try {
    const d = decodeBolt12String(lnr);
    if (d.prefix !== 'lnr') throw new Error('not an invoice_request');
    recs = readRecords(d.bytes);
  } catch (e) {
    throw new PayerError(-32602, `invreq: ${(e as Error).message}`);
  }
  const get = (t: bigint) => recs.find((r) => r.type === t)?.value;
  const payerId = get(T.invreq_payer_id);
  const sig = get(T.signature);
  if (!payerId || payerId.length !== 33 || !sig || !verifyRecords('invoice_request', recs, sig, payerId)) throw new PayerError(-32602, 'invreq: bad signature');
  const av = get(T.invreq_amount);
  const amount = amountMsat ?? (av ? readTu(av, 8) : undefined);
  if (amount === undefined) throw new PayerError(-32602, 'amount_msat: required (invreq has no invreq_amount)');
  const signer = o.refundOf !== undefined ? refundSecret(net, node, o.refundOf) : net.nodes[node].secret;
  const { bytes, paymentHash: hash } = buildInvoice(net, node, recs.filter((r) => r.type !== T.signature), amount, 'sendinvoice', signer, [], shape);
  let m = sent.get(net);
  if (!m) sent.set(net, (m = new Map()));
  m.set(hash, node);
  // §4.6 step 4: our own reply path goes with it, so the payer can answer with an invoice_error.
  let replyPath: BlindedPath | undefined;
  if (o.replyPath !== false) {
    const om = messengerOf(net);
    const made = om.makeMessagePath(node, []);
    replyPath = made.built.path;
    let got = replies.get(net);
    if (!got) replies.set(net, (got = new Map()));
    const texts: string[] = [];
    got.set(hash, texts);
    om.awaitReply(node, made.pathId, (payload) => {
      const e = (payload.onion_message as { invoice_error?: string } | undefined)?.invoice_error;
      if (!e) return;
      try {
        const err = readRecords(Uint8Array.from(Buffer.from(e, 'hex'))).find((r) => r.type === 5n);
        texts.push(err ? new TextDecoder().decode(err.value) : `(invoice_error without text: ${e})`);
      } catch {
        texts.push(`(unparsable invoice_error ${e})`);
      }
    });
  }
  // §4.5 (sendinvoice): to invreq_paths, else straight to invreq_payer_id.
  const pv = get(M.invreq_paths);
  const paths: BlindedPath[] = [];
  if (pv) {
    const r = new ValueReader(pv, 0, pv.length);
    while (r.pos < pv.length) paths.push(readBlindedPath(r));
  } else paths.push(buildBlindedPath([{ nodeId: payerId, data: {} }]).path);
  const copies = o.copies ?? 1;
  const errs = paths.flatMap((p) => Array.from({ length: copies }, () => sendAlong(net, node, p, { invoice: bytes, replyPath }))).filter((e) => e !== undefined);
  if (errs.length === paths.length * copies) throw new PayerError(1003, `Failed: could not send the invoice (${errs.join(', ')})`);
  return { invoice: encodeBolt12String('lni', bytes), paymentHash: hash, amountMsat: amount };
}

/** dev-simnet-invoice-status: whether an invoice of `node` has been paid. */
export function invoiceStatus(net: Network, node: number, paymentHash: string): 'paid' | 'unpaid' | undefined {
  const inv = net.invoices.get(paymentHash);
  if (!inv || inv.node !== node) return undefined;
  return inv.status;
}

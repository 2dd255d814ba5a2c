// The simulated payer's own invoice_requests (docs/host/simnet.md "BOLT 12
// payer": dev-simnet-invoicerequest, dev-simnet-invreq-status), independent
// of lnsigner's host/payer: @noble and the simnet payer's TLV / Merkle /
// signature code (./tlv.ts). A node issues an `lnr1…` as Core Lightning's
// `invoicerequest` does (cln-rpc-digest §4.1: offer_description,
// offer_absolute_expiry, invreq_chain, invreq_amount, invreq_metadata,
// invreq_payer_id = the node id, optional invreq_paths whose final path_id =
// H(secret ‖ invreq_id without the paths)), and when an invoice for it
// arrives (someone's `sendinvoice`) checks it as Core Lightning's
// offers_inv_hook does (cln-offers-flow-digest §4.5) and pays it once through
// the simnet payer's dev-simnet-pay; a refusal is answered with an
// invoice_error `Failed invoice <lni1…>: <reason>` along the invoice's reply
// path. `hold` keeps received invoices unpaid (a payer that never pays).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, concatBytes } from '@noble/hashes/utils.js';
import { randomBytes } from 'node:crypto';
import { secp } from '../../crypto/noble.js';
import { encodeBolt12String } from '../../bolt12/bech32-string.js';
import { writeBlindedPath, type BlindedPath } from '../../bolt12/subtypes.js';
import { ValueWriter } from '../../bolt12/wire.js';
import { buildOnionMessage } from '../../blinding/onion-message.js';
import type { OnionMessagePayload } from '../../blinding/onionmsg-payload.js';
import { Network } from '../network.js';
import type { SimLightningd } from '../lightningd.js';
import { messengerOf } from '../onion-messages.js';
import { makeSecret } from '../blinded-forward.js';
import { introNode, messageRoute } from './fetch.js';
import { PayerError, REGTEST_CHAIN, T, readInvoice } from './invoice-request.js';
import { payInvoice } from './pay.js';
import { readRecords, record, signRecords, tu, writeRecords, type Rec } from './tlv.js';

const enc = new TextEncoder();
const OFFER_DESCRIPTION = 10n;
const INVREQ_PATHS = 90n;

export interface InvreqParams {
  node: number;
  amountMsat: bigint;
  description?: string;
  absoluteExpiry?: bigint;
  /** Hops of the one invreq_paths entry (0: none; 1: the node itself; 2: [a channel peer, node]). */
  paths: number;
  /** CLN invoicerequest default: true (used once one of its invoices is paid). */
  singleUse: boolean;
  /** Receive invoices but never pay them. */
  hold: boolean;
}

export interface ReceivedInvoice {
  invoice: string;
  paymentHash?: string;
  amountMsat?: bigint;
  /** paying → paid | failed; refused (an invoice_error was sent when it came with a reply path); held. */
  status: 'paying' | 'paid' | 'failed' | 'refused' | 'held';
  error?: string;
  replied: boolean;
}

interface OwnRequest {
  node: number;
  invreqId: string;
  /** Records 0..159 and 1000000000..2999999999 as sent: what an invoice for it copies. */
  part: string;
  pathId?: Uint8Array;
  bolt12: string;
  amountMsat: bigint;
  singleUse: boolean;
  hold: boolean;
  active: boolean;
  used: boolean;
  invoices: ReceivedInvoice[];
}

const requests = new WeakMap<Network, Map<string, OwnRequest>>();
const requestsOf = (net: Network) => {
  let m = requests.get(net);
  if (!m) requests.set(net, (m = new Map()));
  return m;
};

/** Records 0..159 and 1000000000..2999999999 (cln-rpc-digest §4.2). */
const invreqPart = (recs: Rec[]) => concatBytes(...recs.filter((r) => r.type <= 159n || (r.type >= 1000000000n && r.type <= 2999999999n)).map((r) => r.raw));
const point = (net: Network, n: number) => secp.Point.fromHex(net.nodes[n].id).toBytes(true);

/** dev-simnet-invoicerequest: the node's signed lnr1… (and it starts answering invoices for it). */
export function makeInvoiceRequest(net: Network, ld: SimLightningd, p: InvreqParams): { bolt12: string; invreqId: string } {
  const node = p.node;
  const recs: Rec[] = [record(T.invreq_metadata, Uint8Array.from(randomBytes(16)))];
  if (p.description !== undefined) recs.push(record(OFFER_DESCRIPTION, enc.encode(p.description)));
  if (p.absoluteExpiry !== undefined) recs.push(record(T.offer_absolute_expiry, tu(p.absoluteExpiry)));
  recs.push(record(80n, REGTEST_CHAIN), record(T.invreq_amount, tu(p.amountMsat)), record(T.invreq_payer_id, point(net, node)));
  let pathId: Uint8Array | undefined;
  if (p.paths > 0) {
    // cln-rpc-digest §4.1: path_id = H(makesecret("offer-blinded-path") ‖ invreq_id computed without the paths).
    const idNoPaths = sha256(invreqPart(recs));
    pathId = sha256(concatBytes(makeSecret(net, node, enc.encode('offer-blinded-path')), idNoPaths));
    let hops: number[] = [];
    if (p.paths === 2) {
      const peer = net.channelsOf(node).map((c) => c.sides[1 - Network.dirFrom(c, node)].node).find((n) => net.isOnline(n));
      if (peer === undefined) throw new PayerError(-32602, 'paths: the node has no online channel peer');
      hops = [peer];
    } else if (p.paths !== 1) {
      throw new PayerError(-32602, 'paths: should be 0, 1 or 2');
    }
    const made = messengerOf(net).makeMessagePath(node, hops, { pathId });
    const w = new ValueWriter();
    writeBlindedPath(w, made.built.path);
    recs.push(record(INVREQ_PATHS, w.finish()));
  }
  const sorted = readRecords(writeRecords(recs));
  const sig = signRecords('invoice_request', sorted, net.nodes[node].secret);
  const bytes = writeRecords([...sorted, record(T.signature, sig)]);
  const invreqId = toHex(sha256(invreqPart(sorted)));
  const bolt12 = encodeBolt12String('lnr', bytes);
  requestsOf(net).set(invreqId, {
    node, invreqId, part: toHex(invreqPart(sorted)), pathId, bolt12, amountMsat: p.amountMsat, singleUse: p.singleUse, hold: p.hold,
    active: true, used: false, invoices: [],
  });
  messengerOf(net).setReceiver(node, (m, secret) => receive(net, ld, node, m, secret), 'payer-invreq');
  return { bolt12, invreqId };
}

/** Sends an invoice_error from `node` along `path` (route to its introduction node, or a direct connection). */
function sendError(net: Network, node: number, path: BlindedPath, text: string): boolean {
  const om = messengerOf(net);
  const intro = introNode(net, path);
  if (intro === undefined) return false;
  let route = messageRoute(net, node, intro);
  if (!route && net.isOnline(intro) && om.enabled(intro)) {
    om.connect(node, intro);
    route = [node, intro];
  }
  if (!route) return false;
  try {
    const built = buildOnionMessage({ route: route.map((n) => point(net, n)), path, payload: { invoiceError: record(5n, enc.encode(text)).raw } });
    return om.inject(node, built.message.pathKey, built.message.packet) === undefined;
  } catch {
    return false;
  }
}

class Refused extends Error {}

/** The onion-message receiver of a node with invoice_requests: takes invoices for them (§4.5). */
function receive(net: Network, ld: SimLightningd, node: number, m: OnionMessagePayload, secret?: Uint8Array): boolean {
  if (!m.invoice) return false;
  const mine = [...requestsOf(net).values()].filter((r) => r.node === node);
  if (!mine.length) return false;
  const lni = encodeBolt12String('lni', m.invoice);
  let recs: Rec[] | undefined;
  try {
    recs = readRecords(m.invoice);
  } catch {
    recs = undefined;
  }
  // §4.5 step 3: the request it answers (the invoice copies its ranges byte for byte).
  const req = recs ? mine.find((r) => r.part === toHex(invreqPart(recs!))) : undefined;
  // A message through another payer flow's path (a fetchinvoice reply …) is not ours.
  if (secret && !mine.some((r) => r.pathId && toHex(r.pathId) === toHex(secret))) return false;
  const got: ReceivedInvoice = { invoice: lni, status: 'refused', replied: false };
  const refuse = (reason: string) => {
    got.status = 'refused';
    got.error = reason;
    // §4.5: an invoice_error only when the invoice came with a reply path.
    if (m.replyPath) got.replied = sendError(net, node, m.replyPath, recs ? `Failed invoice ${lni}: ${reason}` : `Failed invoice: ${reason}`);
  };
  try {
    // §4.5 step 1.
    if (!recs) throw new Refused(`Invalid invoice ${toHex(m.invoice)}`);
    const id = toHex(sha256(invreqPart(recs)));
    // §4.5 step 2: through our path, its secret; without one, no invreq_paths in the invoice.
    if (secret ? !req?.pathId || toHex(req.pathId) !== toHex(secret) : recs.some((r) => r.type === INVREQ_PATHS)) throw new Refused(`Unknown invoice_request ${id}`);
    // §4.5 steps 4-8, 11: fields, expiry, paths and payinfo, signature (the payer's reader).
    let inv;
    try {
      inv = readInvoice(m.invoice);
    } catch (e) {
      throw new Refused((e as Error).message);
    }
    got.paymentHash = toHex(inv.paymentHash);
    got.amountMsat = inv.amountMsat;
    // §4.5 step 9, 10.
    if (!req) throw new Refused(`Unknown invoice_request ${id}`);
    req.invoices.push(got);
    if (!req.active) throw new Refused('invoice_request no longer available');
    // §4.5 step 12.
    if (inv.amountMsat > req.amountMsat) throw new Refused('invoice amount is too large');
    if (req.hold) {
      got.status = 'held';
      return true;
    }
    // §4.5 step 13: pay it; a single-use request is used once paid (lightningd, localinvreqid).
    got.status = 'paying';
    if (req.singleUse) req.active = false;
    void payInvoice(net, ld, { node, invoice: lni }).then(
      () => {
        got.status = 'paid';
        req.used = true;
      },
      (e) => {
        got.status = 'failed';
        got.error = `pay attempt failed: ${(e as Error).message}`;
        if (req.singleUse && !req.used) req.active = true;
        if (m.replyPath) got.replied = sendError(net, node, m.replyPath, `Failed invoice ${lni}: ${got.error}`);
      },
    );
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    if (req && !req.invoices.includes(got)) req.invoices.push(got);
    refuse(e.message);
  }
  return true;
}

/** dev-simnet-invreq-status: a request of `node` (by invreq_id or its lnr1…) and the invoices it received. */
export function invreqStatus(net: Network, node: number, ref: string): Record<string, unknown> | undefined {
  const r = [...requestsOf(net).values()].find((x) => x.node === node && (x.invreqId === ref || x.bolt12 === ref));
  if (!r) return undefined;
  return {
    invreq_id: r.invreqId, bolt12: r.bolt12, active: r.active, single_use: r.singleUse, used: r.used, amount_msat: r.amountMsat,
    invoices: r.invoices.map((i) => ({
      invoice: i.invoice, status: i.status, replied: i.replied,
      ...(i.paymentHash ? { payment_hash: i.paymentHash } : {}),
      ...(i.amountMsat !== undefined ? { amount_msat: i.amountMsat } : {}),
      ...(i.error ? { error: i.error } : {}),
    })),
  };
}


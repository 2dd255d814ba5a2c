// The simulated payer's fetchinvoice (cln-offers-flow-digest §4.1–4.4): the
// invoice_request goes as an onion message along each offer_paths entry in
// turn (or straight to offer_issuer_id), from the payer node over connected
// peers, with a reply path the payer made (CLN make_reply_path: the node
// before the target as introduction, then the route back; our final hop
// holds a fresh random 32-byte path_id); the reply is taken at the payer node
// when it arrives with that path_id (onion_message_recv_secret's pathsecret)
// and checked as a payer must (./invoice-request.ts).
import { bytesToHex as toHex, concatBytes, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from 'node:crypto';
import { secp } from '../../crypto/noble.js';
import { buildBlindedPath } from '../../blinding/path.js';
import { buildOnionMessage } from '../../blinding/onion-message.js';
import { formatScid, type BlindedPath } from '../../bolt12/subtypes.js';
import { encodeBolt12String } from '../../bolt12/bech32-string.js';
import { Network } from '../network.js';
import { messengerOf } from '../onion-messages.js';
import { makeSecret } from '../blinded-forward.js';
import { buildInvoiceRequest, checkInvoice, parseOffer, PayerError, readInvoiceError, REGTEST_CHAIN, type CheckedInvoice } from './invoice-request.js';

export interface FetchParams {
  node: number;
  offer: string;
  amountMsat?: bigint;
  quantity?: bigint;
  recurrenceCounter?: number;
  recurrenceStart?: number;
  /** Send a recurrence cancel (CLN cancelrecurringinvoice): no invoice may come back. */
  recurrenceCancel?: boolean;
  payerNote?: string;
  /** CLN's recurrence_label: the same label gives the same invreq_metadata
   *  (hence payer id) for every period of a recurring offer. */
  recurrenceLabel?: string;
  /** Seconds to wait for the reply (CLN default 60). */
  timeout?: number;
}

export interface FetchResult {
  invoice: string;
  checked: CheckedInvoice;
  /** CLN: changes.amount_msat unless the amount is the one expected (always empty here: a different amount is refused). */
  changes: Record<string, unknown>;
}

/** The node a blinded path starts at (first_node_id, or the scid end it names). */
export function introNode(net: Network, path: BlindedPath): number | undefined {
  if ('pubkey' in path.firstNodeId) return net.node(toHex(path.firstNodeId.pubkey))?.index;
  const c = net.channel(formatScid(path.firstNodeId.scid));
  return c?.sides[path.firstNodeId.direction].node;
}

/** Shortest route for onion messages from `from` to `to` over connected peers that handle them (BFS). */
export function messageRoute(net: Network, from: number, to: number): number[] | undefined {
  const om = messengerOf(net);
  if (from === to) return [from];
  const prev = new Map<number, number>([[from, -1]]);
  const queue = [from];
  while (queue.length) {
    const u = queue.shift()!;
    for (const n of net.nodes) {
      const v = n.index;
      if (prev.has(v) || !om.enabled(v) || !om.connected(u, v)) continue;
      prev.set(v, u);
      if (v === to) {
        const route = [v];
        for (let x = u; x !== -1; x = prev.get(x)!) route.unshift(x);
        return route;
      }
      queue.push(v);
    }
  }
  return undefined;
}

const point = (net: Network, n: number) => secp.Point.fromHex(net.nodes[n].id).toBytes(true);

/** A recurrence cancel sent, and no answer within the timeout (as the issuer must: §3.6). */
export interface CancelSent {
  /** The signed invoice_request (`lnr1…`), CLN cancelrecurringinvoice's `bolt12`. */
  cancelSent: string;
}

/** fetchinvoice for a simulated node (the test-only method dev-simnet-fetchinvoice). */
export async function fetchInvoice(net: Network, p: FetchParams & { recurrenceCancel?: false }): Promise<FetchResult>;
export async function fetchInvoice(net: Network, p: FetchParams): Promise<FetchResult | CancelSent>;
export async function fetchInvoice(net: Network, p: FetchParams): Promise<FetchResult | CancelSent> {
  const om = messengerOf(net);
  const offer = parseOffer(p.offer);
  const me = net.nodes[p.node];
  const aliasBase = makeSecret(net, p.node, new TextEncoder().encode('node-alias-base'));
  // A labelled recurring payment keeps one payer id across periods (as CLN's
  // recurrence_label): metadata = SHA256(secret ‖ offer ‖ label)[0..16].
  const metadata = p.recurrenceLabel === undefined
    ? undefined
    : sha256(concatBytes(makeSecret(net, p.node, new TextEncoder().encode('recurrence-label')), new TextEncoder().encode(`${p.offer}\0${p.recurrenceLabel}`))).slice(0, 16);
  const req = buildInvoiceRequest(offer, {
    metadata,
    amountMsat: p.amountMsat,
    quantity: p.quantity,
    recurrenceCounter: p.recurrenceCounter,
    recurrenceStart: p.recurrenceStart,
    recurrenceCancel: p.recurrenceCancel,
    payerNote: p.payerNote,
    chain: REGTEST_CHAIN,
    aliasBase,
    nodeSecret: me.secret,
  });
  // §4.2: each offer_paths entry in order, else offer_issuer_id directly (a one-hop "path" with empty data).
  const targets: BlindedPath[] = offer.paths.length
    ? offer.paths
    : offer.issuerId
      ? [buildBlindedPath([{ nodeId: offer.issuerId, data: {} }]).path]
      : [];
  if (!targets.length) throw new PayerError(-32602, 'offer: no offer_paths and no offer_issuer_id');
  const tried: string[] = [];
  for (const path of targets) {
    const target = introNode(net, path);
    if (target === undefined) {
      tried.push('unknown introduction node');
      continue;
    }
    // §4.2: route over nodes with onion messages; none ⇒ connect to the target directly.
    let route = messageRoute(net, p.node, target);
    if (!route && net.isOnline(target) && net.isOnline(p.node) && om.enabled(target)) {
      om.connect(p.node, target);
      route = [p.node, target];
    }
    if (!route) {
      tried.push(net.nodes[target].id);
      continue;
    }
    // §4.2 make_reply_path: [N(k-1), …, N1] then us; a direct route gives [us] alone.
    const replyHops = route.slice(1, -1).reverse();
    const replySecret = Uint8Array.from(randomBytes(32));
    const reply = om.makeMessagePath(p.node, replyHops, { pathId: replySecret });
    // §4.2 step 6: expected signer = offer_issuer_id, else the last blinded node of the path tried.
    const signer = offer.issuerId ?? path.hops[path.hops.length - 1].blindedNodeId;
    let built;
    try {
      built = buildOnionMessage({ route: route.map((n) => point(net, n)), path, payload: { invoiceRequest: req.bytes, replyPath: reply.built.path } });
    } catch (e) {
      tried.push(`${net.nodes[target].id} (${(e as Error).message})`);
      continue;
    }
    // §4.2: remembered before sending (the reply can race the injection).
    let done!: (payload: Record<string, unknown>) => void;
    const answered = new Promise<Record<string, unknown>>((r) => (done = r));
    const stop = om.awaitReply(p.node, replySecret, (payload) => done(payload));
    try {
      const err = om.inject(p.node, built.message.pathKey, built.message.packet);
      if (err !== undefined) {
        tried.push(`${net.nodes[target].id} (${err})`);
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), (p.timeout ?? 60) * 1000)));
      const payload = await Promise.race([answered, timedOut]).finally(() => clearTimeout(timer));
      // A cancel is never answered with an invoice (§3.6): silence until the timeout is success.
      if (!payload && p.recurrenceCancel) return { cancelSent: encodeBolt12String('lnr', req.bytes) };
      if (!payload) throw new PayerError(1005, 'Timeout waiting for response');
      const om2 = payload.onion_message as Record<string, string | undefined>;
      // §4.3 step 1: invoice_error ⇒ 1004 with its fields.
      if (om2.invoice_error !== undefined) throw new PayerError(1004, 'Remote node sent failure message', readInvoiceError(fromHex(om2.invoice_error)));
      if (p.recurrenceCancel) throw new PayerError(1004, `Unexpected reply to a recurrence cancel: ${JSON.stringify(om2)}`);
      // §4.3 step 2.
      if (om2.invoice === undefined) throw new PayerError(1004, `Neither invoice nor invoice_request_failed in reply ${JSON.stringify(om2)}`);
      const bytes = fromHex(om2.invoice);
      const checked = checkInvoice(offer, req, bytes, signer, { amountMsat: p.amountMsat, quantity: p.quantity });
      return { invoice: encodeBolt12String('lni', bytes), checked, changes: {} };
    } finally {
      stop();
    }
  }
  throw new PayerError(1003, `Failed: could not route or connect directly to ${tried.join(', ')}`);
}

/** The result of dev-simnet-fetchinvoice: CLN's {invoice, changes} plus the fields the payer read. */
export function fetchResultJson(r: FetchResult): Record<string, unknown> {
  const c = r.checked;
  return {
    invoice: r.invoice,
    changes: r.changes,
    payment_hash: toHex(c.paymentHash),
    amount_msat: c.amountMsat,
    created_at: Number(c.createdAt),
    relative_expiry: Number(c.relativeExpiry),
    node_id: toHex(c.nodeId),
    paths: c.paths.length,
    ...(c.recurrenceBasetime !== undefined ? { recurrence_basetime: Number(c.recurrenceBasetime) } : {}),
  };
}

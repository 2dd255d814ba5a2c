// Route assembly for `pay` (docs/host/pay.md): a clear route from our node
// to a blinded path's introduction node, then that path's hops. Amounts and
// cltv follow cln-offers-flow-digest §6.6 and BOLT 4 §4.5 (writer of a
// payment into a blinded path): the introduction node must receive
// amount + fee_base + amount·ppm/10^6 of the path's blinded_payinfo with
// cltv_expiry_delta blocks above the final value; clear hops carry
// amt_to_forward, outgoing_cltv_value and short_channel_id as sendpay's
// (cln-rpc-digest §5.2, with base = height + 1 and relative delays); the
// introduction node gets encrypted_recipient_data and current_path_key, the
// final hop amt_to_forward, outgoing_cltv_value and total_amount_msat.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { BlindedPath, BlindedPayinfo } from '../bolt12/subtypes.js';
import { encodeBlindedHopPayload, encodeHopPayload, withLength } from '../onion/payload.js';
import { amountIntoPath } from '../blinding/payinfo.js';
import { scidBytes, type Hop } from '../payments/route.js';

/** Channel name stored for a hop inside a blinded path (its channel is not known to the payer). */
export const BLINDED_CHANNEL = '0x0x0';

export interface PartInput {
  /** Clear route from our first peer to the introduction node (its last hop ends there); sendpay's hop shape. */
  route: Hop[];
  path: BlindedPath;
  payinfo: Pick<BlindedPayinfo, 'feeBaseMsat' | 'feeProportionalMillionths' | 'cltvExpiryDelta'>;
  /** What this part delivers to the recipient. */
  amountMsat: bigint;
  /** The invoice amount (total_amount_msat). */
  totalMsat: bigint;
  /** Blocks above `base` for the final hop's outgoing_cltv_value (0: base itself). */
  finalDelay: number;
}

export interface AssembledPart {
  hops: { pubkey: Uint8Array; payload: Uint8Array }[];
  firstHop: { id: string; amountMsat: bigint; channel: string; delay: number };
  routeNodes: string[];
  routeChannels: string[];
  /** first-hop amount − delivered amount. */
  feeMsat: bigint;
}

/** What the introduction node must receive, and its delay, for `amount` through `payinfo`. */
export function introTarget(amountMsat: bigint, payinfo: PartInput['payinfo'], finalDelay: number) {
  return {
    amountMsat: amountIntoPath(amountMsat, { feeBaseMsat: BigInt(payinfo.feeBaseMsat), feeProportionalMillionths: BigInt(payinfo.feeProportionalMillionths) }),
    delay: finalDelay + payinfo.cltvExpiryDelta,
  };
}

/** The introduction node of a path (hex), when it is given as a node id. */
export function introNodeOf(path: BlindedPath): string | undefined {
  return 'pubkey' in path.firstNodeId ? bytesToHex(path.firstNodeId.pubkey) : undefined;
}

/**
 * The onion hops of one part (payloads with their length, as build_onion
 * and pay_invoice take them) for a block height `base` = height + 1.
 */
export function assemblePart(p: PartInput, base: number): AssembledPart {
  const n = p.route.length;
  if (n === 0) throw new RangeError('the clear route is empty (we are the introduction node)');
  const intro = introNodeOf(p.path);
  if (!intro) throw new RangeError('first_node_id in scid+direction form: resolve it to a node id first');
  const last = p.route[n - 1];
  if (last.id !== intro) throw new RangeError(`the route ends at ${last.id}, not the introduction node ${intro}`);
  const want = introTarget(p.amountMsat, p.payinfo, p.finalDelay);
  // The introduction node must receive at least what the payinfo asks (§6.6).
  if (last.amountMsat < want.amountMsat) throw new RangeError(`the route delivers ${last.amountMsat} msat to the introduction node, the path needs ${want.amountMsat}`);
  if (last.delay < want.delay) throw new RangeError(`the route gives the introduction node ${last.delay} blocks, the path needs ${want.delay}`);
  const hops: AssembledPart['hops'] = [];
  // Clear hops: node i forwards to route[i+1] over its channel (§5.2).
  for (let i = 0; i + 1 < n; i++) {
    const next = p.route[i + 1];
    hops.push({
      pubkey: hexToBytes(p.route[i].id),
      payload: withLength(encodeHopPayload({ amountMsat: next.amountMsat, cltv: base + next.delay, shortChannelId: scidBytes(next.channel) })),
    });
  }
  const k = p.path.hops.length;
  p.path.hops.forEach((h, i) => {
    hops.push({
      // BOLT 4: the introduction node by its real id, later hops by their blinded ids.
      pubkey: i === 0 ? hexToBytes(intro) : h.blindedNodeId,
      payload: withLength(encodeBlindedHopPayload({
        encryptedRecipientData: h.encryptedRecipientData,
        // BOLT 4 §4.5: the introduction node gets current_path_key = first_path_key.
        currentPathKey: i === 0 ? p.path.firstPathKey : undefined,
        // BOLT 4 §4.5: the final node gets amt_to_forward, outgoing_cltv_value, total_amount_msat.
        ...(i === k - 1 ? { amountMsat: p.amountMsat, cltv: base + p.finalDelay, totalAmountMsat: p.totalMsat } : {}),
      })),
    });
  });
  return {
    hops,
    firstHop: { id: p.route[0].id, amountMsat: p.route[0].amountMsat, channel: p.route[0].channel, delay: p.route[0].delay },
    routeNodes: [...p.route.map((h) => h.id), ...p.path.hops.slice(1).map((h) => bytesToHex(h.blindedNodeId))],
    routeChannels: [...p.route.map((h) => h.channel), ...p.path.hops.slice(1).map(() => BLINDED_CHANNEL)],
    feeMsat: p.route[0].amountMsat - p.amountMsat,
  };
}

/**
 * Splits `amount` into parts over the usable paths (MPP, BOLT 12 basic_mpp):
 * each path carries at most its htlc_maximum_msat (and `maxPart` when given),
 * parts are never below a path's htlc_minimum_msat; paths are taken in the
 * given order (cheapest first) and filled in turn. Undefined: the paths
 * cannot carry it.
 */
export function splitAmount(amountMsat: bigint, paths: { index: number; min: bigint; max: bigint }[], maxParts = 16): { index: number; amountMsat: bigint }[] | undefined {
  const parts: { index: number; amountMsat: bigint }[] = [];
  let left = amountMsat;
  for (const p of paths) {
    if (left === 0n || parts.length >= maxParts) break;
    const a = left < p.max ? left : p.max;
    if (a === 0n || a < p.min) continue;
    // Leave no remainder below every other path's minimum: take it all or leave enough.
    parts.push({ index: p.index, amountMsat: a });
    left -= a;
  }
  return left === 0n ? parts : undefined;
}

// --- the node's view of the network ---------------------------------------

/** One direction of a channel, as listchannels gives it. */
export interface GraphEdge {
  source: string;
  destination: string;
  scid: string;
  direction: number;
  feeBaseMsat: bigint;
  feePpm: bigint;
  cltvDelta: number;
  htlcMinMsat: bigint;
  htlcMaxMsat: bigint;
  active: boolean;
}

/**
 * Cheapest route (fee, then cltv) from `from` to `to` delivering `amount`
 * with `finalDelay` blocks, over listchannels' edges, skipping `exclude`
 * (`scid/dir` or node ids); our own first channel charges nothing (as
 * getroute). Hops in sendpay's shape, or undefined.
 */
export function routeOverGraph(edges: GraphEdge[], from: string, to: string, amountMsat: bigint, finalDelay: number, exclude: Set<string>, maxHops = 20): Hop[] | undefined {
  const into = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    if (!e.active || exclude.has(`${e.scid}/${e.direction}`) || exclude.has(e.source) || exclude.has(e.destination)) continue;
    const l = into.get(e.destination) ?? [];
    l.push(e);
    into.set(e.destination, l);
  }
  interface L { amount: bigint; delay: number; cost: bigint; hops: Hop[] }
  const best = new Map<string, L>([[to, { amount: amountMsat, delay: finalDelay, cost: 0n, hops: [] }]]);
  const done = new Set<string>();
  for (;;) {
    let v: string | undefined;
    for (const [n, l] of best) if (!done.has(n) && (v === undefined || l.cost < best.get(v)!.cost)) v = n;
    if (v === undefined || v === from) break;
    done.add(v);
    const lv = best.get(v)!;
    if (lv.hops.length >= maxHops) continue;
    for (const e of into.get(v) ?? []) {
      if (done.has(e.source) || lv.amount > e.htlcMaxMsat || lv.amount < e.htlcMinMsat) continue;
      const ours = e.source === from;
      const fee = ours ? 0n : e.feeBaseMsat + (lv.amount * e.feePpm) / 1_000_000n;
      const delta = ours ? 0 : e.cltvDelta;
      const l: L = {
        amount: lv.amount + fee, delay: lv.delay + delta, cost: lv.cost + fee * 1000n + BigInt(delta),
        hops: [{ id: v, channel: e.scid, amountMsat: lv.amount, delay: lv.delay }, ...lv.hops],
      };
      const cur = best.get(e.source);
      if (!cur || l.cost < cur.cost) best.set(e.source, l);
    }
  }
  return best.get(from)?.hops;
}

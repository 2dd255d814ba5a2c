// The simulated payer paying a BOLT 12 invoice (dev-simnet-pay): the invoice
// is read and its signature checked (./invoice-request.ts readInvoice), then
// each invoice path is tried in turn with one part: the simnet's own routing
// (getroute from the payer node) to the path's introduction node, then the
// blinded tail with the amount and cltv its blinded_payinfo asks for
// (host/blinding buildBlindedPaymentOnion). When no single path can carry
// the amount (payinfo htlc_maximum_msat, or `maxPartMsat`), the amount is
// split across the paths (MPP, total_amount_msat = the invoice amount) and
// every part must be fulfilled.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, hexToBytes } from '@noble/hashes/utils.js';
import { secp } from '../../crypto/noble.js';
import { decodeBolt12String } from '../../bolt12/bech32-string.js';
import { decodeFailureOnion } from '../../onion/sphinx.js';
import { buildBlindedPaymentOnion, type ClearHop } from '../../blinding/payment-onion.js';
import { failCodeName, failCodeOf } from '../wire.js';
import { Network, type SimChannel } from '../network.js';
import type { SimLightningd } from '../lightningd.js';
import { introNode } from './fetch.js';
import { unblindHop } from '../../blinding/unblind.js';
import { formatScid } from '../../bolt12/subtypes.js';
import { PayerError, readInvoice, type CheckedInvoice } from './invoice-request.js';

export interface PayParams {
  node: number;
  invoice: string;
  /** Largest part (forces MPP in tests); default: a path's htlc_maximum_msat. */
  maxPartMsat?: bigint;
}

export interface PayResult {
  paymentHash: string;
  preimage: string;
  amountMsat: bigint;
  amountSentMsat: bigint;
  parts: number;
}

interface PartOutcome {
  ok: boolean;
  preimage?: string;
  sent: bigint;
  failcode?: number;
  erringIndex?: number;
  rawMessage?: string;
  why?: string;
}

const scidBytes = (s: string) => {
  const [b, t, o] = s.split('x').map(Number);
  return Uint8Array.of(b >> 16, b >> 8, b, t >> 16, t >> 8, t, o >> 8, o);
};
const point = (net: Network, n: number) => secp.Point.fromHex(net.nodes[n].id).toBytes(true);

/** One part of `amount` through invoice path `i`. */
async function sendPart(net: Network, ld: SimLightningd, payer: number, inv: CheckedInvoice, i: number, amount: bigint, total: bigint): Promise<PartOutcome> {
  let path = inv.paths[i];
  const info = inv.payinfo[i];
  let intro = introNode(net, path);
  if (intro === undefined) return { ok: false, sent: 0n, why: 'unknown introduction node' };
  // The payer is the path's introduction node: it opens its own hop (as xpay does with decryptencrypteddata)
  // and starts the route at the next hop, whose path key is ours advanced (or the override); the fee and
  // delta of our own hop stay in the payinfo and reach the recipient as a small overpayment.
  if (intro === payer) {
    if (path.hops.length < 2) return { ok: false, sent: 0n, why: 'the invoice is our own' };
    let hop;
    try {
      hop = unblindHop(net.nodes[payer].secret, path.firstPathKey, path.hops[0].encryptedRecipientData);
    } catch (e) {
      return { ok: false, sent: 0n, why: `cannot open our own blinded hop: ${(e as Error).message}` };
    }
    const d = hop.data;
    const next = d.nextNodeId ? net.node(toHex(d.nextNodeId))?.index : d.shortChannelId ? (() => {
      const c = net.channel(formatScid(d.shortChannelId!));
      return c && Network.dirFrom(c, payer) >= 0 ? c.sides[1 - Network.dirFrom(c, payer)].node : undefined;
    })() : undefined;
    if (next === undefined) return { ok: false, sent: 0n, why: 'our own blinded hop names no next node' };
    path = { firstNodeId: { pubkey: point(net, next) }, firstPathKey: hop.nextPathKey, hops: path.hops.slice(1) };
    intro = next;
  }
  const height = net.heightAt(payer);
  const finalCltv = height + 1;
  const fees = { feeBaseMsat: BigInt(info.feeBaseMsat), feeProportionalMillionths: BigInt(info.feeProportionalMillionths) };
  const introAmount = amount + fees.feeBaseMsat + (amount * fees.feeProportionalMillionths) / 1_000_000n;
  // The simnet's own routing to the introduction node (gossip: fees and deltas).
  let route;
  try {
    route = ld.getroute({ id: net.nodes[intro].id, amountMsat: introAmount, riskfactor: 10, cltv: finalCltv - height + info.cltvExpiryDelta, fromid: net.nodes[payer].id, exclude: [], maxhops: 20 }).route;
  } catch (e) {
    return { ok: false, sent: 0n, why: (e as Error).message };
  }
  const clearHops: ClearHop[] = [];
  for (let k = 0; k + 1 < route.length; k++) {
    const n = net.node(route[k].id)!.index;
    const c = net.channel(route[k + 1].channel)!;
    const pol = c.sides[Network.dirFrom(c, n)];
    clearHops.push({ nodeId: point(net, n), shortChannelId: scidBytes(c.scid), feeBaseMsat: pol.feeBaseMsat, feePpm: pol.feePpm, cltvExpiryDelta: pol.cltvDelta });
  }
  const built = buildBlindedPaymentOnion({ clearHops, path, payinfo: info, introNodeId: point(net, intro), amountMsat: amount, totalAmountMsat: total, finalCltv }, inv.paymentHash);
  // The first channel: the route's, else any channel to that peer that can carry it.
  const peer = net.node(route[0].id)!.index;
  const chans = net.channelsOf(payer).filter((c) => Network.dirFrom(c, peer) >= 0);
  const chan: SimChannel | undefined = chans.find((c) => c.scid === route[0].channel && net.spendable(c, payer) >= built.firstAmountMsat) ?? chans.find((c) => net.spendable(c, payer) >= built.firstAmountMsat);
  if (!chan || !net.isOnline(peer)) return { ok: false, sent: 0n, why: 'first channel cannot carry it' };
  const r = await net.sendHtlc(payer, chan, built.firstAmountMsat, built.firstCltv, inv.paymentHash, built.onion);
  // A fulfilment is only a payment proof if the preimage hashes to the payment hash.
  if (r.kind === 'fulfill') {
    if (toHex(sha256(hexToBytes(r.preimage))) !== toHex(inv.paymentHash)) return { ok: false, sent: 0n, why: `preimage ${r.preimage} does not match the payment hash` };
    return { ok: true, preimage: r.preimage, sent: built.firstAmountMsat };
  }
  if (r.kind === 'malformed') return { ok: false, sent: 0n, failcode: r.code, erringIndex: 0 };
  const d = decodeFailureOnion(built.sharedSecrets, r.reason);
  return d ? { ok: false, sent: 0n, failcode: failCodeOf(d.failuremsg), erringIndex: d.index + 1, rawMessage: toHex(d.failuremsg) } : { ok: false, sent: 0n, why: 'Malformed error reply' };
}

const failure = (o: PartOutcome, inv: CheckedInvoice) => {
  if (o.failcode === undefined) return new PayerError(205, `Could not find a route: ${o.why ?? 'no usable path'}`, { payment_hash: toHex(inv.paymentHash) });
  const name = failCodeName(o.failcode) ?? `unknown failcode ${o.failcode}`;
  return new PayerError(204, `failed: ${name} (reply from remote)`, { payment_hash: toHex(inv.paymentHash), erring_index: o.erringIndex, failcode: o.failcode, failcodename: name, raw_message: o.rawMessage });
};

/** dev-simnet-pay: pays a lni… through its blinded paths from a simulated node. */
export async function payInvoice(net: Network, ld: SimLightningd, p: PayParams): Promise<PayResult> {
  let bytes: Uint8Array;
  try {
    const d = decodeBolt12String(p.invoice);
    if (d.prefix !== 'lni') throw new Error('not an invoice');
    bytes = d.bytes;
  } catch (e) {
    throw new PayerError(-32602, `invoice: ${(e as Error).message}`);
  }
  const inv = readInvoice(bytes);
  const amount = inv.amountMsat;
  const cap = (i: number) => {
    const m = inv.payinfo[i].htlcMaximumMsat;
    return p.maxPartMsat !== undefined && p.maxPartMsat < m ? p.maxPartMsat : m;
  };
  const order = inv.paths.map((_, i) => i);
  // One part: the first path that can carry the whole amount and succeeds.
  let last: PartOutcome | undefined;
  for (const i of order.filter((k) => cap(k) >= amount && inv.payinfo[k].htlcMinimumMsat <= amount)) {
    const o = await sendPart(net, ld, p.node, inv, i, amount, amount);
    if (o.ok) return { paymentHash: toHex(inv.paymentHash), preimage: o.preimage!, amountMsat: amount, amountSentMsat: o.sent, parts: 1 };
    last = o;
  }
  if (last) throw failure(last, inv);
  // MPP: split across the paths, at most cap(i) per part, round robin, all sent at once.
  const parts: { path: number; amount: bigint }[] = [];
  let left = amount;
  for (let round = 0; left > 0n && round < 64; round++) {
    for (const i of order) {
      if (left === 0n) break;
      const a = left < cap(i) ? left : cap(i);
      if (a > 0n) parts.push({ path: i, amount: a });
      left -= a;
    }
  }
  if (left > 0n) throw new PayerError(205, 'Could not find a route: the paths cannot carry the amount');
  const outcomes = await Promise.all(parts.map((x) => sendPart(net, ld, p.node, inv, x.path, x.amount, amount)));
  const bad = outcomes.find((o) => !o.ok);
  if (bad) throw failure(bad, inv);
  const sent = outcomes.reduce((s, o) => s + o.sent, 0n);
  return { paymentHash: toHex(inv.paymentHash), preimage: outcomes[0].preimage!, amountMsat: amount, amountSentMsat: sent, parts: parts.length };
}

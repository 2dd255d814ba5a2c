// Peers that can introduce blinded paths to our node (cln-offers-flow-digest
// §3.2, §3.7, issue 11 item 2): from lightningd's listpeerchannels, channels
// in CHANNELD_NORMAL whose peer is connected, that can carry the amount into
// our node (receivable_msat and the peer's htlc_maximum towards us), best
// first by what they can still bring in. Core Lightning users report offers
// whose only path went through an offline peer, so disconnected peers are
// never chosen.
import type { LightningRpcClient } from '../node/client.js';

export interface IntroPeer {
  peerId: string;
  shortChannelId?: string;
  receivableMsat: bigint;
  /** The peer's channel_update towards us (updates.remote): what it charges to forward to us. */
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
  htlcMinimumMsat: bigint;
  htlcMaximumMsat: bigint;
}

const big = (v: unknown, d = 0n): bigint => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === 'string' && /^\d+(msat)?$/.test(v)) return BigInt(v.replace('msat', ''));
  return d;
};

/** One listpeerchannels row as an IntroPeer (undefined unless CHANNELD_NORMAL with a peer id). */
function channelPeer(raw: unknown): (IntroPeer & { connected: boolean }) | undefined {
  const c = raw as Record<string, any>;
  if (!c || typeof c.peer_id !== 'string' || c.state !== 'CHANNELD_NORMAL') return undefined;
  const remote = c.updates?.remote ?? {};
  return {
    peerId: c.peer_id,
    connected: c.peer_connected === true,
    shortChannelId: typeof c.short_channel_id === 'string' ? c.short_channel_id : undefined,
    receivableMsat: big(c.receivable_msat),
    feeBaseMsat: Number(big(remote.fee_base_msat)),
    feeProportionalMillionths: Number(big(remote.fee_proportional_millionths)),
    cltvExpiryDelta: Number(big(remote.cltv_expiry_delta, 6n)),
    htlcMinimumMsat: big(remote.htlc_minimum_msat),
    htlcMaximumMsat: big(remote.htlc_maximum_msat, 2_100_000_000_000_000_000n),
  };
}

const strip = ({ connected: _c, ...p }: IntroPeer & { connected: boolean }): IntroPeer => p;
const byCapacity = (a: IntroPeer, b: IntroPeer) =>
  (a.receivableMsat === b.receivableMsat ? a.peerId.localeCompare(b.peerId) : a.receivableMsat > b.receivableMsat ? -1 : 1);

/** Channels from a listpeerchannels result, filtered and ranked (one entry per peer: its best channel). */
export function introPeers(listpeerchannels: unknown, amountMsat = 0n, max = 3): IntroPeer[] {
  const chans = (listpeerchannels as { channels?: unknown[] })?.channels ?? [];
  const best = new Map<string, IntroPeer>();
  for (const raw of chans) {
    const cp = channelPeer(raw);
    if (!cp || !cp.connected) continue;
    const p = strip(cp);
    // Can carry the amount into our node.
    if (p.receivableMsat < amountMsat || p.htlcMaximumMsat < amountMsat) continue;
    const had = best.get(p.peerId);
    if (!had || had.receivableMsat < p.receivableMsat) best.set(p.peerId, p);
  }
  return [...best.values()].sort(byCapacity).slice(0, max);
}

/**
 * The fronting nodes (CLN `fronting_nodes`, digest §3.7) that are our channel
 * peers, best first: only those peers; a disconnected front is kept but
 * ranked with capacity 0 (receivableMsat 0n); a channel whose htlc_maximum
 * towards us is below the amount is dropped. Fronts without a channel in
 * CHANNELD_NORMAL are left out (no path can be built from them).
 */
export function frontPeers(listpeerchannels: unknown, fronts: readonly string[], amountMsat = 0n): IntroPeer[] {
  const want = new Set(fronts.map((f) => f.toLowerCase()));
  const chans = (listpeerchannels as { channels?: unknown[] })?.channels ?? [];
  const best = new Map<string, IntroPeer>();
  for (const raw of chans) {
    const cp = channelPeer(raw);
    if (!cp || !want.has(cp.peerId.toLowerCase())) continue;
    // §3.7 "fronting": a disconnected front is kept, ranked with capacity 0.
    const p = strip(cp.connected ? cp : { ...cp, receivableMsat: 0n });
    // §3.7 "amount": drop if htlc_max_msat < invoice amount.
    if (p.htlcMaximumMsat < amountMsat) continue;
    const had = best.get(p.peerId);
    if (!had || had.receivableMsat < p.receivableMsat) best.set(p.peerId, p);
  }
  return [...best.values()].sort(byCapacity);
}

export async function fetchIntroPeers(lightning: LightningRpcClient, amountMsat = 0n, max = 3): Promise<IntroPeer[]> {
  return introPeers(await lightning.call('listpeerchannels', {}), amountMsat, max);
}

export async function fetchFrontPeers(lightning: LightningRpcClient, fronts: readonly string[], amountMsat = 0n): Promise<IntroPeer[]> {
  return frontPeers(await lightning.call('listpeerchannels', {}), fronts, amountMsat);
}

// Where `pay` gets its clear routes: the node's own view of the network.
// Core Lightning v24.08+ has askrene's `getroutes`; v26.06 deprecated
// `getroute` (it answers -32601 `Command "getroute" is deprecated` until the
// connection sends `deprecations {enable:true}`, cln-v26.06-payflow.json);
// without either, the gossip from `listchannels`. The first that the node
// has is used for the whole payment. Channels that failed are excluded: an
// askrene layer of this payment (askrene-update-channel enabled=false) for
// getroutes, `exclude` for getroute, skipped edges for listchannels.
import { LightningRpcError, type LightningRpcClient } from '../node/client.js';
import { routeOverGraph, type GraphEdge } from './pay-route.js';
import type { Hop } from '../payments/route.js';

export type RouteSource = 'getroutes' | 'getroute' | 'listchannels';

export interface RouteQuery {
  to: string;
  amountMsat: bigint;
  /** Blocks the destination (the introduction node) must receive, relative to the height. */
  delay: number;
  maxfeeMsat: bigint;
  maxdelay: number;
}

/** No route (CLN 205 from getroute/getroutes): the reason. */
export class NoRoute extends Error {}

const unknownCommand = (e: unknown) => e instanceof LightningRpcError && e.code === -32601;

export class RouteFinder {
  private source: RouteSource | undefined;
  private layer: string | undefined;
  private readonly excluded = new Set<string>();

  constructor(
    private readonly node: LightningRpcClient,
    private readonly ourId: string,
    private readonly layerName: string,
    /** Start with this source (tests: each one against the same node); default getroutes, then the others. */
    first?: RouteSource,
  ) {
    this.source = first;
  }

  get using(): RouteSource | undefined {
    return this.source;
  }

  get exclusions(): string[] {
    return [...this.excluded];
  }

  /** Never route through this channel direction (`scid/dir`) or node again in this payment. */
  async exclude(what: string): Promise<void> {
    if (this.excluded.has(what)) return;
    this.excluded.add(what);
    if (this.layer !== undefined) {
      if (what.includes('/')) await this.node.call('askrene-update-channel', { layer: this.layer, short_channel_id_dir: what, enabled: false });
      else await this.node.call('askrene-disable-node', { layer: this.layer, node: what });
    }
  }

  /** A route to `q.to`, from the first source the node has. Throws NoRoute. */
  async route(q: RouteQuery): Promise<Hop[]> {
    if (this.source === undefined || this.source === 'getroutes') {
      try {
        return await this.viaGetroutes(q);
      } catch (e) {
        if (!unknownCommand(e)) throw e;
        this.source = undefined;
      }
    }
    if (this.source === undefined || this.source === 'getroute') {
      try {
        const r = await this.node.getroute({
          id: q.to, amount_msat: q.amountMsat, riskfactor: 10, cltv: q.delay, exclude: [...this.excluded],
        });
        this.source = 'getroute';
        return r.map((h) => ({ id: h.id, channel: h.channel, amountMsat: h.amount_msat, delay: h.delay }));
      } catch (e) {
        if (e instanceof LightningRpcError && e.code === 205) throw new NoRoute(e.message);
        if (!unknownCommand(e)) throw e;
      }
    }
    this.source = 'listchannels';
    const r = routeOverGraph(await this.graph(), this.ourId, q.to, q.amountMsat, q.delay, this.excluded);
    if (!r) throw new NoRoute('Could not find a route');
    return r;
  }

  private async viaGetroutes(q: RouteQuery): Promise<Hop[]> {
    if (this.layer === undefined) {
      await this.node.call('askrene-create-layer', { layer: this.layerName });
      this.layer = this.layerName;
      for (const x of this.excluded) {
        if (x.includes('/')) await this.node.call('askrene-update-channel', { layer: this.layer, short_channel_id_dir: x, enabled: false });
        else await this.node.call('askrene-disable-node', { layer: this.layer, node: x });
      }
    }
    this.source = 'getroutes';
    try {
      const r = await this.node.getroutes({
        source: this.ourId, destination: q.to, amount_msat: q.amountMsat,
        layers: ['auto.localchans', 'auto.sourcefree', this.layer], maxfee_msat: q.maxfeeMsat,
        final_cltv: q.delay, maxdelay: q.maxdelay, maxparts: 1,
      });
      const path = r.routes[0]?.path;
      if (!path || path.length === 0) throw new NoRoute('getroutes returned no route');
      // getroutes: amount_out_msat / cltv_out are what node_id_out receives (sendpay's amount and delay).
      return path.map((h) => ({ id: h.node_id_out, channel: h.short_channel_id_dir.replace(/\/[01]$/, ''), amountMsat: h.amount_out_msat, delay: h.cltv_out }));
    } catch (e) {
      if (e instanceof LightningRpcError && e.code !== -32601 && e.code !== -32602) throw new NoRoute(e.message);
      throw e;
    }
  }

  private async graph(): Promise<GraphEdge[]> {
    const r = (await this.node.call('listchannels', {})) as { channels?: Record<string, unknown>[] };
    return (r.channels ?? []).map((c) => ({
      source: String(c.source),
      destination: String(c.destination),
      scid: String(c.short_channel_id),
      direction: Number(c.direction),
      feeBaseMsat: BigInt(c.base_fee_millisatoshi as number),
      feePpm: BigInt(c.fee_per_millionth as number),
      cltvDelta: Number(c.delay),
      htlcMinMsat: BigInt(c.htlc_minimum_msat as number),
      htlcMaxMsat: BigInt(c.htlc_maximum_msat as number),
      active: c.active !== false,
    }));
  }

  /** Removes this payment's askrene layer. */
  async close(): Promise<void> {
    if (this.layer === undefined) return;
    const l = this.layer;
    this.layer = undefined;
    await this.node.call('askrene-remove-layer', { layer: l }).catch(() => {});
  }
}

// Shared by the simnet tests: the channel graph as dev-simnet-channels shows
// it, shortest routes over it, random walks along it, and an RPC failure.
import { LightningRpcError, type LightningRpcClient } from '../../host/node/client.js';

export interface SideJson {
  direction: number;
  node_id: string;
  alias: string;
  fee_base_msat: number | bigint;
  fee_proportional_millionths: number;
  cltv_expiry_delta: number;
}
export interface ChannelJson {
  short_channel_id: string;
  sides: SideJson[];
}

export class Graph {
  constructor(readonly channels: ChannelJson[]) {}

  static async load(rpc: LightningRpcClient): Promise<Graph> {
    const { channels } = (await rpc.call('dev-simnet-channels')) as { channels: ChannelJson[] };
    return new Graph(channels);
  }

  peers(alias: string): string[] {
    const out: string[] = [];
    for (const c of this.channels) {
      const i = c.sides.findIndex((s) => s.alias === alias);
      if (i >= 0) out.push(c.sides[1 - i].alias);
    }
    return [...new Set(out)].sort();
  }

  /** The channel between a and b and the policy of a's side (a sends). */
  link(a: string, b: string): { scid: string; side: SideJson } {
    const c = this.channels.find((x) => x.sides.some((s) => s.alias === a) && x.sides.some((s) => s.alias === b));
    if (!c) throw new Error(`no channel ${a}–${b}`);
    return { scid: c.short_channel_id, side: c.sides.find((s) => s.alias === a)! };
  }

  /** Shortest route from a to b (both included), by hop count. */
  route(a: string, b: string): string[] {
    const prev = new Map<string, string>([[a, a]]);
    const queue = [a];
    while (queue.length) {
      const v = queue.shift()!;
      if (v === b) break;
      for (const u of this.peers(v)) if (!prev.has(u)) (prev.set(u, v), queue.push(u));
    }
    const out = [b];
    while (out[0] !== a) out.unshift(prev.get(out[0])!);
    return out;
  }

  /** A walk of `len` nodes from `start`, each step picked by `choices` (indices into the sorted peers). */
  walk(start: string, len: number, choices: number[]): string[] {
    const out = [start];
    for (let i = 1; i < len; i++) {
      const ps = this.peers(out[i - 1]);
      out.push(ps[choices[i - 1] % ps.length]);
    }
    return out;
  }
}

/** The LightningRpcError a call rejects with (waitsendpay's failure, a refused method). */
export async function failure(p: Promise<unknown>): Promise<LightningRpcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LightningRpcError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

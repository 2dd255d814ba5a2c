// Where pay gets its routes (host/payer/pay-routes.ts): getroutes (askrene
// layers for exclusions) where the node has it, else getroute (after
// `deprecations {enable:true}` on the connection, as v26.06 requires), else
// listchannels' gossip. Each source runs against the simulated lightningd;
// the fallbacks against the same simulated node serving only the older
// commands (a node before askrene; one without getroute).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimnet, SIMNET_METHODS, type RunningSimnet, type SimnetContext } from '../host/simnet/server.js';
import { RpcServer } from '../host/rpc/server.js';
import type { RpcMethod } from '../host/rpc/method.js';
import { LightningRpcClient } from '../host/node/client.js';
import { NoRoute, RouteFinder, type RouteSource } from '../host/payer/pay-routes.js';
import type { Hop } from '../host/payments/route.js';

let dir: string;
let sim: RunningSimnet;
const ids: Record<string, string> = {};
const closers: (() => unknown)[] = [];

/** The same simulated node, serving every method but `without`. */
async function olderNode(name: string, without: (m: string) => boolean): Promise<LightningRpcClient> {
  const methods = new Map<string, RpcMethod<any, SimnetContext>>(SIMNET_METHODS.filter((m) => !without(m.name)).map((m) => [m.name, m]));
  const server = new RpcServer<SimnetContext>({ methods, context: { net: sim.net, ld: sim.ld }, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const file = join(dir, name);
  await server.listen(file);
  const c = new LightningRpcClient(file, { timeoutMs: 10_000 });
  closers.push(() => c.close(), () => server.close());
  return c;
}
const client = () => {
  const c = new LightningRpcClient(sim.rpcFile, { timeoutMs: 10_000 });
  closers.push(() => c.close());
  return c;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pay-routes-'));
  sim = await startSimnet(join(dir, 'sim'), { nodes: 5, seed: 'pay-routes' });
  for (const n of sim.nodes) ids[n.alias] = n.id;
});
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A route delivers `amount` with `delay` at `to`, each hop's amount covers the next hop's fee (listchannels' policies). */
function checkRoute(r: Hop[], to: string, amount: bigint, delay: number) {
  expect(r.at(-1)).toMatchObject({ id: to, amountMsat: amount, delay });
  for (let i = 1; i < r.length; i++) {
    const c = sim.net.channel(r[i].channel)!;
    const from = sim.net.node(r[i - 1].id)!.index;
    const pol = c.sides[c.sides[0].node === from ? 0 : 1];
    expect(r[i - 1].amountMsat).toBe(r[i].amountMsat + pol.feeBaseMsat + (r[i].amountMsat * pol.feePpm) / 1_000_000n);
    expect(r[i - 1].delay).toBe(r[i].delay + pol.cltvDelta);
  }
}

describe('each route source against the simulated node', () => {
  for (const source of ['getroutes', 'getroute', 'listchannels'] as RouteSource[]) {
    it(`${source}: a route to dave; the failed channel direction excluded, another route`, async () => {
      const f = new RouteFinder(client(), ids.payer, `t-${source}`, source);
      const q = { to: ids.dave, amountMsat: 12_345n, delay: 40, maxfeeMsat: 1_000_000n, maxdelay: 2016 };
      const r = await f.route(q);
      expect(f.using).toBe(source);
      checkRoute(r, ids.dave, 12_345n, 40);
      const last = r.at(-1)!;
      const prev = r.length > 1 ? r.at(-2)!.id : ids.payer;
      const c = sim.net.channel(last.channel)!;
      const dirOut = c.sides[0].node === sim.net.node(prev)!.index ? 0 : 1;
      await f.exclude(`${last.channel}/${dirOut}`);
      const r2 = await f.route(q);
      checkRoute(r2, ids.dave, 12_345n, 40);
      expect(r2.map((h) => h.channel)).not.toContain(last.channel);
      // excluding every channel into dave: no route (NoRoute, CLN's 205 underneath)
      for (const ch of sim.net.channelsOf(sim.net.node(ids.dave)!.index)) {
        const d = ch.sides[0].node === sim.net.node(ids.dave)!.index ? 1 : 0;
        await f.exclude(`${ch.scid}/${d}`);
      }
      await expect(f.route(q)).rejects.toBeInstanceOf(NoRoute);
      await f.close();
    });
  }
});

describe('fallbacks', () => {
  it('a node without askrene: getroute (the client enables deprecations on its connection)', async () => {
    const c = await olderNode('no-askrene', (m) => m === 'getroutes' || m.startsWith('askrene-'));
    const f = new RouteFinder(c, ids.payer, 'fb1');
    const r = await f.route({ to: ids.carol, amountMsat: 5000n, delay: 20, maxfeeMsat: 100_000n, maxdelay: 2016 });
    expect(f.using).toBe('getroute');
    checkRoute(r, ids.carol, 5000n, 20);
  });

  it('a node with neither: listchannels', async () => {
    const c = await olderNode('gossip-only', (m) => m === 'getroutes' || m === 'getroute' || m.startsWith('askrene-'));
    const f = new RouteFinder(c, ids.payer, 'fb2');
    const r = await f.route({ to: ids.carol, amountMsat: 5000n, delay: 20, maxfeeMsat: 100_000n, maxdelay: 2016 });
    expect(f.using).toBe('listchannels');
    checkRoute(r, ids.carol, 5000n, 20);
  });

  it('the layer is made on first use and removed at the end', async () => {
    const c = client();
    const f = new RouteFinder(c, ids.payer, 'layer-life');
    await f.exclude('103x1x0/0');
    await f.route({ to: ids.carol, amountMsat: 5000n, delay: 20, maxfeeMsat: 100_000n, maxdelay: 2016 });
    expect(sim.ld.layers.get('layer-life')!.disabledChannels.has('103x1x0/0')).toBe(true);
    await f.close();
    expect(sim.ld.layers.has('layer-life')).toBe(false);
  });
});

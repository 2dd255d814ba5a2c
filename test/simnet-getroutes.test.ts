// The simulated lightningd answers routing as Core Lightning v26.06 does
// (cln-v26.06-payflow.json): `getroute` is deprecated (-32601 `Command
// "getroute" is deprecated` until the connection sends `deprecations
// {"enable":true}`), `getroutes` (askrene) gives routes in the v26.06 path
// shape, with the automatic layers and user layers that disable channels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import { vector } from './helpers/bytes.js';

const flow = vector('cln-v26.06-payflow.json') as { steps: { step: string; result: any; ok: boolean }[] };
const step = (name: string) => flow.steps.find((s) => s.step === name)!;

let dir: string;
let sim: RunningSimnet;
const ids: Record<string, string> = {};
const clients: LightningRpcClient[] = [];
const client = () => {
  const c = new LightningRpcClient(sim.rpcFile, { timeoutMs: 10_000 });
  clients.push(c);
  return c;
};
const err = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof LightningRpcError) return e;
    throw e;
  }
  throw new Error('succeeded');
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simnet-getroutes-'));
  sim = await startSimnet(dir, { nodes: 5, seed: 'getroutes' });
  for (const n of sim.nodes) ids[n.alias] = n.id;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('getroute is deprecated as in v26.06', () => {
  it('refused with the vector\'s error until this connection enables deprecations; then answers; per connection', async () => {
    const c = client();
    const e = await err(c.call('getroute', [ids.carol, '1000', '1']));
    expect({ code: e.code, message: e.message }).toEqual(step('alice_getroute_carol_1000msat_deprecated_error').result);
    expect(await c.call('deprecations', { enable: true })).toEqual({});
    const r = (await c.call('getroute', { id: ids.carol, amount_msat: 1000, riskfactor: 1 })) as { route: any[] };
    expect(Object.keys(r.route[0])).toEqual(Object.keys(step('alice_getroute_carol_1000msat').result.route[0]));
    expect(r.route.at(-1).id).toBe(ids.carol);
    // another connection has not enabled them
    const other = client();
    expect((await err(other.call('getroute', { id: ids.carol, amount_msat: 1000, riskfactor: 1 }))).code).toBe(-32601);
    // turned off again on the first
    await c.call('deprecations', { enable: false });
    expect((await err(c.call('getroute', { id: ids.carol, amount_msat: 1000, riskfactor: 1 }))).code).toBe(-32601);
    expect((await err(c.call('deprecations', {}))).code).toBe(-32602);
  });

  it('the client enables deprecations by itself and gets the route', async () => {
    const r = await client().getroute({ id: ids.carol, amount_msat: 1000n, riskfactor: 1 });
    expect(r.at(-1)!.id).toBe(ids.carol);
  });
});

describe('getroutes (askrene, v26.06 shape)', () => {
  it('the vector\'s shape; amounts and cltvs chain hop to hop; sourcefree: our hop charges nothing', async () => {
    const c = client();
    const r = (await c.call('getroutes', {
      source: ids.payer, destination: ids.dave, amount_msat: 1000, layers: ['auto.localchans', 'auto.sourcefree'], maxfee_msat: 1000, final_cltv: 18, maxparts: 1,
    })) as any;
    const v = step('alice_getroutes_carol_1000msat').result;
    expect(Object.keys(r)).toEqual(Object.keys(v));
    expect(Object.keys(r.routes[0])).toEqual(Object.keys(v.routes[0]));
    expect(Object.keys(r.routes[0].path[0])).toEqual(Object.keys(v.routes[0].path[0]));
    const path = r.routes[0].path;
    expect(r.routes[0]).toMatchObject({ amount_msat: 1000, final_cltv: 18 });
    expect(path[0].node_id_in).toBe(ids.payer);
    expect(path.at(-1)).toMatchObject({ node_id_out: ids.dave, amount_out_msat: 1000, cltv_out: 18 });
    expect(path[0].amount_in_msat).toBe(path[0].amount_out_msat);
    expect(path[0].cltv_in).toBe(path[0].cltv_out);
    for (let i = 1; i < path.length; i++) {
      expect(path[i].node_id_in).toBe(path[i - 1].node_id_out);
      expect(path[i].amount_in_msat).toBe(path[i - 1].amount_out_msat);
      expect(path[i].cltv_in).toBe(path[i - 1].cltv_out);
      expect(path[i].amount_in_msat).toBeGreaterThanOrEqual(path[i].amount_out_msat);
    }
    // the same route getroute gives (amount and delay of each hop)
    const old = await c.getroute({ id: ids.dave, amount_msat: 1000n, riskfactor: 1, cltv: 18 });
    expect(path.map((h: any) => [h.node_id_out, h.short_channel_id_dir.split('/')[0], h.amount_out_msat, h.cltv_out]))
      .toEqual(old.map((h) => [h.id, h.channel, Number(h.amount_msat), h.delay]));
  });

  it('a layer that disables a channel direction routes around it; removing the layer restores it', async () => {
    const c = client();
    const ask = (layers: string[]) => c.getroutes({ source: ids.payer, destination: ids.dave, amount_msat: 5000n, layers, maxfee_msat: 100_000n, final_cltv: 18, maxparts: 1 });
    const first = (await ask(['auto.sourcefree'])).routes[0].path;
    await c.call('askrene-create-layer', { layer: 'test-excl' });
    await c.call('askrene-update-channel', { layer: 'test-excl', short_channel_id_dir: first[0].short_channel_id_dir, enabled: false });
    const around = (await ask(['auto.sourcefree', 'test-excl'])).routes[0].path;
    expect(around.map((h) => h.short_channel_id_dir)).not.toContain(first[0].short_channel_id_dir);
    expect(around.at(-1)!.node_id_out).toBe(ids.dave);
    await c.call('askrene-remove-layer', { layer: 'test-excl' });
    expect((await err(ask(['test-excl']))).code).toBe(-32602);
  });

  it('no route within maxfee_msat or to an unknown node: CLN errors; CLN codes', async () => {
    const c = client();
    const e = await err(c.getroutes({ source: ids.payer, destination: ids.dave, amount_msat: 50_000_000n, layers: [], maxfee_msat: 0n, final_cltv: 18 }));
    expect(e.code).toBe(205);
    const u = await err(c.getroutes({ source: ids.payer, destination: '02' + '11'.repeat(32), amount_msat: 1000n, layers: [], maxfee_msat: 0n }));
    expect(u.code).toBe(-32602);
  });

  it('auto.localchans: more than our channels can carry in one part is split over several routes when maxparts allows', async () => {
    const c = client();
    const chans = (await c.listpeerchannels()) as any[];
    const biggest = chans.reduce((m, x) => (BigInt(x.spendable_msat) > m ? BigInt(x.spendable_msat) : m), 0n);
    const amount = biggest + 1_000_000n;
    const one = await err(c.getroutes({ source: ids.payer, destination: ids.carol, amount_msat: amount, layers: ['auto.localchans', 'auto.sourcefree'], maxfee_msat: amount, final_cltv: 18, maxparts: 1 }));
    expect(one.code).toBe(205);
    const r = await c.getroutes({ source: ids.payer, destination: ids.carol, amount_msat: amount, layers: ['auto.localchans', 'auto.sourcefree'], maxfee_msat: amount, final_cltv: 18, maxparts: 8 });
    expect(r.routes.length).toBeGreaterThan(1);
    expect(r.routes.reduce((s, x) => s + x.amount_msat, 0n)).toBe(amount);
    expect(new Set(r.routes.map((x) => x.path[0].short_channel_id_dir)).size).toBeGreaterThan(1);
  });
});

// Payments end to end: RPC/CLI → lnsigner daemon → emulator over a PTY (the
// device builds every onion) → simulated network over its lightningd-
// compatible socket (every hop peels with its own key). One simnet, one
// emulator, one daemon for the file (plus the restarts of the crash tests).
// Rules checked: cln-rpc-digest §1.14–1.17, §5, §6; seed 004; BOLT 4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import type { RouteHop } from '../host/node/types.js';
import { spawnAnnounced, type AnnouncedProcess } from '../host/process/announced.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { cli, example, json, L2_NODE_ID, removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import { DeviceClient } from '../host/device-client/client.js';

/** `lnsigner daemon` on the emulator and the simnet; `env` adds LNSIGNER_DEV_CRASH. */
const startDaemon = (data: string, dev: string, extra: string[], env?: Record<string, string>) =>
  spawnAnnounced<{ rpc_file: string }>('daemon', ['--device', dev, '--data-dir', data, '--network', 'regtest', ...extra], env && { ...process.env, ...env });
import { vector } from './helpers/bytes.js';

let dir: string;
let sim: RunningSimnet;
let node: LightningRpcClient; // the test's own view of the payer lightningd
let emu: SpawnedEmulator;
let link: string;
let daemon: AnnouncedProcess<{ rpc_file: string }>;
let rpc: LightningRpcClient; // our daemon's JSON-RPC socket (CLN framing)
let dataDir: string;
const ids: Record<string, string> = {};

const DAEMON_ARGS = () => ['--lightning-rpc', sim.rpcFile, '--developer'];

beforeAll(async () => {
  dir = tempDir('lns-pay-');
  dataDir = join(dir, 'daemon');
  sim = await startSimnet(join(dir, 'sim'), { nodes: 5, seed: 'e2e-pay', mppTimeoutMs: 600_000 });
  for (const n of sim.nodes) ids[n.alias] = n.id;
  node = new LightningRpcClient(sim.rpcFile, { timeoutMs: 20_000 });
  ({ emu, link } = await startEmulator(dir));
  daemon = await startDaemon(dataDir, link, DAEMON_ARGS());
  rpc = new LightningRpcClient(daemon.announced.rpc_file, { timeoutMs: 30_000 });
}, 60_000);

afterAll(async () => {
  rpc?.close();
  await daemon?.stop();
  node?.close();
  await sim?.close();
  await emu?.stop();
  removeTempDirs();
});

interface Invoice { payment_hash: string; payment_secret: string; destination: string }
const invoice = async (alias: string, amount: bigint) =>
  (await node.call('dev-simnet-invoice', { node: alias, amount_msat: amount, description: 'e2e-pay' })) as Invoice;
const routeTo = (alias: string, amount: bigint, exclude: string[] = []) =>
  node.getroute({ id: ids[alias], amount_msat: amount, riskfactor: 10, cltv: 18, exclude });
const plainRoute = (r: RouteHop[]) => r.map((h) => ({ ...h, amount_msat: Number(h.amount_msat) }));

/** Our daemon's error for a call: {code, message, data}. */
async function rpcError(method: string, params: Record<string, unknown>) {
  try {
    await rpc.call(method, params);
  } catch (e) {
    if (e instanceof LightningRpcError) return { code: e.code, message: e.message, data: e.data as any };
    throw e;
  }
  throw new Error(`${method} succeeded`);
}
const hashOf = (preimage: string) => Buffer.from(sha256(Buffer.from(preimage, 'hex'))).toString('hex');
const nodeParts = async (hash: string) => node.listsendpays({ payment_hash: hash });

describe('createonion (device-built, §6)', () => {
  it('onion-test.json with its session key: the packet byte for byte', async () => {
    const v = vector('onion-test.json');
    const r = (await rpc.call('createonion', {
      hops: v.generate.hops.map((h: any) => ({ pubkey: h.pubkey, payload: h.payload })),
      assocdata: v.generate.associated_data,
      session_key: v.generate.session_key,
    })) as { onion: string; shared_secrets: string[] };
    expect(r.onion).toBe(v.onion);
    // onion-error-test.json shares the keys: its shared secrets are these.
    expect(r.shared_secrets).toEqual(vector('onion-error-test.json').generate.hops.map((h: any) => h.hop_shared_secret));
  });

  it("CLN's createonion example #2 (session_key given) through the CLI", async () => {
    const ex = example('example:createonion#2');
    const p = ex.request.params;
    const r = json(await cli(['--data-dir', dataDir, '-k', 'createonion', `hops=${JSON.stringify(p.hops)}`, `assocdata=${p.assocdata}`, `session_key=${p.session_key}`]));
    expect(r).toEqual(ex.response);
  });

  it('other onion_size and assocdata (CLN allows them): the device builds it, the node id\'s hop can peel it', async () => {
    const { peelOnion } = await import('../host/onion/sphinx.js');
    const r = (await rpc.call('createonion', {
      hops: [{ pubkey: L2_NODE_ID, payload: '0702020001040101' }], assocdata: '0102030405', onion_size: 400,
    })) as { onion: string; shared_secrets: string[] };
    expect(r.onion.length).toBe(2 * (1 + 33 + 400 + 32));
    expect(r.shared_secrets.length).toBe(1);
    // lightning-2's key (the emulator's node key, a public test vector) peels it
    const L2 = vector('cln-key-derivation-vectors.json').key_cases.find((c: any) => c.node_id === L2_NODE_ID);
    const p = peelOnion(Buffer.from(r.onion, 'hex'), Buffer.from(L2.node_privkey_hex, 'hex'), Buffer.from('0102030405', 'hex'), 400);
    expect(Buffer.from(p.payload).toString('hex')).toBe('02020001040101');
    expect(p.next).toBeNull();
  });

  it('a payload without its length prefix is refused (CLN message)', async () => {
    const e = await rpcError('createonion', { hops: [{ pubkey: ids.alice, payload: '020203e8' }], assocdata: '00'.repeat(32) });
    expect(e).toMatchObject({ code: -32602, message: 'hops[0] payload is not prefixed with length!' });
  });
});

describe('sendpay / waitsendpay / listsendpays: single part', () => {
  let inv: Invoice;
  let route: RouteHop[];
  let first: any;

  it('sendpay through the CLI: pending, the example shape, written before the node has it', async () => {
    inv = await invoice('carol', 100_000n);
    route = await routeTo('carol', 100_000n);
    expect(route.length).toBeGreaterThan(1);
    const r = await cli(['--data-dir', dataDir, 'sendpay', JSON.stringify(plainRoute(route)), inv.payment_hash, 'null', 'null', 'null', inv.payment_secret]);
    first = json(r);
    expect(r.code).toBe(0);
    const shape = example('example:sendpay#1').response;
    expect(Object.keys(first)).toEqual(Object.keys(shape));
    expect(first).toMatchObject({
      message: 'Monitor status with listpays or waitsendpay', payment_hash: inv.payment_hash, groupid: 1, destination: ids.carol,
      amount_msat: 100000, amount_sent_msat: Number(route[0].amount_msat), status: 'pending',
    });
    // the node has exactly this part (sendonion with our partid/groupid)
    const np = await nodeParts(inv.payment_hash);
    expect(np.map((p) => [p.partid ?? 0n, p.groupid])).toEqual([[0n, 1n]]);
  });

  it('waitsendpay: complete with the preimage of the hash (example shape)', async () => {
    const r = await cli(['--data-dir', dataDir, 'waitsendpay', inv.payment_hash, '30']);
    const done = json(r);
    expect(Object.keys(done)).toEqual(Object.keys(example('example:waitsendpay#1').response));
    expect(done).toMatchObject({ id: first.id, status: 'complete' });
    expect(hashOf(done.payment_preimage)).toBe(inv.payment_hash);
  });

  it('listsendpays by hash and in full (example shapes)', async () => {
    const byHash = (await rpc.call('listsendpays', { payment_hash: inv.payment_hash })) as any;
    expect(byHash.payments.length).toBe(1);
    expect(Object.keys(byHash.payments[0])).toEqual(Object.keys(example('example:listsendpays#1').response.payments[0]));
    // status is ignored when a hash is given (§1.16)
    expect(((await rpc.call('listsendpays', { payment_hash: inv.payment_hash, status: 'failed' })) as any).payments.length).toBe(1);
    const e = await rpcError('listsendpays', { payment_hash: inv.payment_hash, bolt11: 'lnbc1' });
    expect(e).toMatchObject({ code: -32602, message: 'Can only specify one of {bolt11} or {payment_hash}' });
  });

  it('§5.4 / seed 004: the same payment again returns the success at once, nothing sent; another amount is 201', async () => {
    const again = (await rpc.call('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret })) as any;
    expect(again).toMatchObject({ id: first.id, status: 'complete' });
    expect(again.message).toBeUndefined();
    // a different route to the same destination and amount: still that success
    const alt = await routeTo('carol', 100_000n, [route[0].channel + '/' + route[0].direction]);
    if (alt.length > 0) {
      expect(((await rpc.call('sendpay', { route: plainRoute(alt), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret })) as any).status).toBe('complete');
    }
    expect((await nodeParts(inv.payment_hash)).length).toBe(1);
    const more = await routeTo('carol', 120_000n);
    const e = await rpcError('sendpay', { route: plainRoute(more), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret });
    expect(e).toMatchObject({ code: 201, message: 'Already succeeded with amount 100000msat (not 120000msat)' });
    // seed 004's name for the amount
    const e2 = await rpcError('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, msatoshi: 99_999 });
    expect(e2.code).toBe(-32602);
    expect((await nodeParts(inv.payment_hash)).length).toBe(1);
  });

  it('localinvreqid (§5.5): paying for our single-use invoice_request marks it used; it cannot be paid again (212)', async () => {
    const ir = (await rpc.call('invoicerequest', { amount: '15000msat', description: 'refund me' })) as { invreq_id: string };
    const inv1 = await invoice('carol', 15_000n);
    const route = await routeTo('carol', 15_000n);
    await rpc.call('sendpay', { route: plainRoute(route), payment_hash: inv1.payment_hash, payment_secret: inv1.payment_secret, localinvreqid: ir.invreq_id });
    expect(((await rpc.call('waitsendpay', { payment_hash: inv1.payment_hash, timeout: 30 })) as any).status).toBe('complete');
    const l = (await rpc.call('listinvoicerequests', { invreq_id: ir.invreq_id })) as any;
    expect(l.invoicerequests[0]).toMatchObject({ used: true, active: false });
    const inv2 = await invoice('carol', 15_000n);
    const e = await rpcError('sendpay', { route: plainRoute(route), payment_hash: inv2.payment_hash, payment_secret: inv2.payment_secret, localinvreqid: ir.invreq_id });
    expect(e).toMatchObject({ code: 212, message: `Inactive invoice_request ${ir.invreq_id}` });
    expect(await nodeParts(inv2.payment_hash)).toEqual([]);
  });

  it('waitsendpay for a part never attempted: 208', async () => {
    const e = await rpcError('waitsendpay', { payment_hash: inv.payment_hash, partid: 9 });
    expect(e).toMatchObject({ code: 208, message: `Never attempted payment part 9 for '${inv.payment_hash}'` });
  });
});

describe('multi-part (§5.3)', () => {
  it('two parts of one group settle together (held until the set is complete); another partid after success is 201', async () => {
    const inv = await invoice('dave', 300_000n);
    const r1 = await routeTo('dave', 150_000n);
    const r2 = await routeTo('dave', 150_000n, [r1[0].channel + '/' + r1[0].direction]);
    const part = (partid: number, route: RouteHop[]) => rpc.call('sendpay', {
      route: plainRoute(route), payment_hash: inv.payment_hash, amount_msat: 300_000, payment_secret: inv.payment_secret, partid, groupid: 5,
    }) as Promise<any>;
    const p1 = await part(1, r1);
    expect(p1).toMatchObject({ partid: 1, groupid: 5, amount_msat: 150000, status: 'pending' });
    // part 1 alone is held by the payee; the set is incomplete
    const t = await rpcError('waitsendpay', { payment_hash: inv.payment_hash, partid: 1, groupid: 5, timeout: 0 });
    expect(t).toMatchObject({ code: 200, message: 'Timed out while waiting' });
    const p2 = await part(2, r2);
    expect(p2).toMatchObject({ partid: 2, status: 'pending' });
    const w1 = (await rpc.call('waitsendpay', { payment_hash: inv.payment_hash, partid: 1, groupid: 5, timeout: 30 })) as any;
    const w2 = (await rpc.call('waitsendpay', { payment_hash: inv.payment_hash, partid: 2, groupid: 5, timeout: 30 })) as any;
    expect(w1.status).toBe('complete');
    expect(w2.payment_preimage).toBe(w1.payment_preimage);
    expect(hashOf(w1.payment_preimage)).toBe(inv.payment_hash);
    // another partid after success: 201 "Already succeeded other parts" (§5.4)
    const e = await rpcError('sendpay', {
      route: plainRoute(r1), payment_hash: inv.payment_hash, amount_msat: 300_000, payment_secret: inv.payment_secret, partid: 3, groupid: 5,
    });
    expect(e).toMatchObject({ code: 201, message: 'Already succeeded other parts' });
    expect((await nodeParts(inv.payment_hash)).length).toBe(2);
  });

  it('three parts sent concurrently: each is stored, sent once and settles (no part mistaken for an interrupted one)', async () => {
    const inv = await invoice('dave', 300_000n);
    const r = await routeTo('dave', 100_000n);
    const sent = await Promise.all([1, 2, 3].map((partid) => rpc.call('sendpay', {
      route: plainRoute(r), payment_hash: inv.payment_hash, amount_msat: 300_000, payment_secret: inv.payment_secret, partid, groupid: 9,
    }) as Promise<any>));
    expect(sent.map((p) => p.status)).toEqual(['pending', 'pending', 'pending']);
    const done = await Promise.all([1, 2, 3].map((partid) =>
      rpc.call('waitsendpay', { payment_hash: inv.payment_hash, partid, groupid: 9, timeout: 30 }) as Promise<any>));
    expect(done.map((p) => p.status)).toEqual(['complete', 'complete', 'complete']);
    const np = await nodeParts(inv.payment_hash);
    expect(np.map((p) => p.partid).sort()).toEqual([1n, 2n, 3n]);
  });

  it('a part larger than its total is -32602; one part carrying the whole total completes', async () => {
    const inv = await invoice('bob', 100_000n);
    const r = await routeTo('bob', 100_000n);
    const p = (partid: number, total: number) => rpcError('sendpay', {
      route: plainRoute(r), payment_hash: inv.payment_hash, amount_msat: total, payment_secret: inv.payment_secret, partid, groupid: 1,
    });
    expect(await p(1, 50_000)).toMatchObject({ code: -32602, message: 'Final amount 100000msat is greater than 50000msat, despite MPP' });
    const ok = (await rpc.call('sendpay', {
      route: plainRoute(r), payment_hash: inv.payment_hash, amount_msat: 100_000, payment_secret: inv.payment_secret, partid: 1, groupid: 1,
    })) as any;
    expect(ok.status === 'pending' || ok.status === 'complete').toBe(true);
    const w = (await rpc.call('waitsendpay', { payment_hash: inv.payment_hash, partid: 1, groupid: 1, timeout: 30 })) as any;
    expect(w.status).toBe('complete');
  });
});

describe('injected faults → CLN code and erring hop (§5.6)', () => {
  afterAll(async () => {
    await node.call('dev-simnet-clear', {});
  });

  /** Pays `alias` along `route` after `fault`; returns waitsendpay's error (or sendpay's immediate one). */
  async function payWithFault(alias: string, amount: bigint, fault: Record<string, unknown> | undefined, route?: RouteHop[]) {
    await node.call('dev-simnet-clear', {});
    const inv = await invoice(alias, amount);
    const r = route ?? await routeTo(alias, amount);
    if (fault) await node.call('dev-simnet-fault', fault);
    try {
      await rpc.call('sendpay', { route: plainRoute(r), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret });
    } catch (e) {
      if (e instanceof LightningRpcError) return { route: r, inv, immediate: true, code: e.code, message: e.message, data: e.data as any };
      throw e;
    }
    const e = await rpcError('waitsendpay', { payment_hash: inv.payment_hash, timeout: 30 });
    return { route: r, inv, immediate: false, ...e };
  }

  it('wrong_secret at the payee → 203, erring_index = last hop, incorrect_or_unknown_payment_details', async () => {
    const f = await payWithFault('carol', 20_000n, { kind: 'wrong_secret', node: 'carol' });
    const n = f.route.length;
    expect(f).toMatchObject({ immediate: false, code: 203, message: 'failed: WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS (reply from remote)' });
    expect(f.data).toMatchObject({
      erring_index: n, failcode: 0x400f, failcodename: 'WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS',
      erring_node: ids.carol, erring_channel: f.route[n - 1].channel, status: 'failed', payment_hash: f.inv.payment_hash,
    });
    expect(f.data.raw_message.startsWith('400f')).toBe(true);
    // listsendpays shows it failed
    const l = (await rpc.call('listsendpays', { payment_hash: f.inv.payment_hash })) as any;
    expect(l.payments[0].status).toBe('failed');
  });

  it('no_liquidity on an intermediate channel → 204 from the node before it, that channel', async () => {
    const route = await routeTo('dave', 20_000n);
    expect(route.length).toBeGreaterThanOrEqual(2);
    const ch = route[1].channel;
    const f = await payWithFault('dave', 20_000n, { kind: 'no_liquidity', channel: ch }, route);
    expect(f).toMatchObject({ code: 204, message: 'failed: WIRE_TEMPORARY_CHANNEL_FAILURE (reply from remote)' });
    expect(f.data).toMatchObject({ erring_index: 1, failcode: 0x1007, erring_node: route[0].id, erring_channel: ch });
  });

  it('an intermediate node offline → 204 temporary_channel_failure from the hop before it', async () => {
    const route = await routeTo('dave', 20_000n);
    const off = Object.keys(ids).find((a) => ids[a] === route[1].id)!;
    const f = await payWithFault('dave', 20_000n, { kind: 'offline', node: off }, route);
    expect(f).toMatchObject({ code: 204 });
    expect(f.data).toMatchObject({ erring_index: 1, failcode: 0x1007, erring_node: route[0].id, erring_channel: route[1].channel });
  });

  it('the first peer offline → immediate 204 "No connection to first peer found", nothing stored (as CLN)', async () => {
    const route = await routeTo('carol', 20_000n);
    const off = Object.keys(ids).find((a) => ids[a] === route[0].id)!;
    const f = await payWithFault('carol', 20_000n, { kind: 'offline', node: off }, route);
    expect(f).toMatchObject({ immediate: true, code: 204, message: 'No connection to first peer found' });
    expect(f.data).toMatchObject({ erring_index: 0, failcode: 16394 });
    // CLN's send_payment_core fails before it stores the payment: no record.
    const l = (await rpc.call('listsendpays', { payment_hash: f.inv.payment_hash })) as any;
    expect(l.payments).toEqual([]);
  });

  it('expiry_too_soon at an intermediate node → 204 WIRE_EXPIRY_TOO_SOON from it', async () => {
    const route = await routeTo('dave', 20_000n);
    const at = Object.keys(ids).find((a) => ids[a] === route[0].id)!;
    const f = await payWithFault('dave', 20_000n, { kind: 'expiry_too_soon', node: at }, route);
    expect(f).toMatchObject({ code: 204 });
    expect(f.data).toMatchObject({ erring_index: 1, failcode: 0x100e, failcodename: 'WIRE_EXPIRY_TOO_SOON', erring_node: route[0].id });
  });

  it('corrupt_onion at the second hop → BADONION reported by the first: 204, erring_node = the hop that could not read it', async () => {
    const route = await routeTo('dave', 20_000n);
    const at = Object.keys(ids).find((a) => ids[a] === route[1].id)!;
    const f = await payWithFault('dave', 20_000n, { kind: 'corrupt_onion', node: at }, route);
    expect(f).toMatchObject({ code: 204 });
    expect(f.data).toMatchObject({ erring_index: 1, failcode: 0xc005, failcodename: 'WIRE_INVALID_ONION_HMAC', erring_node: route[1].id, erring_channel: route[1].channel });
  });

  it('after a failure a new group pays (failed parts never block, §5.4)', async () => {
    await node.call('dev-simnet-clear', {});
    const inv = await invoice('carol', 30_000n);
    const route = await routeTo('carol', 30_000n);
    await node.call('dev-simnet-fault', { kind: 'wrong_secret', node: 'carol' });
    await rpc.call('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret });
    expect((await rpcError('waitsendpay', { payment_hash: inv.payment_hash, timeout: 30 })).code).toBe(203);
    await node.call('dev-simnet-clear', {});
    const again = (await rpc.call('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret })) as any;
    expect(again.groupid).toBe(2);
    expect(((await rpc.call('waitsendpay', { payment_hash: inv.payment_hash, timeout: 30 })) as any).status).toBe('complete');
  });
});

describe('device policy refusal', () => {
  it('the device declines (ERR_POLICY): 213, nothing sent, no part stored', async () => {
    rpc.close();
    await daemon.stop();
    const limits = { maxAmountMsat: 50_000n, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null };
    const c = await DeviceClient.open(link);
    await c.setPolicy(limits);
    await c.close();
    daemon = await startDaemon(dataDir, link, DAEMON_ARGS());
    rpc = new LightningRpcClient(daemon.announced.rpc_file, { timeoutMs: 30_000 });
    try {
      const inv = await invoice('carol', 60_000n);
      const route = await routeTo('carol', 60_000n);
      const e = await rpcError('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret });
      expect(e).toMatchObject({ code: 213, message: 'The signing device declined the payment: amount above its per-payment limit (max_amount_msat)' });
      expect(e.data).toMatchObject({ device_status: 'ERR_POLICY', device_detail: 1 });
      expect(await nodeParts(inv.payment_hash)).toEqual([]);
      expect(((await rpc.call('listsendpays', { payment_hash: inv.payment_hash })) as any).payments).toEqual([]);
      // within the limit the same device pays
      const ok = await invoice('carol', 40_000n);
      await rpc.call('sendpay', { route: plainRoute(await routeTo('carol', 40_000n)), payment_hash: ok.payment_hash, payment_secret: ok.payment_secret });
      expect(((await rpc.call('waitsendpay', { payment_hash: ok.payment_hash, timeout: 30 })) as any).status).toBe('complete');
    } finally {
      rpc.close();
      await daemon.stop();
      const c2 = await DeviceClient.open(link);
      await c2.setPolicy({ maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null });
      await c2.close();
      daemon = await startDaemon(dataDir, link, DAEMON_ARGS());
      rpc = new LightningRpcClient(daemon.announced.rpc_file, { timeoutMs: 30_000 });
    }
  });
});

describe('crash between the database write and sendonion: a restart never pays twice', () => {
  async function restart(env?: Record<string, string>) {
    rpc.close();
    await daemon.stop();
    daemon = await startDaemon(dataDir, link, DAEMON_ARGS(), env);
    rpc = new LightningRpcClient(daemon.announced.rpc_file, { timeoutMs: 30_000 });
  }

  it('killed before sendonion: the node never saw it; after restart the part is failed (unsent), a retry pays once', async () => {
    await node.call('dev-simnet-clear', {});
    await restart({ LNSIGNER_DEV_CRASH: 'before-sendonion' });
    const inv = await invoice('carol', 40_000n);
    const route = await routeTo('carol', 40_000n);
    await expect(rpc.call('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret })).rejects.toThrow();
    await daemon.exited;
    expect(await nodeParts(inv.payment_hash)).toEqual([]);
    rpc.close();
    daemon = await startDaemon(dataDir, link, DAEMON_ARGS());
    rpc = new LightningRpcClient(daemon.announced.rpc_file, { timeoutMs: 30_000 });
    const l = (await rpc.call('listsendpays', { payment_hash: inv.payment_hash })) as any;
    expect(l.payments.map((p: any) => [p.groupid, p.status])).toEqual([[1, 'failed']]);
    expect((await rpcError('waitsendpay', { payment_hash: inv.payment_hash })).code).toBe(209);
    // the same key again is the exact collision (201); a new group pays
    const e = await rpcError('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret, groupid: 1 });
    expect(e.code).toBe(201);
    await rpc.call('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret });
    expect(((await rpc.call('waitsendpay', { payment_hash: inv.payment_hash, timeout: 30 })) as any).status).toBe('complete');
    const np = await nodeParts(inv.payment_hash);
    expect(np.map((p) => [p.groupid, p.status])).toEqual([[2n, 'complete']]);
  });

  it('killed after sendonion, before its answer was recorded: the restart adopts the node\'s part and never sends it again', async () => {
    await restart({ LNSIGNER_DEV_CRASH: 'after-sendonion' });
    const inv = await invoice('dave', 40_000n);
    const route = await routeTo('dave', 40_000n);
    await expect(rpc.call('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret })).rejects.toThrow();
    await daemon.exited;
    rpc.close();
    daemon = await startDaemon(dataDir, link, DAEMON_ARGS());
    rpc = new LightningRpcClient(daemon.announced.rpc_file, { timeoutMs: 30_000 });
    const w = (await rpc.call('waitsendpay', { payment_hash: inv.payment_hash, timeout: 30 })) as any;
    expect(w.status).toBe('complete');
    expect(hashOf(w.payment_preimage)).toBe(inv.payment_hash);
    // a repeat returns the success; the node holds exactly one part
    const again = (await rpc.call('sendpay', { route: plainRoute(route), payment_hash: inv.payment_hash, payment_secret: inv.payment_secret })) as any;
    expect(again).toMatchObject({ id: w.id, status: 'complete' });
    expect((await nodeParts(inv.payment_hash)).length).toBe(1);
  });
});

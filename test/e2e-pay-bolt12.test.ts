// `pay` of BOLT 12 invoices end to end: the real plugin process
// (bin/lnsigner-plugin.js) under the simulated lightningd, with the emulator
// on a PTY as its device (the device checks each invoice and builds every
// part: pay_invoice, and releases failed parts: pay_failed), the simulated
// network behind (getroutes for routing, every hop peels with its own key,
// blinded hops included). The simulated lightningd's node 0 is the device's
// node (--node0-hsm-secret as Core Lightning derives it). Invoices come from
// the simulated merchants (dev-simnet-offer) through our own fetchinvoice,
// which keeps the signed invoice_request (payer_requests) that pay hands the
// device. After a kill, a standalone daemon takes over the same data
// directory beside the same simulated node. Rules checked: cln-rpc-digest
// §1.16, §1.19; DESIGN-issue12 (pay_invoice / pay_failed, PAY_RULE_ONCE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { clnNodeSecret } from '../host/simnet/node-key.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import { spawnAnnounced, type AnnouncedProcess } from '../host/process/announced.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { STORE_FILE } from '../host/store/index.js';
import { cli, json, removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import { HSM_SECRET, NODE_ID } from './helpers/merchant.js';
import { vector } from './helpers/bytes.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const PAY_RESULT = vector('cln-v26.06-payflow.json').steps.find((s: any) => s.step === 'alice_pay_bolt12').result;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

interface World {
  dir: string;
  dataDir: string;
  link: string;
  emu: SpawnedEmulator;
  sim: RunningSimnet;
  node: LightningRpcClient;
  rpc: LightningRpcClient;
  ids: Record<string, string>;
}

/** Emulator, simulated network with lnsigner as node 0's plugin; `crash` is LNSIGNER_DEV_CRASH for the plugin. */
async function world(seed: string, crash?: string): Promise<World> {
  const dir = tempDir('lns-pay12-');
  const dataDir = join(dir, 'lns');
  const { emu, link } = await startEmulator(dir, true, bytesToHex(HSM_SECRET));
  if (crash) process.env.LNSIGNER_DEV_CRASH = crash;
  let sim: RunningSimnet;
  try {
    sim = await startSimnet(join(dir, 'ln'), { nodes: 5, seed, mppTimeoutMs: 600_000, node0Secret: clnNodeSecret(HSM_SECRET), node0HsmSecret: HSM_SECRET }, quiet,
      { paths: [PLUGIN], options: [['lnsigner-device', link], ['lnsigner-data-dir', dataDir]] });
  } finally {
    delete process.env.LNSIGNER_DEV_CRASH;
  }
  const node = new LightningRpcClient(sim.rpcFile, { timeoutMs: 120_000 });
  const info = (await node.call('lnsigner-getinfo')) as { rpc_file: string };
  const rpc = new LightningRpcClient(info.rpc_file, { timeoutMs: 120_000 });
  const ids: Record<string, string> = {};
  for (const n of sim.nodes) ids[n.alias] = n.id;
  return { dir, dataDir, link, emu, sim, node, rpc, ids };
}
async function endWorld(w: World | undefined) {
  if (!w) return;
  w.rpc.close();
  w.node.close();
  await w.sim.close();
  await w.emu.stop();
}

let w: World;
let node: LightningRpcClient;
let rpc: LightningRpcClient;
let ids: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  w = await world('e2e-pay-bolt12');
  ({ node, rpc, ids, dataDir } = w);
}, 120_000);

afterAll(async () => {
  await endWorld(w);
  removeTempDirs();
});

/** An invoice of `merchant` for a fresh offer of it, fetched by our fetchinvoice. */
async function invoiceFrom(merchant: string, amount: bigint, opts: { paths?: number; pathMax?: bigint; via?: LightningRpcClient; sim?: LightningRpcClient } = {}) {
  const offer = ((await (opts.sim ?? node).call('dev-simnet-offer', {
    node: merchant, amount_msat: amount, description: `pay e2e ${merchant}`, invoice_paths: opts.paths ?? 1,
    ...(opts.pathMax !== undefined ? { path_htlc_max_msat: opts.pathMax } : {}),
  })) as { offer: string }).offer;
  const f = (await (opts.via ?? rpc).call('fetchinvoice', { offer })) as { invoice: string };
  const { parseInvoice, decodeBolt12String } = await import('../host/bolt12/index.js');
  const inv = parseInvoice(decodeBolt12String(f.invoice).bytes);
  return { invoice: f.invoice, payment_hash: bytesToHex(inv.fields.invoice_payment_hash!) };
}
const status = async (merchant: string, hash: string, n = node) => ((await n.call('dev-simnet-invoice-status', { node: merchant, payment_hash: hash })) as { status: string }).status;
const nodeParts = (hash: string, n = node) => n.listsendpays({ payment_hash: hash });
const hashOf = (preimage: string) => bytesToHex(sha256(Buffer.from(preimage, 'hex')));
async function rpcError(method: string, params: Record<string, unknown>, c = rpc) {
  try {
    await c.call(method, params);
  } catch (e) {
    if (e instanceof LightningRpcError) return { code: e.code, message: e.message, data: e.data as any };
    throw e;
  }
  throw new Error(`${method} succeeded`);
}

describe('pay a BOLT 12 invoice', () => {
  it('the simulated lightningd is the device\'s node', async () => {
    expect(ids.payer).toBe(bytesToHex(NODE_ID));
    expect(((await rpc.call('getinfo')) as { id: string }).id).toBe(ids.payer);
  });

  it('one path: complete, the v26.06 result shape; one part in listsendpays (bolt12 = the invoice) and on the node; listpays', async () => {
    const inv = await invoiceFrom('carol', 50_000n);
    const r = (await rpc.call('pay', [inv.invoice])) as any;
    expect(Object.keys(r)).toEqual(Object.keys(PAY_RESULT));
    expect(r).toMatchObject({ amount_msat: 50000, parts: 1, destination: ids.carol, payment_hash: inv.payment_hash, status: 'complete' });
    expect(hashOf(r.payment_preimage)).toBe(inv.payment_hash);
    expect(r.amount_sent_msat).toBeGreaterThanOrEqual(50000);
    expect(await status('carol', inv.payment_hash)).toBe('paid');
    const l = (await rpc.call('listsendpays', { bolt11: inv.invoice })) as any;
    expect(l.payments.length).toBe(1);
    expect(l.payments[0]).toMatchObject({ payment_hash: inv.payment_hash, status: 'complete', partid: 1, bolt12: inv.invoice, destination: ids.carol, amount_msat: 50000 });
    expect(l.payments[0].bolt11).toBeUndefined();
    expect((await nodeParts(inv.payment_hash)).map((p) => [p.partid, p.status, p.bolt12])).toEqual([[1n, 'complete', inv.invoice]]);
    const lp = (await rpc.call('listpays', { bolt11: inv.invoice })) as any;
    expect(lp.pays).toEqual([expect.objectContaining({
      payment_hash: inv.payment_hash, status: 'complete', destination: ids.carol, bolt12: inv.invoice, amount_msat: 50000,
      amount_sent_msat: r.amount_sent_msat, preimage: r.payment_preimage, number_of_parts: 1,
    })]);
    // paying it again: the earlier success, nothing new sent
    const again = (await rpc.call('pay', { invstring: inv.invoice })) as any;
    expect(again).toMatchObject({ status: 'complete', payment_preimage: r.payment_preimage, parts: 1 });
    expect((await nodeParts(inv.payment_hash)).length).toBe(1);
  });

  it('a failing channel: the device is shown the failure (pay_failed) and the amount is routed around it', async () => {
    // dave's invoice: its path starts at carol (dave's first peer), two clear hops away
    const inv = await invoiceFrom('dave', 30_000n);
    const routes = await node.getroutes({ source: ids.payer, destination: ids.carol, amount_msat: 40_000n, layers: ['auto.localchans', 'auto.sourcefree'], maxfee_msat: 1_000_000n, final_cltv: 60, maxparts: 1 });
    const path = routes.routes[0].path;
    expect(path.length).toBeGreaterThan(1);
    const into = path[path.length - 1].short_channel_id_dir.split('/')[0];
    await node.call('dev-simnet-fault', { kind: 'no_liquidity', channel: into });
    const before = (await rpc.call('getpolicy', {})) as any;
    try {
      const r = (await rpc.call('pay', { bolt11: inv.invoice, retry_for: 60 })) as any;
      expect(r).toMatchObject({ status: 'complete', parts: 1, payment_hash: inv.payment_hash });
      expect(await status('dave', inv.payment_hash)).toBe('paid');
      const l = ((await rpc.call('listsendpays', { payment_hash: inv.payment_hash })) as any).payments;
      expect(l.map((p: any) => [p.partid, p.status])).toEqual([[1, 'failed'], [2, 'complete']]);
      // part 2 carried the whole amount again: the device took it only because pay_failed released part 1
      // (else its live part 1 plus part 2 would exceed the invoice: PAY_RULE_ONCE)
      const db = new Database(join(dataDir, STORE_FILE), { readonly: true });
      const released = db.prepare('SELECT partid, part_released, shared_secrets, pay_request FROM payments WHERE bolt12 = ? ORDER BY id').all(inv.invoice) as
        { partid: number; part_released: number; shared_secrets: Buffer | null; pay_request: Buffer | null }[];
      db.close();
      expect(released.map((x) => [Number(x.partid), x.part_released])).toEqual([[1, 1], [2, 0]]);
      // no shared secret ever reached the host: each part keeps its pay_invoice payload instead
      expect(released.every((x) => x.shared_secrets === null && x.pay_request !== null)).toBe(true);
      expect(l.every((p: any) => p.groupid === l[0].groupid && p.bolt12 === inv.invoice)).toBe(true);
      // the node saw both HTLCs; the second avoided the failed channel
      const np = await nodeParts(inv.payment_hash);
      expect(np.map((p) => p.status)).toEqual(['failed', 'complete']);
      // sendonion had no shared_secrets: the node could not decode the failure (it lists the raw onion)
      expect(np[0].erroronion).toMatch(/^[0-9a-f]+$/);
      // ours lists it decoded by the device, as CLN does a failure it decoded (no erroronion)
      expect(l[0].erroronion).toBeUndefined();
      // the device released part 1 but its 24-hour window keeps counting it (a failure reaches it
      // through the host, and a hop the host chose could make one after forwarding): both parts count
      const after = (await rpc.call('getpolicy', {})) as any;
      expect(BigInt(after.spent_last_24h_msat) - BigInt(before.spent_last_24h_msat)).toBe(BigInt(l[0].amount_sent_msat) + BigInt(l[1].amount_sent_msat));
      expect(after.log_entries - before.log_entries).toBe(2);
      const lp = ((await rpc.call('listpays', { payment_hash: inv.payment_hash })) as any).pays;
      expect(lp).toEqual([expect.objectContaining({ status: 'complete', number_of_parts: 1 })]);
      // the failed part's failure was decoded by the device (erring hop, failure message): the channel before carol
      const wf = await rpcError('waitsendpay', { payment_hash: inv.payment_hash, partid: 1, groupid: l[0].groupid });
      expect(wf.code).toBe(204);
      expect(wf.data).toMatchObject({ erring_channel: into, failcode: 0x1007, failcodename: 'WIRE_TEMPORARY_CHANNEL_FAILURE', erring_index: path.length - 1 });
      expect(wf.data.raw_message).toMatch(/^1007/);
      expect(wf.data.onionreply).toBeUndefined();
    } finally {
      await node.call('dev-simnet-clear', {});
    }
  });

  it('MPP across two paths when no path carries the whole amount (payinfo htlc_maximum_msat)', async () => {
    const inv = await invoiceFrom('dave', 100_000n, { paths: 2, pathMax: 60_000n });
    const r = (await rpc.call('pay', { bolt11: inv.invoice })) as any;
    expect(r).toMatchObject({ status: 'complete', parts: 2, amount_msat: 100000, destination: ids.dave });
    expect(hashOf(r.payment_preimage)).toBe(inv.payment_hash);
    expect(await status('dave', inv.payment_hash)).toBe('paid');
    const l = ((await rpc.call('listsendpays', { payment_hash: inv.payment_hash })) as any).payments;
    expect(l.map((p: any) => p.amount_msat).sort()).toEqual([40000, 60000]);
    expect(new Set(l.map((p: any) => p.groupid)).size).toBe(1);
    const np = await nodeParts(inv.payment_hash);
    expect(np.map((p) => p.status)).toEqual(['complete', 'complete']);
    // the two parts left through the two paths' introduction nodes' routes, each with the MPP total
    expect(np.every((p) => p.bolt12 === inv.invoice)).toBe(true);
    const lp = ((await rpc.call('listpays', { bolt11: inv.invoice })) as any).pays;
    expect(lp).toEqual([expect.objectContaining({ status: 'complete', number_of_parts: 2, amount_msat: 100000 })]);
  });

  it('a paid invoice the host forgot: the same part again is the same onion (nothing new sent); another part is refused by the device (PAY_RULE_ONCE)', async () => {
    const inv = await invoiceFrom('carol', 20_000n);
    const r = (await rpc.call('pay', { bolt11: inv.invoice })) as any;
    expect(r.status).toBe('complete');
    // the host's records go (another host, a wiped data directory): the device still knows
    const forget = () => {
      const db = new Database(join(dataDir, STORE_FILE));
      db.prepare('DELETE FROM payments WHERE bolt12 = ?').run(inv.invoice);
      db.close();
    };
    forget();
    expect(((await rpc.call('listsendpays', { bolt11: inv.invoice })) as any).payments).toEqual([]);
    // the very same part (same route, same height): the device answers with the same onion and counts
    // nothing again; the node already has that part complete and sends nothing
    expect(((await rpc.call('pay', { bolt11: inv.invoice })) as any).payment_preimage).toBe(r.payment_preimage);
    expect((await nodeParts(inv.payment_hash)).length).toBe(1);
    forget();
    // any other part (here another route: our first channel excluded) would pay it twice: refused before the node sees it
    const { decodeInvoice } = await import('../host/bolt12/index.js');
    const path = decodeInvoice(inv.invoice).fields.invoice_paths![0];
    const intro = bytesToHex((path.firstNodeId as { pubkey: Uint8Array }).pubkey);
    const first = (await node.getroutes({ source: ids.payer, destination: intro, amount_msat: 21_000n, layers: ['auto.localchans', 'auto.sourcefree'], maxfee_msat: 100_000n, final_cltv: 30, maxparts: 1 })).routes[0].path[0];
    const e = await rpcError('pay', { bolt11: inv.invoice, exclude: [first.short_channel_id_dir] });
    expect(e.code).toBe(213);
    expect(e.message).toMatch(/^The signing device declined the payment: pay rule 8: the invoice is already paid/);
    expect(e.data).toMatchObject({ device_status: 'ERR_PAY_RULE', rule: 8 });
    expect((await nodeParts(inv.payment_hash)).length).toBe(1);
    expect(((await rpc.call('listsendpays', { bolt11: inv.invoice })) as any).payments).toEqual([]);
  });

  it('two pays of one invoice at once: one payment, both answer with its success', async () => {
    const inv = await invoiceFrom('carol', 9_000n);
    const [a, b] = (await Promise.all([rpc.call('pay', { bolt11: inv.invoice }), rpc.call('pay', { bolt11: inv.invoice })])) as any[];
    expect(a).toMatchObject({ status: 'complete', parts: 1 });
    expect(b.payment_preimage).toBe(a.payment_preimage);
    expect((await nodeParts(inv.payment_hash)).length).toBe(1);
  });

  it('an offer reachable only through a blinded path (2 hops), signed by its per-offer issuer key: fetched and paid', async () => {
    const offer = ((await node.call('dev-simnet-offer', { node: 'dave', amount_msat: 3000, description: 'hidden', paths: 2 })) as { offer: string }).offer;
    const f = (await rpc.call('fetchinvoice', { offer })) as { invoice: string };
    const { decodeInvoice, decodeOffer } = await import('../host/bolt12/index.js');
    const issuer = bytesToHex(decodeOffer(offer).fields.offer_issuer_id!);
    const r = (await rpc.call('pay', { bolt11: f.invoice })) as any;
    expect(r).toMatchObject({ status: 'complete', destination: issuer, amount_msat: 3000 });
    expect(await status('dave', bytesToHex(decodeInvoice(f.invoice).fields.invoice_payment_hash!))).toBe('paid');
  });

  it('a recurring offer: period 0 paid, then period 1; a second invoice for a paid period is refused by the device (PAY_RULE_PERIOD)', async () => {
    const offer = ((await node.call('dev-simnet-offer', { node: 'carol', amount_msat: 4000, description: 'weekly', recurrence: '1week' })) as { offer: string }).offer;
    const fetch = async (counter: number) => {
      const f = (await rpc.call('fetchinvoice', { offer, recurrence_counter: counter, recurrence_label: 'pay-e2e-weekly' })) as { invoice: string };
      const { decodeInvoice } = await import('../host/bolt12/index.js');
      return { invoice: f.invoice, payment_hash: bytesToHex(decodeInvoice(f.invoice).fields.invoice_payment_hash!) };
    };
    const p0 = await fetch(0);
    expect(((await rpc.call('pay', { bolt11: p0.invoice })) as any).status).toBe('complete');
    const p1 = await fetch(1);
    expect(((await rpc.call('pay', { bolt11: p1.invoice })) as any).status).toBe('complete');
    expect(await status('carol', p1.payment_hash)).toBe('paid');
    // the merchant answers period 1 again with a new invoice (another payment hash): the period is paid
    const again = await fetch(1);
    expect(again.payment_hash).not.toBe(p1.payment_hash);
    const e = await rpcError('pay', { bolt11: again.invoice });
    expect(e).toMatchObject({ code: 213, data: { device_status: 'ERR_PAY_RULE', rule: 9 } });
    expect(await nodeParts(again.payment_hash)).toEqual([]);
  });

  it('maxfee 0 where every route costs fees: refused (205/206), nothing built or sent', async () => {
    const inv = await invoiceFrom('dave', 5_000_000n);
    const e = await rpcError('pay', { bolt11: inv.invoice, maxfee: 0 });
    expect([205, 206]).toContain(e.code);
    expect(e.data).toMatchObject({ payment_hash: inv.payment_hash, status: 'failed', attempts: 0 });
    expect(await nodeParts(inv.payment_hash)).toEqual([]);
    expect(((await rpc.call('listsendpays', { payment_hash: inv.payment_hash })) as any).payments).toEqual([]);
    // with the default budget (0.5%, at least 5000 msat) it pays
    expect(((await rpc.call('pay', { bolt11: inv.invoice })) as any).status).toBe('complete');
  });

  it('through the CLI: pay <invoice> then listpays <invoice>', async () => {
    const inv = await invoiceFrom('bob', 7_000n);
    const r = await cli(['--data-dir', dataDir, 'pay', inv.invoice]);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ status: 'complete', amount_msat: 7000, payment_hash: inv.payment_hash, destination: ids.bob });
    const l = json(await cli(['--data-dir', dataDir, 'listpays', inv.invoice]));
    expect(l.pays).toEqual([expect.objectContaining({ status: 'complete', bolt12: inv.invoice, number_of_parts: 1 })]);
  });

  it('an invoice that answers no request of ours: 212, nothing built or sent', async () => {
    // a request the daemon never saw: the simulated payer's own (dev-simnet-offer + its fetchinvoice)
    const offer = ((await node.call('dev-simnet-offer', { node: 'carol', amount_msat: 5000, description: 'not ours' })) as { offer: string }).offer;
    const f = (await node.call('dev-simnet-fetchinvoice', { node: 'alice', offer })) as { invoice: string };
    const e = await rpcError('pay', { bolt11: f.invoice });
    expect(e.code).toBe(212);
    expect(e.message).toMatch(/^Unknown invoice_request [0-9a-f]{64}/);
  });

  it('bad parameters: a BOLT 11 string, both bolt11 and invstring, maxfee with exemptfee', async () => {
    expect((await rpcError('pay', { bolt11: 'lnbcrt1xyz' })).code).toBe(-32602);
    const inv = await invoiceFrom('carol', 1000n);
    expect((await rpcError('pay', { bolt11: inv.invoice, invstring: inv.invoice })).code).toBe(-32602);
    expect((await rpcError('pay', { bolt11: inv.invoice, maxfee: 10, exemptfee: 10 })).code).toBe(-32602);
    expect((await rpcError('pay', { bolt11: inv.invoice, amount_msat: 999 })).code).toBe(-32602);
  });
});

describe('killed mid-payment: a restart pays nothing twice', () => {
  const startDaemon = (x: World) =>
    spawnAnnounced<{ rpc_file: string }>('daemon', ['--device', x.link, '--data-dir', x.dataDir, '--network', 'regtest', '--lightning-rpc', x.sim.rpcFile, '--developer']);

  for (const where of ['before-sendonion', 'after-sendonion'] as const) {
    it(`killed ${where}: a daemon on the same data directory finishes the payment; one HTLC ever reaches the node`, async () => {
      const x = await world(`e2e-pay-bolt12-${where}`, where);
      let d: AnnouncedProcess<{ rpc_file: string }> | undefined;
      let c: LightningRpcClient | undefined;
      try {
        const inv = await invoiceFrom('carol', 25_000n, { via: x.rpc, sim: x.node });
        await expect(x.rpc.call('pay', { bolt11: inv.invoice })).rejects.toThrow();
        const sent = await nodeParts(inv.payment_hash, x.node);
        expect(sent.length).toBe(where === 'before-sendonion' ? 0 : 1);
        // the plugin is dead: the same data directory, device and node, as a standalone daemon
        d = await startDaemon(x);
        c = new LightningRpcClient(d.announced.rpc_file, { timeoutMs: 120_000 });
        const before = ((await c.call('listsendpays', { payment_hash: inv.payment_hash })) as any).payments;
        expect(before.length).toBe(1);
        const r = (await c.call('pay', { bolt11: inv.invoice })) as any;
        expect(r).toMatchObject({ status: 'complete', parts: 1, payment_hash: inv.payment_hash });
        expect(hashOf(r.payment_preimage)).toBe(inv.payment_hash);
        expect(await status('carol', inv.payment_hash, x.node)).toBe('paid');
        expect((await nodeParts(inv.payment_hash, x.node)).map((p) => p.status)).toEqual(['complete']);
        // and again: the success, nothing sent
        expect(((await c.call('pay', { bolt11: inv.invoice })) as any).status).toBe('complete');
        expect((await nodeParts(inv.payment_hash, x.node)).length).toBe(1);
      } finally {
        c?.close();
        await d?.stop();
        await endWorld(x);
      }
    }, 180_000);
  }
});

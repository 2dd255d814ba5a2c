// lnsigner's own `pay` (docs/host/pay.md) of invoices our own fetchinvoice
// (docs/host/payer.md) got from the simulated merchants (dev-simnet-offer,
// host/simnet/merchant/), end to end: the real plugin process
// (bin/lnsigner-plugin.js) under the simulated lightningd, with the emulator
// on a PTY as its device (it signs each request and checks and builds every
// part: pay_invoice). node 0 of the simulated network is the device's node.
// Covered here: quantity and any-amount offers; offers and invoices reachable
// only through blinded paths of 1–3 hops behind 1–3 clear hops; an expired
// invoice (refused by the host, CLN's 207); a second invoice for a request
// already paid (refused by the device, DESIGN-issue12 PAY_RULE_PERIOD: one
// invoice per non-recurring offer request). Rules: cln-rpc-digest §1.19,
// DESIGN-issue12 (pay_invoice rules).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { clnNodeSecret } from '../host/simnet/node-key.js';
import { LightningRpcClient } from '../host/node/client.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { STORE_FILE } from '../host/store/index.js';
import { decodeBolt12String, decodeInvoice, decodeOffer } from '../host/bolt12/index.js';
import { encodeBolt12String } from '../host/bolt12/bech32-string.js';
import { removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import { HSM_SECRET, NODE_ID } from './helpers/merchant.js';
import { refusal } from './helpers/rpc-refusal.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const SEED = 'e2e-pay-offers';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let dir: string;
let emu: SpawnedEmulator;
let sim: RunningSimnet;
let node: LightningRpcClient;
let rpc: LightningRpcClient;
let ids: string[];

beforeAll(async () => {
  dir = tempDir('lns-payoffers-');
  const started = await startEmulator(dir, true, bytesToHex(HSM_SECRET));
  emu = started.emu;
  sim = await startSimnet(join(dir, 'ln'), { nodes: 8, seed: SEED, mppTimeoutMs: 600_000, node0Secret: clnNodeSecret(HSM_SECRET), node0HsmSecret: HSM_SECRET }, quiet,
    { paths: [PLUGIN], options: [['lnsigner-device', started.link], ['lnsigner-data-dir', join(dir, 'lns')]] });
  node = new LightningRpcClient(sim.rpcFile, { timeoutMs: 120_000 });
  rpc = new LightningRpcClient(((await node.call('lnsigner-getinfo')) as { rpc_file: string }).rpc_file, { timeoutMs: 120_000 });
  ids = sim.nodes.map((n) => n.id);
}, 120_000);

afterAll(async () => {
  rpc?.close();
  node?.close();
  await sim?.close();
  await emu?.stop();
  removeTempDirs();
});

const offer = async (merchant: number, p: Record<string, unknown>) =>
  ((await node.call('dev-simnet-offer', { node: ids[merchant], description: 'pay offers e2e', ...p })) as { offer: string }).offer;
const fetch = async (p: Record<string, unknown>) => {
  const f = (await rpc.call('fetchinvoice', { timeout: 30, ...p })) as { invoice: string };
  const fields = decodeInvoice(f.invoice).fields;
  return { invoice: f.invoice, payment_hash: bytesToHex(fields.invoice_payment_hash!), amount: fields.invoice_amount! };
};
const status = async (merchant: number, hash: string) => ((await node.call('dev-simnet-invoice-status', { node: ids[merchant], payment_hash: hash })) as { status: string }).status;
const nodeParts = (hash: string) => node.listsendpays({ payment_hash: hash });
const ourParts = async (hash: string) => ((await rpc.call('listsendpays', { payment_hash: hash })) as { payments: any[] }).payments;
const hashOf = (preimage: string) => bytesToHex(sha256(Buffer.from(preimage, 'hex')));
const logEntries = async () => ((await rpc.call('getpolicy', {})) as { log_entries: number }).log_entries;

/** pay, then what the merchant, our listsendpays / listpays and the node show: paid once, the invoice amount. */
async function payAndCheck(inv: { invoice: string; payment_hash: string; amount: bigint }, merchant: number) {
  expect(await status(merchant, inv.payment_hash)).toBe('unpaid');
  const r = (await rpc.call('pay', { bolt11: inv.invoice })) as any;
  expect(r).toMatchObject({ status: 'complete', payment_hash: inv.payment_hash, amount_msat: Number(inv.amount) });
  expect(hashOf(r.payment_preimage)).toBe(inv.payment_hash);
  expect(await status(merchant, inv.payment_hash)).toBe('paid');
  const lp = ((await rpc.call('listpays', { bolt11: inv.invoice })) as any).pays;
  expect(lp).toEqual([expect.objectContaining({ status: 'complete', bolt12: inv.invoice, amount_msat: Number(inv.amount), preimage: r.payment_preimage })]);
  expect((await nodeParts(inv.payment_hash)).map((p) => p.status)).toEqual(Array(r.parts).fill('complete'));
  return r;
}

/** Channel hops from node 0 to every node (breadth first over listchannels). */
async function distances(): Promise<Map<string, number>> {
  const chans = ((await node.call('listchannels', {})) as { channels: { source: string; destination: string }[] }).channels;
  const dist = new Map<string, number>([[ids[0], 0]]);
  for (let frontier = [ids[0]]; frontier.length; ) {
    const next: string[] = [];
    for (const at of frontier) {
      for (const c of chans) {
        if (c.source === at && !dist.has(c.destination)) {
          dist.set(c.destination, dist.get(at)! + 1);
          next.push(c.destination);
        }
      }
    }
    frontier = next;
  }
  return dist;
}

describe('pay invoices fetched from offers (lnsigner fetchinvoice + pay)', () => {
  it('the simulated lightningd is the device\'s node', async () => {
    expect(ids[0]).toBe(bytesToHex(NODE_ID));
  });

  it('a quantity offer: the invoice is offer_amount × quantity; paid, listpays shows that amount', async () => {
    const lno = await offer(3, { amount_msat: 1_100, quantity_max: 5 });
    const inv = await fetch({ offer: lno, quantity: 3 });
    expect(inv.amount).toBe(3_300n);
    const r = await payAndCheck(inv, 3);
    expect(r.destination).toBe(ids[3]);
  });

  it('an any-amount offer: the invoice is the amount we asked for; paid, listpays shows it', async () => {
    const lno = await offer(4, { amount_msat: 'any' });
    const inv = await fetch({ offer: lno, amount_msat: 7_777 });
    expect(inv.amount).toBe(7_777n);
    await payAndCheck(inv, 4);
  });

  /**
   * A merchant of this network whose `hops`-hop offer path — and its invoices' payment path
   * (invoice_path_hops: the same chain) — starts `clear` channels away from us, and its offer.
   */
  async function pathOffer(hops: number, clear: number, amount: number) {
    const dist = await distances();
    for (let m = 1; m < ids.length; m++) {
      let lno: string;
      try {
        lno = await offer(m, { amount_msat: amount, paths: hops, invoice_path_hops: hops });
      } catch {
        continue; // no chain of that many hops to this node
      }
      const intro = bytesToHex((decodeOffer(lno).fields.offer_paths![0].firstNodeId as { pubkey: Uint8Array }).pubkey);
      if (dist.get(intro) === clear) return { merchant: m, lno };
    }
    throw new Error(`no merchant whose ${hops}-hop path starts ${clear} channel(s) away`);
  }

  // (blinded hops, clear hops from us to the introduction node). 1 blinded hop behind 0 clear
  // hops cannot exist (the merchant would be us); 0 clear hops with more is the next test.
  const SHAPES: [number, number][] = [[1, 1], [2, 1], [2, 2], [3, 2], [1, 3], [3, 3]];
  it.each(SHAPES)('only through blinded paths: %i blinded hop(s) behind %i clear hop(s): fetched and paid', async (hops, clear) => {
    const { merchant, lno } = await pathOffer(hops, clear, 2_000 + 10 * hops + clear);
    const path = decodeOffer(lno).fields.offer_paths![0];
    expect(path.hops.length).toBe(hops);
    const inv = await fetch({ offer: lno });
    // the invoice's payment path: the same introduction node, the same number of blinded hops
    const pay = decodeInvoice(inv.invoice).fields.invoice_paths!;
    expect(pay.length).toBe(1);
    expect(pay[0].hops.length).toBe(hops);
    expect(bytesToHex((pay[0].firstNodeId as { pubkey: Uint8Array }).pubkey)).toBe(bytesToHex((path.firstNodeId as { pubkey: Uint8Array }).pubkey));
    const r = await payAndCheck(inv, merchant);
    expect(r.destination).toBe(bytesToHex(decodeOffer(lno).fields.offer_issuer_id!));
    // what the device was given: the clear hops after us, then the whole blinded tail (pay_invoice byte 1 = hop count)
    const db = new Database(join(dir, 'lns', STORE_FILE), { readonly: true });
    const rows = db.prepare('SELECT pay_request FROM payments WHERE bolt12 = ? AND status = ?').all(inv.invoice, 'complete') as { pay_request: Buffer }[];
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0].pay_request[1]).toBe(clear - 1 + hops);
  });

  it('a payment path whose introduction node is us (0 clear hops): fetched; pay refuses it (205, docs/host/pay.md limit) before the device, nothing sent', async () => {
    const { merchant, lno } = await pathOffer(2, 0, 2_020);
    const inv = await fetch({ offer: lno });
    expect(bytesToHex((decodeInvoice(inv.invoice).fields.invoice_paths![0].firstNodeId as { pubkey: Uint8Array }).pubkey)).toBe(ids[0]);
    const before = await logEntries();
    const e = await refusal(rpc.call('pay', { bolt11: inv.invoice }));
    expect(e.code).toBe(205);
    expect(e.message).toMatch(new RegExp(`^Could not find a route to ${ids[0]} `));
    expect(await logEntries()).toBe(before);
    expect(await ourParts(inv.payment_hash)).toEqual([]);
    expect(await nodeParts(inv.payment_hash)).toEqual([]);
    expect(await status(merchant, inv.payment_hash)).toBe('unpaid');
  });

  it('an expired invoice: 207 "Invoice expired" from the host; nothing reaches the device or the node', async () => {
    const now = Math.floor(Date.now() / 1000);
    const lno = await offer(2, { amount_msat: 5_000, created_at: now - 600, relative_expiry: 60 });
    const inv = await fetch({ offer: lno });
    const before = await logEntries();
    const e = await refusal(rpc.call('pay', { bolt11: inv.invoice }));
    expect([e.code, e.message]).toEqual([207, 'Invoice expired']);
    expect(e.data).toMatchObject({ expiry: now - 540 });
    expect((e.data as { now: number }).now).toBeGreaterThanOrEqual(now);
    expect(await ourParts(inv.payment_hash)).toEqual([]);
    expect(await nodeParts(inv.payment_hash)).toEqual([]);
    expect(await logEntries()).toBe(before);
    expect(await status(2, inv.payment_hash)).toBe('unpaid');
    // the default expiry (7200 s after created_at) passed too
    const old = await fetch({ offer: await offer(2, { amount_msat: 5_000, created_at: now - 7300 }) });
    expect((await refusal(rpc.call('pay', { bolt11: old.invoice }))).code).toBe(207);
    expect(await nodeParts(old.payment_hash)).toEqual([]);
  });

  it('a second invoice for a request already paid: refused by the device (pay rule 9); nothing reaches the node', async () => {
    const lno = await offer(5, { amount_msat: 6_000, misbehave: 'second_invoice' });
    await node.call('dev-simnet-hooks', { clear: true });
    const first = await fetch({ offer: lno });
    // both invoices reached our node through the reply path; fetchinvoice took one
    let got: string[] = [];
    for (let i = 0; i < 50 && got.length < 2; i++) {
      const { deliveries } = (await node.call('dev-simnet-hooks', {})) as { deliveries: { node: string; payload: { onion_message: Record<string, string> } }[] };
      got = deliveries.filter((d) => d.node === ids[0] && d.payload.onion_message.invoice).map((d) => d.payload.onion_message.invoice);
      if (got.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(got).toHaveLength(2);
    const firstHex = bytesToHex(decodeBolt12String(first.invoice).bytes);
    expect(got).toContain(firstHex);
    const secondStr = encodeBolt12String('lni', Buffer.from(got.find((h) => h !== firstHex)!, 'hex'));
    const sf = decodeInvoice(secondStr).fields;
    const second = { invoice: secondStr, payment_hash: bytesToHex(sf.invoice_payment_hash!), amount: sf.invoice_amount! };
    expect(second.payment_hash).not.toBe(first.payment_hash);
    // the same request (same payer key and metadata), another invoice
    expect(bytesToHex(sf.invreq_metadata!)).toBe(bytesToHex(decodeInvoice(first.invoice).fields.invreq_metadata!));
    await payAndCheck(first, 5);
    const e = await refusal(rpc.call('pay', { bolt11: second.invoice }));
    expect(e.code).toBe(213);
    expect(e.message).toMatch(/^The signing device declined the payment: pay rule 9: another invoice was already paid for this invoice request \(a one-off request for an offer takes one invoice/);
    expect(e.data).toMatchObject({ device_status: 'ERR_PAY_RULE', rule: 9 });
    expect(await nodeParts(second.payment_hash)).toEqual([]);
    expect(await ourParts(second.payment_hash)).toEqual([]);
    expect(await status(5, second.payment_hash)).toBe('unpaid');
  });
});

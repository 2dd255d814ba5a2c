// Invoices sent to us for our own invoice_requests, end to end (issue 12
// item 4; cln-offers-flow-digest §4.5): the real plugin process
// (bin/lnsigner-plugin.js) under the simulated lightningd, the emulator on a
// PTY as its device, and a simulated node answering our lnr1… with
// dev-simnet-sendinvoice (host/simnet/merchant/), which attaches a reply path
// and reports the invoice_errors that come back and whether it was paid.
// Checked: paid once through pay's code (listsendpays, the node's own
// record), the request marked used / inactive, a second invoice answered with
// CLN's invoice_error text and not paid, 20 concurrent invoices for one
// single-use request ⇒ exactly one payment, the same invoice three times ⇒
// one payment, refund_for accepted with the refunded payer key and refused
// with another, an expired and a wrong-amount invoice refused before any
// HTLC leaves (nothing in listsendpays, on our side or the node's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { clnNodeSecret } from '../host/simnet/node-key.js';
import { LightningRpcClient } from '../host/node/client.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { decodeBolt12String, parseInvoice } from '../host/bolt12/index.js';
import { removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import { HSM_SECRET, NODE_ID } from './helpers/merchant.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
/** The simulated node that answers our requests (CLN sendinvoice). */
const PAYEE = 'carol';

let dir: string;
let emu: SpawnedEmulator;
let sim: RunningSimnet;
let node: LightningRpcClient;
let rpc: LightningRpcClient;
let ids: Record<string, string>;

beforeAll(async () => {
  dir = tempDir('lns-invhook-');
  const started = await startEmulator(dir, true, bytesToHex(HSM_SECRET));
  emu = started.emu;
  const link = started.link;
  // key mode node: our offers' invoices are signed by the node id, so one of them can be refunded (offerout refund_for).
  sim = await startSimnet(join(dir, 'ln'), { nodes: 5, seed: 'e2e-invoice-hook', mppTimeoutMs: 600_000, node0Secret: clnNodeSecret(HSM_SECRET), node0HsmSecret: HSM_SECRET }, quiet,
    { paths: [PLUGIN], options: [['lnsigner-device', link], ['lnsigner-data-dir', join(dir, 'lns')], ['lnsigner-key-mode', 'node']] });
  node = new LightningRpcClient(sim.rpcFile, { timeoutMs: 120_000 });
  const info = (await node.call('lnsigner-getinfo')) as { rpc_file: string };
  rpc = new LightningRpcClient(info.rpc_file, { timeoutMs: 120_000 });
  ids = Object.fromEntries(sim.nodes.map((n) => [n.alias, n.id]));
}, 120_000);

afterAll(async () => {
  rpc?.close();
  node?.close();
  await sim?.close();
  await emu?.stop();
  removeTempDirs();
});

interface Sent { invoice: string; payment_hash: string; amount_msat: number }
interface Status { status: 'paid' | 'unpaid'; invoice_errors: string[] }

const lnr = async (amount = 20_000, p: Record<string, unknown> = {}) =>
  (await rpc.call('invoicerequest', { amount: `${amount}msat`, description: 'refund me', ...p })) as { invreq_id: string; bolt12: string; active: boolean; used: boolean; single_use: boolean };
const sendInvoice = (invreq: string, p: Record<string, unknown> = {}) => node.call('dev-simnet-sendinvoice', { node: PAYEE, invreq, ...p }) as Promise<Sent>;
const status = async (hash: string, at = PAYEE): Promise<Status> => {
  const s = (await node.call('dev-simnet-invoice-status', { node: at, payment_hash: hash })) as Status & { payment_hash: string };
  expect(s.payment_hash).toBe(hash);
  return { status: s.status, invoice_errors: s.invoice_errors };
};
const request = async (id: string) => ((await rpc.call('listinvoicerequests', { invreq_id: id })) as { invoicerequests: { active: boolean; used: boolean }[] }).invoicerequests[0];
/** Our parts for a payment hash, and the simulated node's (what left the node). */
const ourParts = async (hash: string) => ((await rpc.call('listsendpays', { payment_hash: hash })) as { payments: { status: string }[] }).payments;
const nodeParts = (hash: string) => node.listsendpays({ payment_hash: hash });

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 150));
  }
}
/** Waits until the invoice is paid or an invoice_error came back for it. */
const settled = (hash: string, errors = 1) => until(() => status(hash), (s) => s.status === 'paid' || s.invoice_errors.length >= errors);

describe('invoices for our invoice_requests', () => {
  it('the simulated lightningd is the device\'s node', () => {
    expect(ids.payer).toBe(bytesToHex(NODE_ID));
  });

  it('an invoice for our lnr1… is paid once through pay (listsendpays, the node), the request becomes used and inactive; a second invoice gets CLN\'s invoice_error and is not paid', async () => {
    const r = await lnr(20_000);
    expect(r).toMatchObject({ active: true, used: false, single_use: true });
    const a = await sendInvoice(r.bolt12);
    expect(a.amount_msat).toBe(20_000);
    const sa = await settled(a.payment_hash);
    expect(sa).toMatchObject({ status: 'paid', invoice_errors: [] });
    expect(await request(r.invreq_id)).toMatchObject({ active: false, used: true });
    const ours = (await rpc.call('listsendpays', { bolt11: a.invoice })) as { payments: Record<string, unknown>[] };
    expect(ours.payments).toEqual([expect.objectContaining({ payment_hash: a.payment_hash, status: 'complete', bolt12: a.invoice, destination: ids[PAYEE], amount_msat: 20_000 })]);
    const pre = ours.payments[0].payment_preimage as string;
    expect(bytesToHex(sha256(Buffer.from(pre, 'hex')))).toBe(a.payment_hash);
    expect((await nodeParts(a.payment_hash)).map((p) => p.status)).toEqual(['complete']);

    const b = await sendInvoice(r.bolt12);
    const sb = await settled(b.payment_hash);
    expect(sb).toEqual({ status: 'unpaid', invoice_errors: [`Failed invoice ${b.invoice}: invoice_request no longer available`] });
    expect(await ourParts(b.payment_hash)).toEqual([]);
    expect(await nodeParts(b.payment_hash)).toEqual([]);
    // the first stays paid once
    expect((await nodeParts(a.payment_hash)).length).toBe(1);
  }, 120_000);

  it('20 concurrent invoices for one single-use lnr1… ⇒ exactly one payment; every other invoice gets the invoice_error', async () => {
    const r = await lnr(7_000);
    const sent = await Promise.all(Array.from({ length: 20 }, () => sendInvoice(r.bolt12)));
    expect(new Set(sent.map((s) => s.payment_hash)).size).toBe(20);
    const st = await Promise.all(sent.map((s) => settled(s.payment_hash)));
    const paid = sent.filter((_, i) => st[i].status === 'paid');
    expect(paid.length).toBe(1);
    sent.forEach((s, i) => {
      if (st[i].status !== 'paid') expect(st[i].invoice_errors).toEqual([`Failed invoice ${s.invoice}: invoice_request no longer available`]);
    });
    const parts = await Promise.all(sent.map((s) => nodeParts(s.payment_hash)));
    expect(parts.flat().length).toBe(1);
    expect(parts.flat()[0].status).toBe('complete');
    expect(await request(r.invreq_id)).toMatchObject({ active: false, used: true });
  }, 180_000);

  it('the same invoice delivered three times at once: paid once, the two repeats answered with the invoice_error', async () => {
    const r = await lnr(6_000);
    const a = await sendInvoice(r.bolt12, { copies: 3 });
    const s = await until(() => status(a.payment_hash), (x) => x.status === 'paid' && x.invoice_errors.length >= 2);
    expect(s).toEqual({ status: 'paid', invoice_errors: Array(2).fill(`Failed invoice ${a.invoice}: invoice_request no longer available`) });
    expect((await nodeParts(a.payment_hash)).length).toBe(1);
  }, 120_000);

  it('an expired invoice and a wrong amount are refused before any HTLC leaves; the request stays active and a good invoice is then paid', async () => {
    const r = await lnr(9_000);
    const now = Math.floor(Date.now() / 1000);
    const refusals: [Record<string, unknown>, string][] = [
      [{ created_at: now - 7300 }, 'Expired invoice'],
      [{ created_at: now - 100, relative_expiry: 60 }, 'Expired invoice'],
      [{ amount_msat: 9_001 }, 'invoice amount is too large'],
      [{ amount_msat: 8_999 }, 'invoice amount is too small'],
    ];
    for (const [p, why] of refusals) {
      const x = await sendInvoice(r.bolt12, p);
      const s = await settled(x.payment_hash);
      expect(s).toEqual({ status: 'unpaid', invoice_errors: [`Failed invoice ${x.invoice}: ${why}`] });
      expect(await ourParts(x.payment_hash)).toEqual([]);
      expect(await nodeParts(x.payment_hash)).toEqual([]);
    }
    expect(await request(r.invreq_id)).toMatchObject({ active: true, used: false });
    const good = await sendInvoice(r.bolt12);
    expect(await settled(good.payment_hash)).toMatchObject({ status: 'paid', invoice_errors: [] });
    expect(await request(r.invreq_id)).toMatchObject({ active: false, used: true });
  }, 120_000);

  it('without a reply path a refused invoice gets no answer (and is not paid)', async () => {
    const r = await lnr(5_000);
    const x = await sendInvoice(r.bolt12, { reply_path: false, amount_msat: 5_001 });
    // The refusal is not observable by the sender: wait for lnsigner to have handled it, then check nothing moved.
    await new Promise((res) => setTimeout(res, 1500));
    expect(await status(x.payment_hash)).toEqual({ status: 'unpaid', invoice_errors: [] });
    expect(await nodeParts(x.payment_hash)).toEqual([]);
    expect(await request(r.invreq_id)).toMatchObject({ active: true, used: false });
  }, 60_000);

  it('offerout refund_for: an invoice signed with the refunded invoice\'s payer key is paid; one signed by another key is refused', async () => {
    // Our offer, fetched and paid by the simulated payer on the payee's node: the invoice we refund.
    const offer = (await rpc.call('offer', { amount: '4000msat', description: 'returnable' })) as { bolt12: string };
    const got = (await node.call('dev-simnet-fetchinvoice', { node: PAYEE, offer: offer.bolt12, timeout: 30 })) as { invoice: string; payment_hash: string };
    await node.call('dev-simnet-pay', { node: PAYEE, invoice: got.invoice });
    const refunded = parseInvoice(decodeBolt12String(got.invoice).bytes);
    expect(bytesToHex(refunded.fields.invoice_node_id!)).toBe(ids.payer);
    const payerKey = bytesToHex(refunded.fields.invreq_payer_id!);

    const wrong = (await rpc.call('offerout', { amount: '4000msat', description: 'refund', refund_for: got.invoice })) as { bolt12: string; invreq_id: string; refund_payer_key: string };
    expect(wrong.refund_payer_key).toBe(payerKey);
    // the payee's node key, not the payer key it used
    const w = await sendInvoice(wrong.bolt12);
    expect(await settled(w.payment_hash)).toEqual({ status: 'unpaid', invoice_errors: [`Failed invoice ${w.invoice}: invoice not signed by the refund_for payer key`] });
    expect(await nodeParts(w.payment_hash)).toEqual([]);
    expect(await request(wrong.invreq_id)).toMatchObject({ active: true, used: false });

    const right = (await rpc.call('offerout', { amount: '4000msat', description: 'refund', refund_for: got.invoice })) as { bolt12: string; invreq_id: string };
    const ok = await sendInvoice(right.bolt12, { refund_of: got.invoice });
    expect(bytesToHex(parseInvoice(decodeBolt12String(ok.invoice).bytes).fields.invoice_node_id!)).toBe(payerKey);
    expect(await settled(ok.payment_hash)).toMatchObject({ status: 'paid', invoice_errors: [] });
    expect(await request(right.invreq_id)).toMatchObject({ active: false, used: true });
    // the wrong-key request can still be redeemed by the right key
    const late = await sendInvoice(wrong.bolt12, { refund_of: got.invoice });
    expect(await settled(late.payment_hash)).toMatchObject({ status: 'paid' });
  }, 180_000);
});

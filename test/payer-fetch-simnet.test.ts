// fetchinvoice / cancelrecurringinvoice (host/payer/, docs/host/payer.md) in
// the real plugin process (bin/lnsigner-plugin.js) under the simulated
// lightningd (`lnsigner simnet --plugin`), with the emulator on a PTY as the
// device: the device signs the request with the payer key of its metadata
// and builds the reply path and the onion message; the simulated merchants
// (dev-simnet-offer, written with @noble, independent of lnsigner) answer
// over the simnet's onion messages; the invoices are paid by the simnet's own
// payer (dev-simnet-pay) to show the merchant accepts them. node 0 is the
// device's node (--node0-hsm-secret), its makesecret Core Lightning's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { secp } from '../host/crypto/noble.js';
import { spawnAnnounced, type AnnouncedProcess } from '../host/process/announced.js';
import { LightningRpcClient } from '../host/node/client.js';
import { checkSignature, decodeBolt12String, decodeOffer, invreqId, offerId, parseInvoice, parseInvoiceRequest } from '../host/bolt12/index.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { removeTempDirs, startDaemon, startEmulator, tempDir } from './helpers/e2e.js';
import { HSM_SECRET, NODE_ID } from './helpers/merchant.js';
import { refusal } from './helpers/rpc-refusal.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const SEED = 'payer-fetch-e2e';
const HSM_HEX = bytesToHex(HSM_SECRET);
const enc = new TextEncoder();

// Independent model of the payer key (cln-rpc-digest §7.3, §7.4): makesecret
// from the hsm_secret, then node_id + SHA256(node-alias-base ‖ metadata)·G.
const ALIAS_BASE = hkdf(sha256, hkdf(sha256, HSM_SECRET, undefined, enc.encode('derived secrets'), 32), undefined, enc.encode('node-alias-base'), 32);
function payerIdOf(metadata: Uint8Array): string {
  const t = BigInt('0x' + bytesToHex(sha256(concatBytes(ALIAS_BASE, metadata)))) % secp.Point.CURVE().n;
  return bytesToHex(secp.Point.fromBytes(NODE_ID).add(secp.Point.BASE.multiply(t)).toBytes(true));
}

interface Fetched { invoice: string; changes: Record<string, unknown>; next_period?: Record<string, number> }
interface Outcome { result: Record<string, unknown>; calls: { plugin: string; result?: Record<string, unknown> }[] }

let emu: SpawnedEmulator;
let sim: AnnouncedProcess<{ rpc_file: string }>;
let ld: LightningRpcClient;
let lns: LightningRpcClient;
let ids: string[];
let dir: string;

beforeAll(async () => {
  dir = tempDir('lns-fetch-');
  const started = await startEmulator(dir, true, HSM_HEX);
  emu = started.emu;
  sim = await spawnAnnounced('simnet', [
    '--data-dir', join(dir, 'ln'), '--nodes', '8', '--seed', SEED, '--node0-hsm-secret', HSM_HEX,
    '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${started.link}`, '--plugin-option', `lnsigner-data-dir=${join(dir, 'lns')}`,
  ]);
  ld = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 60_000 });
  lns = new LightningRpcClient(((await ld.call('lnsigner-getinfo')) as { rpc_file: string }).rpc_file, { timeoutMs: 60_000 });
  ids = ((await ld.call('dev-simnet-nodes')) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
}, 120_000);
afterAll(async () => {
  ld?.close();
  lns?.close();
  await sim?.kill();
  await emu?.stop();
  removeTempDirs();
});

const offer = async (node: number, p: Record<string, unknown>) =>
  ((await ld.call('dev-simnet-offer', { node: ids[node], description: 'simnet goods', ...p })) as { offer: string }).offer;
const fetch = (p: Record<string, unknown>) => lns.call('fetchinvoice', { timeout: 30, ...p }) as Promise<Fetched>;
const status = async (node: number, hash: string) => ((await ld.call('dev-simnet-invoice-status', { node: ids[node], payment_hash: hash })) as { status: string }).status;
/** The payer_requests rows (read-only, beside the running daemon). */
function payerRows(): Record<string, any>[] {
  const db = new Database(join(dir, 'lns', 'lnsigner.sqlite3'), { readonly: true });
  try {
    return db.prepare("SELECT hex(invreq_id) AS id, bolt12, status, invoice, reply_secret, recurrence_counter, recurrence_label FROM payer_requests").all() as Record<string, any>[];
  } finally {
    db.close();
  }
}

/** Checks what fetchinvoice returned as a payer would, pays it from the simnet and checks the merchant saw it paid. */
async function checkAndPay(lno: string, got: Fetched, merchant: number, amount: bigint) {
  expect(got.invoice.startsWith('lni1')).toBe(true);
  const inv = parseInvoice(decodeBolt12String(got.invoice).bytes);
  checkSignature(inv);
  const f = inv.fields;
  expect(f.invoice_amount).toBe(amount);
  // The request is ours: the payer key of its metadata (the device's), not the node id.
  const payer = bytesToHex(f.invreq_payer_id!);
  expect(payer).toBe(payerIdOf(f.invreq_metadata!));
  expect(payer).not.toBe(bytesToHex(NODE_ID));
  expect(bytesToHex(offerId(inv.records))).toBe(bytesToHex(offerId(decodeBolt12String(lno).bytes)));
  // Stored with its signed request (what `pay` gives the device).
  const row = payerRows().find((r) => r.id.toLowerCase() === bytesToHex(invreqId(inv.records)));
  expect(row).toEqual(expect.objectContaining({ status: 'answered', invoice: got.invoice }));
  expect(parseInvoiceRequest(decodeBolt12String(row!.bolt12).bytes).fields.invreq_payer_id).toEqual(f.invreq_payer_id);
  const hash = bytesToHex(f.invoice_payment_hash!);
  expect(await status(merchant, hash)).toBe('unpaid');
  await ld.call('dev-simnet-pay', { node: ids[0], invoice: got.invoice });
  expect(await status(merchant, hash)).toBe('paid');
  return inv;
}

describe('fetchinvoice through the plugin, the device and the simulated merchants', () => {
  it('one-off offer (no paths: straight to the issuer): invoice signed by the issuer, request signed with the payer key, payable', async () => {
    const lno = await offer(3, { amount_msat: 21_000 });
    const got = await fetch({ offer: lno, payer_note: 'hello' });
    expect(got.changes).toEqual({});
    expect(got.next_period).toBeUndefined();
    const inv = await checkAndPay(lno, got, 3, 21_000n);
    expect(bytesToHex(inv.fields.invoice_node_id!)).toBe(ids[3]);
    expect(inv.fields.invreq_payer_note).toBe('hello');
    // CLN §4.1: invreq_features present and empty; invreq_chain (regtest); 16 bytes of metadata.
    expect(inv.records.find((r) => r.type === 84n)?.value.length).toBe(0);
    expect(inv.fields.invreq_metadata!.length).toBe(16);
    // A second fetch is a new request: new metadata, another payer id.
    const again = parseInvoice(decodeBolt12String((await fetch({ offer: lno })).invoice).bytes);
    expect(bytesToHex(again.fields.invreq_payer_id!)).not.toBe(bytesToHex(inv.fields.invreq_payer_id!));
  }, 120_000);

  it('quantity: the amount is offer_amount × quantity; quantity is required and bounded', async () => {
    const lno = await offer(2, { amount_msat: 1_000, quantity_max: 5 });
    await checkAndPay(lno, await fetch({ offer: lno, quantity: 3 }), 2, 3_000n);
    expect((await refusal(fetch({ offer: lno }))).message).toBe('quantity parameter required');
    expect((await refusal(fetch({ offer: lno, quantity: 6 }))).message).toBe('quantity must be <= 5');
    const plain = await offer(2, { amount_msat: 1_000 });
    const e = await refusal(fetch({ offer: plain, quantity: 2 }));
    expect([e.code, e.message]).toEqual([-32602, 'quantity parameter unnecessary']);
  }, 120_000);

  it('any-amount offer: amount_msat is required and becomes the invoice amount', async () => {
    const lno = await offer(4, { amount_msat: 'any' });
    const e = await refusal(fetch({ offer: lno }));
    expect([e.code, e.message]).toEqual([-32602, 'amount_msat parameter required']);
    const got = await fetch({ offer: lno, amount_msat: 7_777 });
    expect(got.changes).toEqual({});
    await checkAndPay(lno, got, 4, 7_777n);
  }, 120_000);

  it('recurring offer: next_period, period 1 with the same payer key; cancelrecurringinvoice ends it', async () => {
    const lno = await offer(1, { amount_msat: 5_000, recurrence: '1hour' });
    expect((await refusal(fetch({ offer: lno, recurrence_label: 'rent' }))).message).toBe('needs recurrence_counter');
    expect((await refusal(fetch({ offer: lno, recurrence_counter: 0 }))).message).toBe('needs recurrence_label');
    const p0 = await fetch({ offer: lno, recurrence_counter: 0, recurrence_label: 'rent' });
    const i0 = await checkAndPay(lno, p0, 1, 5_000n);
    const base = Number(i0.fields.invoice_recurrence_basetime!);
    expect(p0.next_period).toEqual({ counter: 1, starttime: base + 3600, endtime: base + 7199, paywindow_start: base, paywindow_end: base + 7199 });
    const p1 = await fetch({ offer: lno, recurrence_counter: 1, recurrence_label: 'rent' });
    const i1 = await checkAndPay(lno, p1, 1, 5_000n);
    expect(bytesToHex(i1.fields.invreq_payer_id!)).toBe(bytesToHex(i0.fields.invreq_payer_id!));
    expect(bytesToHex(i1.fields.invreq_metadata!)).toBe(bytesToHex(i0.fields.invreq_metadata!));
    expect(p1.next_period?.counter).toBe(2);
    // Another label is another series: another payer key.
    const other = parseInvoice(decodeBolt12String((await fetch({ offer: lno, recurrence_counter: 0, recurrence_label: 'other' })).invoice).bytes);
    expect(bytesToHex(other.fields.invreq_payer_id!)).not.toBe(bytesToHex(i0.fields.invreq_payer_id!));

    // Another series of another offer: period 0 paid, then period 1 cancelled. The cancel carries
    // invreq_recurrence_cancel and the series' payer id; nothing comes back (the command returns the request).
    const lno2 = await offer(1, { amount_msat: 5_000, recurrence: '1hour' });
    const s0 = await checkAndPay(lno2, await fetch({ offer: lno2, recurrence_counter: 0, recurrence_label: 'gym' }), 1, 5_000n);
    await ld.call('dev-simnet-hooks', { clear: true });
    const c = (await lns.call('cancelrecurringinvoice', { offer: lno2, recurrence_counter: 1, recurrence_label: 'gym' })) as { bolt12: string };
    const cr = parseInvoiceRequest(decodeBolt12String(c.bolt12).bytes);
    expect(cr.records.some((r) => r.type === 2000000094n)).toBe(true);
    expect(cr.fields.invreq_recurrence_counter).toBe(1);
    expect(bytesToHex(cr.fields.invreq_payer_id!)).toBe(bytesToHex(s0.fields.invreq_payer_id!));
    expect(payerRows().find((r) => r.bolt12 === c.bolt12)?.status).toBe('cancel');
    // The merchant took it (no invoice_error, no invoice): period 1 is no longer invoiced.
    const { deliveries } = (await ld.call('dev-simnet-hooks', {})) as { deliveries: { node: string; payload: { onion_message: Record<string, string> } }[] };
    expect(deliveries.filter((d) => d.node === ids[0] && (d.payload.onion_message.invoice || d.payload.onion_message.invoice_error))).toEqual([]);
    const e = await refusal(fetch({ offer: lno2, recurrence_counter: 1, recurrence_label: 'gym' }));
    expect(e.code).toBe(1004);
    expect((e.data as { error: string }).error).toMatch(/: invoice cancelled$/);
    // A one-off offer cannot be cancelled.
    const once = await offer(1, { amount_msat: 5_000 });
    const notRecurring = await refusal(lns.call('cancelrecurringinvoice', { offer: once, recurrence_counter: 1, recurrence_label: 'x' }));
    expect([notRecurring.code, notRecurring.message]).toEqual([-32602, 'Offer is not recurring']);
    expect((await refusal(lns.call('cancelrecurringinvoice', { offer: lno2, recurrence_counter: 0, recurrence_label: 'gym' }))).message).toBe('recurrence_counter must be > 0 to cancel');
  }, 180_000);

  // (merchant node, blinded hops) → their introduction node is 0..3 clear hops from us (0: we are it).
  const PATHS: [number, number, number][] = [
    [1, 1, 1], [3, 1, 2], [5, 1, 3],
    [1, 2, 0], [2, 2, 1], [4, 2, 2], [6, 2, 3],
    [2, 3, 0], [3, 3, 1], [5, 3, 2], [7, 3, 3],
  ];
  it.each(PATHS)('offer only reachable through a blinded path: merchant %i, %i blinded hop(s), %i clear hop(s) before it', async (merchant, hops, clear) => {
    const lno = await offer(merchant, { amount_msat: 3_000 + merchant, paths: hops });
    const path = decodeOffer(lno).fields.offer_paths![0];
    expect(path.hops.length).toBe(hops);
    const intro = bytesToHex((path.firstNodeId as { pubkey: Uint8Array }).pubkey);
    if (clear === 0) expect(intro).toBe(ids[0]);
    else if (clear === 1) expect(((await ld.call('listpeers', { id: intro })) as { peers: { connected: boolean }[] }).peers[0]?.connected).toBe(true);
    await ld.call('dev-simnet-hooks', { clear: true });
    const got = await fetch({ offer: lno });
    const inv = await checkAndPay(lno, got, merchant, BigInt(3_000 + merchant));
    expect(bytesToHex(inv.fields.invoice_node_id!)).toBe(bytesToHex(decodeOffer(lno).fields.offer_issuer_id!));
    // The request reached the merchant through its path (pathsecret hook) and the invoice came back through ours.
    const { deliveries } = (await ld.call('dev-simnet-hooks', {})) as { deliveries: { node: string; hook: string; payload: { onion_message: Record<string, string> } }[] };
    const back = deliveries.filter((d) => d.node === ids[0] && d.payload.onion_message.invoice);
    expect(back).toHaveLength(1);
    expect(back[0].hook).toBe('onion_message_recv_secret');
    expect(payerRows().find((r) => r.invoice === got.invoice)?.reply_secret).toBe(back[0].payload.onion_message.pathsecret);
  }, 120_000);

  it('concurrent fetches: each reply reaches its own request (its own reply secret), none crossed or lost', async () => {
    const lno = await offer(5, { amount_msat: 9_000, paths: 2 });
    const N = 8;
    const got = await Promise.all(Array.from({ length: N }, (_, i) => fetch({ offer: lno, payer_note: `n${i}` })));
    const invs = got.map((g) => parseInvoice(decodeBolt12String(g.invoice).bytes));
    invs.forEach((inv, i) => expect(inv.fields.invreq_payer_note).toBe(`n${i}`));
    expect(new Set(invs.map((inv) => bytesToHex(inv.fields.invreq_payer_id!))).size).toBe(N);
    const rows = payerRows().filter((r) => got.some((g) => g.invoice === r.invoice));
    expect(rows.map((r) => r.status)).toEqual(Array(N).fill('answered'));
    expect(new Set(rows.map((r) => r.reply_secret)).size).toBe(N);
  }, 120_000);

  it('no onion-message route (the nodes between forward none): connects to the issuer directly, as CLN', async () => {
    const lno = await offer(6, { amount_msat: 6_000 });
    const connected = async () => ((await ld.call('listpeers', { id: ids[6] })) as { peers: { connected: boolean }[] }).peers[0]?.connected ?? false;
    expect(await connected()).toBe(false);
    for (const n of [1, 2, 3, 4, 5]) await ld.call('dev-simnet-onionmessages', { node: ids[n], enabled: false });
    try {
      await checkAndPay(lno, await fetch({ offer: lno }), 6, 6_000n);
      expect(await connected()).toBe(true);
    } finally {
      for (const n of [1, 2, 3, 4, 5]) await ld.call('dev-simnet-onionmessages', { node: ids[n], enabled: true });
    }
  }, 120_000);

  it('a routed message the node refuses (a hop on the route is offline): connects to the issuer and sends it directly', async () => {
    const lno = await offer(4, { amount_msat: 4_400 });
    await ld.call('dev-simnet-fault', { kind: 'offline', node: ids[2] });
    let got: Fetched;
    try {
      got = await fetch({ offer: lno });
    } finally {
      await ld.call('dev-simnet-clear');
    }
    await checkAndPay(lno, got, 4, 4_400n);
    const log = readFileSync(join(dir, 'ln', 'simnet.log'), 'utf8');
    expect(log).toMatch(new RegExp(`injectonionmessage towards ${ids[4]} over \\d hop\\(s\\) refused: onion msg: unknown next peer`));
    expect(log).toMatch(new RegExp(`sent to ${ids[4]} over 1 hop\\(s\\) \\(connected directly\\)`));
  }, 120_000);

  it("lnsigner's own merchant (same node, device-key offer with a path through a peer): fetch, pay from another node, cancel, refused after", async () => {
    const own = (await lns.call('offer', { amount: '3000msat', description: 'own', recurrence: '1hour' })) as { bolt12: string; offer_id: string };
    const path = decodeOffer(own.bolt12).fields.offer_paths![0];
    expect(bytesToHex((path.firstNodeId as { pubkey: Uint8Array }).pubkey)).not.toBe(ids[0]);
    const got = await fetch({ offer: own.bolt12, recurrence_counter: 0, recurrence_label: 'self' });
    const inv = parseInvoice(decodeBolt12String(got.invoice).bytes);
    checkSignature(inv);
    expect(bytesToHex(inv.fields.invreq_payer_id!)).toBe(payerIdOf(inv.fields.invreq_metadata!));
    expect(got.next_period?.counter).toBe(1);
    await ld.call('dev-simnet-pay', { node: ids[1], invoice: got.invoice });
    const listed = ((await lns.call('listinvoices', { offer_id: own.offer_id })) as { invoices: Record<string, unknown>[] }).invoices;
    expect(listed).toEqual([expect.objectContaining({ status: 'paid', bolt12: got.invoice })]);
    await lns.call('cancelrecurringinvoice', { offer: own.bolt12, recurrence_counter: 1, recurrence_label: 'self' });
    await ld.call('dev-simnet-hooks', {});
    const e = await refusal(fetch({ offer: own.bolt12, recurrence_counter: 1, recurrence_label: 'self' }));
    expect(e.code).toBe(1004);
    expect((e.data as { error: string }).error).toMatch(/invoice cancelled$/);
  }, 120_000);

  it('invoice_error from the merchant → 1004 with its fields', async () => {
    const lno = await offer(3, { amount_msat: 1_000 });
    const e = await refusal(fetch({ offer: lno, amount_msat: 10_000 }));
    expect([e.code, e.message]).toEqual([1004, 'Remote node sent failure message']);
    expect((e.data as { error: string }).error).toMatch(/^Failed invreq lnr1.*: Amount vastly exceeds 1000msat$/);
    expect(payerRows().filter((r) => r.status === 'failed').length).toBeGreaterThan(0);
  }, 60_000);

  it('a merchant that never answers → 1005 after `timeout`; replies through another path secret (or none) are not taken', async () => {
    const lno = await offer(2, { amount_msat: 2_000, misbehave: 'silent' });
    const before = payerRows().length;
    const t0 = Date.now();
    const pending = refusal(fetch({ offer: lno, timeout: 4 }));
    // While it waits: an invoice through an unknown path secret, and one without a secret, both pass on (continue).
    await new Promise((r) => setTimeout(r, 1500));
    const other = await fetch({ offer: await offer(2, { amount_msat: 2_000 }) });
    const invHex = bytesToHex(decodeBolt12String(other.invoice).bytes);
    for (const [hook, extra] of [['onion_message_recv_secret', { pathsecret: bytesToHex(randomBytes(32)) }], ['onion_message_recv', {}]] as const) {
      const o = (await ld.call('dev-simnet-hook', { node: ids[0], hook, payload: { onion_message: { ...extra, invoice: invHex, unknown_fields: [] } } })) as Outcome;
      expect(o.result).toEqual({ result: 'continue' });
    }
    const e = await pending;
    expect([e.code, e.message]).toEqual([1005, 'Timeout waiting for response']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4000);
    expect(payerRows().length).toBe(before + 2);
    expect(payerRows().filter((r) => r.status === 'timeout')).toHaveLength(1);
  }, 60_000);

  it('refused replies: a field of the request changed by the merchant, and an invoice signed by another key', async () => {
    const changed = await offer(4, { amount_msat: 4_000, misbehave: 'change_field' });
    const e1 = await refusal(fetch({ offer: changed }));
    expect(e1.code).toBe(1004);
    expect(e1.message).toMatch(/^Incorrect invoice_request match field in [0-9a-f]+$/);
    const signer = await offer(4, { amount_msat: 4_000, misbehave: 'wrong_signer' });
    const e2 = await refusal(fetch({ offer: signer }));
    expect(e2.code).toBe(1004);
    expect(e2.message).toMatch(/^Incorrect invoice_node_id field in [0-9a-f]+$/);
    // The same merchant behaving: accepted (the checks are not refusing everything).
    const good = await offer(4, { amount_msat: 4_000 });
    await checkAndPay(good, await fetch({ offer: good }), 4, 4_000n);
  }, 60_000);

  it('parameter errors as CLN: an unparsable offer, not an offer', async () => {
    const e = await refusal(fetch({ offer: 'lno1qqqq' }));
    expect([e.code, e.message.startsWith('Unparsable offer: ')]).toEqual([-32602, true]);
    expect((await refusal(fetch({ offer: 'lnr1qqqq' }))).code).toBe(-32602);
  }, 30_000);
});

describe('the standalone daemon (no plugin)', () => {
  it('fetchinvoice and cancelrecurringinvoice fail with -1 saying they need the plugin', async () => {
    const d = tempDir('lns-fetch-alone-');
    const { emu: e2, link } = await startEmulator(d, true, HSM_HEX);
    const daemon = await startDaemon(join(d, 'lns'), link);
    const c = new LightningRpcClient(daemon.announced.rpc_file, { timeoutMs: 30_000 });
    try {
      const lno = await offer(3, { amount_msat: 1_000 });
      const e = await refusal(c.call('fetchinvoice', { offer: lno }));
      expect(e.code).toBe(-1);
      expect(e.message).toMatch(/^fetchinvoice needs lnsigner running as a Core Lightning plugin/);
      const e2r = await refusal(c.call('cancelrecurringinvoice', { offer: lno, recurrence_counter: 1, recurrence_label: 'x' }));
      expect([e2r.code, e2r.message.startsWith('cancelrecurringinvoice needs lnsigner running as a Core Lightning plugin')]).toEqual([-1, true]);
    } finally {
      c.close();
      await daemon.kill();
      await e2.stop();
    }
  }, 120_000);
});

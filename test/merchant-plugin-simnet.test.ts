// The merchant flow in the real plugin process (bin/lnsigner-plugin.js) under
// the simulated lightningd (`lnsigner simnet --plugin`), with the emulator on
// a PTY as the daemon's device (offer_create, payment_hash, sign_invoice,
// release_preimage through host/daemon/serial-device.ts). The emulator is
// provisioned with a 32-byte hsm_secret and the simnet takes node 0's key from
// the same hsm_secret (`--node0-hsm-secret`, Core Lightning's derivation), so
// lightningd's node (node 0, where the plugin runs) is the device's node: in
// node-key mode the issuer id, in device-key mode the end of every payment
// path (the device's rule 9). invoice_requests are handed to node 0's hook
// chain as lightningd would (dev-simnet-hook), or sent by the independent
// simulated payer (dev-simnet-fetchinvoice / dev-simnet-pay).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { secp } from '../host/crypto/noble.js';
import { spawnAnnounced, type AnnouncedProcess } from '../host/process/announced.js';
import { LightningRpcClient } from '../host/node/client.js';
import { checkSignature, decodeBolt12String, decodeOffer, encodeBolt12String, encodeTlvStream, merkleRoot, parseInvoice, readTlvRecords } from '../host/bolt12/index.js';
import { unblindHop } from '../host/blinding/index.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import { removeTempDirs, startEmulator, tempDir } from './helpers/e2e.js';
import { Payer } from './helpers/merchant-world.js';
import { HSM_SECRET, NODE_ID, NODE_PRIV, pathIdOf, preimageOf } from './helpers/merchant.js';
import { refusal } from './helpers/rpc-refusal.js';

const PLUGIN = join(PROJECT_ROOT, 'bin', 'lnsigner-plugin.js');
const SEED = 'merchant-e2e';
const HSM_HEX = bytesToHex(HSM_SECRET);

/** Simulated node i's secret: node 0 is the device's node; the others come from
 *  the seed (host/simnet/network.ts SeedStream: node keys are drawn first, in order). */
function nodeSecret(i: number): Uint8Array {
  if (i === 0) return NODE_PRIV;
  const enc = new TextEncoder();
  let s = sha256(Uint8Array.from(Buffer.concat([enc.encode(`lnsigner simnet/node/${i}/`), enc.encode(SEED), Uint8Array.of(0, 0, 0, i)])));
  while (!secp.utils.isValidSecretKey(s)) s = sha256(s);
  return s;
}

/** The path_id our node reads from an offer's first path: its introduction node peels hop 0, node 0 opens hop 1. */
function offerPathSecret(bolt12: string, ids: string[]): Uint8Array {
  const p = decodeOffer(bolt12).fields.offer_paths![0];
  const intro = ids.indexOf(bytesToHex((p.firstNodeId as { pubkey: Uint8Array }).pubkey));
  const h0 = unblindHop(nodeSecret(intro), p.firstPathKey, p.hops[0].encryptedRecipientData);
  return unblindHop(nodeSecret(0), h0.nextPathKey, p.hops[1].encryptedRecipientData).data.pathId!;
}

afterAll(() => removeTempDirs());

const simnetEnv = (crash?: string) => ({
  ...process.env,
  ...(crash ? { LNSIGNER_DEV_CRASH: crash } : {}),
});

interface Outcome { result: Record<string, unknown>; calls: { plugin: string; result?: Record<string, unknown> }[] }
interface Delivery { node: string; alias: string; hook: string; payload: { onion_message: Record<string, string> } }

describe.each(['node', 'device'] as const)('merchant flow in the plugin under lnsigner simnet, %s-key mode', (mode) => {
  let emu: SpawnedEmulator;
  let sim: AnnouncedProcess<{ rpc_file: string }>;
  let ld: LightningRpcClient;
  let lns: LightningRpcClient;
  let node0: string;
  let node1: string;
  let ids: string[];

  beforeAll(async () => {
    const dir = tempDir('lns-mrc-');
    const started = await startEmulator(dir, true, HSM_HEX);
    emu = started.emu;
    const link = started.link;
    sim = await spawnAnnounced('simnet', [
      '--data-dir', join(dir, 'ln'), '--nodes', '3', '--seed', SEED, '--node0-hsm-secret', HSM_HEX,
      '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${link}`, '--plugin-option', `lnsigner-data-dir=${join(dir, 'lns')}`,
      '--plugin-option', `lnsigner-key-mode=${mode}`,
    ], simnetEnv());
    ld = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 30_000 });
    const info = (await ld.call('lnsigner-getinfo')) as { rpc_file: string };
    lns = new LightningRpcClient(info.rpc_file, { timeoutMs: 30_000 });
    const nodes = ((await ld.call('dev-simnet-nodes')) as { nodes: { id: string }[] }).nodes;
    ids = nodes.map((n) => n.id);
    [node0, node1] = ids;
  }, 120_000);
  afterAll(async () => {
    ld?.close();
    lns?.close();
    await sim?.kill();
    await emu?.stop();
  });

  async function ask(req: Uint8Array, offer: string): Promise<{ outcome: Outcome; reply?: Record<string, string> }> {
    const paths = decodeOffer(offer).fields.offer_paths;
    const secretHex = paths ? bytesToHex(offerPathSecret(offer, ids)) : undefined;
    const rp = (await ld.call('dev-simnet-blindedpath', { node: node1, hops: [] })) as Record<string, unknown>;
    await ld.call('dev-simnet-hooks', { clear: true });
    const outcome = (await ld.call('dev-simnet-hook', {
      node: node0, hook: secretHex ? 'onion_message_recv_secret' : 'onion_message_recv',
      payload: { onion_message: { ...(secretHex ? { pathsecret: secretHex } : {}), reply_blindedpath: { first_node_id: rp.first_node_id, first_path_key: rp.first_path_key, hops: rp.hops }, invoice_request: bytesToHex(req), unknown_fields: [] } },
    })) as Outcome;
    const { deliveries } = (await ld.call('dev-simnet-hooks', {})) as { deliveries: Delivery[] };
    return { outcome, reply: deliveries.find((d) => d.node === node1 || d.alias === 'payer')?.payload.onion_message };
  }

  it('offer → invoice_request → device-signed invoice along the reply path → paid via htlc_accepted → listinvoices paid', async () => {
    // lightningd's node is the device's node (--node0-hsm-secret = the emulator's hsm_secret)
    expect(node0).toBe(bytesToHex(NODE_ID));
    expect((await lns.call('getinfo')) as { id: string }).toEqual(expect.objectContaining({ id: node0 }));
    const offer = (await lns.call('offer', { amount: '21000msat', description: 'e2e' })) as { bolt12: string; offer_id: string };
    const payer = new Payer();
    const { outcome, reply } = await ask(payer.request(offer.bolt12, { invreq_payer_note: 'from the simnet' }), offer.bolt12);
    expect(outcome.result).toEqual({ result: 'lnsigner' });
    expect(reply?.invoice).toBeDefined();
    const inv = parseInvoice(hexToBytes(reply!.invoice));
    checkSignature(inv);
    const issuer = bytesToHex(decodeOffer(offer.bolt12).fields.offer_issuer_id!);
    expect(bytesToHex(inv.fields.invoice_node_id!)).toBe(issuer);
    // node mode: the node id; device mode: a device-derived key, and the offer has a path to node 0
    expect(issuer === node0).toBe(mode === 'node');
    // device mode: one path per connected peer of node 0 (it has two), up to 3
    expect(decodeOffer(offer.bolt12).fields.offer_paths?.length ?? 0).toBe(mode === 'device' ? 2 : 0);
    expect(inv.fields.invoice_amount).toBe(21000n);

    const hash = inv.fields.invoice_payment_hash!;
    const pathId = pathIdOf(hash);
    const paid = (await ld.call('dev-simnet-hook', {
      node: node0, hook: 'htlc_accepted',
      payload: { onion: { payment_secret: bytesToHex(pathId), total_msat: 21000 }, htlc: { payment_hash: bytesToHex(hash), amount_msat: 21000, cltv_expiry: 1200, cltv_expiry_relative: 100 } },
    })) as Outcome;
    expect(paid.result.result).toBe('resolve');
    expect(bytesToHex(sha256(hexToBytes(paid.result.payment_key as string)))).toBe(bytesToHex(hash));
    const list = (await lns.call('listinvoices', { offer_id: offer.offer_id })) as { invoices: Record<string, unknown>[] };
    expect(list.invoices).toEqual([expect.objectContaining({ status: 'paid', amount_received_msat: 21000, invreq_payer_note: 'from the simnet', payment_preimage: paid.result.payment_key })]);
  }, 60_000);

  // ---- the whole loop with the independent simulated payer on node 1 ------------------------
  interface Fetched { invoice: string; payment_hash: string; amount_msat: number; node_id: string; paths: number; recurrence_basetime?: number }
  interface Paid { preimage: string; payment_hash: string; amount_msat: number; parts: number }
  const fetch = (p: Record<string, unknown>) => ld.call('dev-simnet-fetchinvoice', { node: node1, timeout: 30, ...p }) as Promise<Fetched>;
  const pay = (invoice: string) => ld.call('dev-simnet-pay', { node: node1, invoice }) as Promise<Paid>;
  const invoicesOf = async (offerId: string) => ((await lns.call('listinvoices', { offer_id: offerId })) as { invoices: Record<string, any>[] }).invoices;
  /** Fetches, checks the invoice is the device's for this offer, pays it, and checks lnsigner shows it paid. */
  async function fetchAndPay(offer: { bolt12: string; offer_id: string }, p: Record<string, unknown>, amount: number) {
    const got = await fetch({ offer: offer.bolt12, ...p });
    const inv = parseInvoice(decodeBolt12String(got.invoice).bytes);
    checkSignature(inv);
    const issuer = bytesToHex(decodeOffer(offer.bolt12).fields.offer_issuer_id!);
    expect(got.node_id).toBe(issuer);
    expect(issuer === node0).toBe(mode === 'node');
    expect(got.amount_msat).toBe(amount);
    const paid = await pay(got.invoice);
    expect(bytesToHex(sha256(hexToBytes(paid.preimage)))).toBe(got.payment_hash);
    // the preimage is the device's: HMAC(preimage_key, invreq merkle root) (independent @noble model of its keys)
    const invreqPart = encodeTlvStream(inv.records.filter((r) => r.type <= 159n || (r.type >= 1000000000n && r.type <= 2999999999n)).map((r) => ({ type: r.type, value: r.value })));
    expect(paid.preimage).toBe(bytesToHex(preimageOf(merkleRoot(invreqPart))));
    const rec = (await invoicesOf(offer.offer_id)).find((i) => i.payment_hash === got.payment_hash);
    expect(rec).toEqual(expect.objectContaining({ status: 'paid', bolt12: got.invoice, payment_preimage: paid.preimage, amount_msat: amount }));
    expect(rec!.amount_received_msat).toBeGreaterThanOrEqual(amount);
    return { got, paid };
  }

  it('full loop: lno from lnsigner → payer fetchinvoice through the simnet → device-signed invoice → payer pays → listinvoices paid with the preimage', async () => {
    const offer = (await lns.call('offer', { amount: '21000msat', description: 'loop' })) as { bolt12: string; offer_id: string };
    const { got } = await fetchAndPay(offer, { payer_note: 'via the payer' }, 21000);
    expect(got.paths).toBe(1);
    expect((await invoicesOf(offer.offer_id))[0]).toEqual(expect.objectContaining({ invreq_payer_note: 'via the payer', local_offer_id: offer.offer_id }));
  }, 90_000);

  it('full loop: quantity and any-amount offers', async () => {
    const q = (await lns.call('offer', { amount: '1000msat', description: 'qty', quantity_max: 5 })) as { bolt12: string; offer_id: string };
    await fetchAndPay(q, { quantity: 3 }, 3000);
    const any = (await lns.call('offer', { amount: 'any', description: 'tip' })) as { bolt12: string; offer_id: string };
    await fetchAndPay(any, { amount_msat: 12345 }, 12345);
  }, 90_000);

  it('full loop: a single-use offer is paid once; the second fetch is refused "Offer no longer available"', async () => {
    const once = (await lns.call('offer', { amount: '2000msat', description: 'once', single_use: true })) as { bolt12: string; offer_id: string };
    await fetchAndPay(once, {}, 2000);
    const e = await refusal(fetch({ offer: once.bolt12 }));
    expect(e.code).toBe(1004);
    expect(JSON.stringify(e.data)).toContain('Offer no longer available');
    expect(((await lns.call('listoffers', { offer_id: once.offer_id })) as { offers: Record<string, unknown>[] }).offers[0]).toEqual(expect.objectContaining({ used: true, active: false }));
  }, 90_000);

  it('full loop: two invoices for one single-use offer: the first paid, paying the second is refused (the offer is spent)', async () => {
    const once = (await lns.call('offer', { amount: '2500msat', description: 'once twice', single_use: true })) as { bolt12: string; offer_id: string };
    const [x, y] = await Promise.all([fetch({ offer: once.bolt12 }), ld.call('dev-simnet-fetchinvoice', { node: ids[2], offer: once.bolt12, timeout: 30 }) as Promise<Fetched>]);
    expect(x.payment_hash).not.toBe(y.payment_hash);
    await pay(x.invoice);
    const e = await refusal(ld.call('dev-simnet-pay', { node: ids[2], invoice: y.invoice }));
    expect(e.code).toBe(204); // incorrect_or_unknown_payment_details from the payee
    const list = await invoicesOf(once.offer_id);
    expect(list.map((i) => [i.payment_hash, i.status])).toEqual([[x.payment_hash, 'paid'], [y.payment_hash, 'unpaid']].sort((a, b) => list.findIndex((i) => i.payment_hash === a[0]) - list.findIndex((i) => i.payment_hash === b[0])));
  }, 90_000);

  it('an expired offer: the payer refuses to ask (1002), and lnsigner answers a request anyway sent "Offer expired"', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const offer = (await lns.call('offer', { amount: '1000msat', description: 'soon gone', absolute_expiry: exp })) as { bolt12: string; offer_id: string };
    const req = new Payer().request(offer.bolt12);
    await new Promise((r) => setTimeout(r, (exp + 1) * 1000 - Date.now()));
    expect((await refusal(fetch({ offer: offer.bolt12 }))).code).toBe(1002);
    const { reply } = await ask(req, offer.bolt12);
    const err = readTlvRecords(hexToBytes(reply!.invoice_error)).find((r) => r.type === 5n)!;
    expect(new TextDecoder().decode(err.value)).toContain('Offer expired');
    expect(await invoicesOf(offer.offer_id)).toEqual([]);
  }, 90_000);

  it('full loop: a recurring offer paid over two periods (counter 0 then 1, same basetime)', async () => {
    const offer = (await lns.call('offer', { amount: '1000msat', description: 'monthly', recurrence: '1hour', recurrence_limit: 3 })) as { bolt12: string; offer_id: string };
    const a = await fetchAndPay(offer, { recurrence_counter: 0, recurrence_label: 'sub' }, 1000);
    const b = await fetchAndPay(offer, { recurrence_counter: 1, recurrence_label: 'sub' }, 1000);
    expect(b.got.recurrence_basetime).toBe(a.got.recurrence_basetime);
    const list = await invoicesOf(offer.offer_id);
    expect(list.map((i) => [i.recurrence_counter ?? 0, i.status])).toEqual([[0, 'paid'], [1, 'paid']]);
  }, 90_000);

  /** The invoice_error text a refused fetch carried (1004, data.error). */
  async function refusedWith(p: Record<string, unknown>): Promise<string> {
    const e = await refusal(fetch(p));
    expect(e.code).toBe(1004);
    return String((e.data as { error?: string }).error);
  }

  it('full loop: a recurring offer over several periods (counters 0–3, one basetime), then past its limit: "period_index 4 too great"', async () => {
    // 10-second periods, each payable from an hour before its start to an hour after: four periods in a row now.
    const offer = (await lns.call('offer', { amount: '1000msat', description: 'ticks', recurrence: '10seconds', recurrence_paywindow: '-3600+3600', recurrence_limit: 3 })) as { bolt12: string; offer_id: string };
    const bases: (number | undefined)[] = [];
    for (let c = 0; c <= 3; c++) bases.push((await fetchAndPay(offer, { recurrence_counter: c, recurrence_label: 'ticks' }, 1000)).got.recurrence_basetime);
    expect(new Set(bases).size).toBe(1);
    expect(bases[0]).toBeGreaterThan(0);
    expect(await refusedWith({ offer: offer.bolt12, recurrence_counter: 4, recurrence_label: 'ticks' })).toMatch(/^Failed invreq lnr1[0-9a-z]+: period_index 4 too great$/);
    const list = await invoicesOf(offer.offer_id);
    expect(list.map((i) => [i.recurrence_counter ?? 0, i.status])).toEqual([[0, 'paid'], [1, 'paid'], [2, 'paid'], [3, 'paid']]);
  }, 120_000);

  it('full loop: a based recurring offer: a period whose pay window has passed is refused "too late"; the current and next are paid; then past the limit', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = now - 3 * 3600 - 60; // we are 60 s into period 3
    const offer = (await lns.call('offer', { amount: '1000msat', description: 'hourly', recurrence: '1hour', recurrence_base: `${base}`, recurrence_limit: 4 })) as { bolt12: string; offer_id: string };
    // period 1's window (from period 0's start) ended where period 2 started; period 2's where period 3 started.
    expect(await refusedWith({ offer: offer.bolt12, recurrence_counter: 0, recurrence_start: 1, recurrence_label: 'late1' })).toMatch(new RegExp(`: period_index 1 too late \\(ended ${base + 2 * 3600 - 1}\\)$`));
    expect(await refusedWith({ offer: offer.bolt12, recurrence_counter: 0, recurrence_start: 2, recurrence_label: 'late2' })).toMatch(new RegExp(`: period_index 2 too late \\(ended ${base + 3 * 3600 - 1}\\)$`));
    const a = await fetchAndPay(offer, { recurrence_counter: 0, recurrence_start: 3, recurrence_label: 'now' }, 1000);
    expect(a.got.recurrence_basetime).toBe(base);
    const b = await fetchAndPay(offer, { recurrence_counter: 1, recurrence_start: 3, recurrence_label: 'now' }, 1000);
    expect(b.got.recurrence_basetime).toBe(base);
    expect(await refusedWith({ offer: offer.bolt12, recurrence_counter: 2, recurrence_start: 3, recurrence_label: 'now' })).toMatch(/: period_index 5 too great$/);
    const list = await invoicesOf(offer.offer_id);
    expect(list.map((i) => [i.recurrence_start, i.recurrence_counter ?? 0, i.status])).toEqual([[3, 0, 'paid'], [3, 1, 'paid']]);
  }, 120_000);

  it('full loop: an `@` base: the payer must start at period 0 (start 1 refused with our text), start 0 is paid', async () => {
    const base = Math.floor(Date.now() / 1000) - 60;
    const offer = (await lns.call('offer', { amount: '1000msat', description: 'from zero', recurrence: '1hour', recurrence_base: `@${base}` })) as { bolt12: string; offer_id: string };
    expect(await refusedWith({ offer: offer.bolt12, recurrence_counter: 0, recurrence_start: 1, recurrence_label: 'late' })).toMatch(/^Failed invreq lnr1[0-9a-z]+: invreq_recurrence_start 1 not allowed: this offer starts at period 0$/);
    const a = await fetchAndPay(offer, { recurrence_counter: 0, recurrence_start: 0, recurrence_label: 'zero' }, 1000);
    expect(a.got.recurrence_basetime).toBe(base);
    const list = await invoicesOf(offer.offer_id);
    expect(list.map((i) => [i.recurrence_start, i.status])).toEqual([[0, 'paid']]);
  }, 90_000);

  it('full loop: a recurrence cancel from the payer is recorded and not answered; the cancelled period and the next are refused with CLN\'s texts', async () => {
    const offer = (await lns.call('offer', { amount: '1000msat', description: 'cancel me', recurrence: '1hour', recurrence_limit: 5 })) as { bolt12: string; offer_id: string };
    await fetchAndPay(offer, { recurrence_counter: 0, recurrence_label: 'c' }, 1000);
    // validated like any request: period 2 without period 1 is answered with an invoice_error
    expect(await refusedWith({ offer: offer.bolt12, recurrence_counter: 2, recurrence_cancel: true, recurrence_label: 'c', timeout: 30 })).toMatch(/: No previous invoice #1$/);
    // accepted: no answer within the timeout (the payer's success), twice
    for (let k = 0; k < 2; k++) {
      const c = (await fetch({ offer: offer.bolt12, recurrence_counter: 1, recurrence_cancel: true, recurrence_label: 'c', timeout: 2 })) as unknown as { cancelled: boolean; bolt12: string };
      expect(c).toEqual({ cancelled: true, bolt12: expect.stringMatching(/^lnr1/) });
    }
    expect(await refusedWith({ offer: offer.bolt12, recurrence_counter: 1, recurrence_label: 'c' })).toMatch(/^Failed invreq lnr1[0-9a-z]+: invoice cancelled$/);
    expect(await refusedWith({ offer: offer.bolt12, recurrence_counter: 2, recurrence_label: 'c' })).toMatch(/: Previous invoice #1 status "expired"$/);
    // only period 0 was ever invoiced; another subscriber is unaffected
    expect((await invoicesOf(offer.offer_id)).map((i) => [i.recurrence_counter ?? 0, i.status])).toEqual([[0, 'paid']]);
    await fetchAndPay(offer, { recurrence_counter: 0, recurrence_label: 'other' }, 1000);
  }, 120_000);

  it('concurrent invoice requests from two payers: every one answered once with its own invoice, nothing lost; three paid at once', async () => {
    const offer = (await lns.call('offer', { amount: '3000msat', description: 'rush' })) as { bolt12: string; offer_id: string };
    const N = 24;
    const payers = [node1, ids[2]];
    const got = await Promise.all(Array.from({ length: N }, (_, i) => ld.call('dev-simnet-fetchinvoice', { node: payers[i % 2], offer: offer.bolt12, timeout: 120 }) as Promise<Fetched>));
    expect(new Set(got.map((g) => g.payment_hash)).size).toBe(N);
    const stored = await invoicesOf(offer.offer_id);
    expect(stored).toHaveLength(N);
    expect(new Set(stored.map((r) => r.bolt12))).toEqual(new Set(got.map((g) => g.invoice)));
    expect(stored.every((r) => r.status === 'unpaid')).toBe(true);
    // pay three of them at once
    const paid = await Promise.all(got.slice(0, 3).map((g, i) => ld.call('dev-simnet-pay', { node: payers[i % 2], invoice: g.invoice }) as Promise<Paid>));
    paid.forEach((p, i) => expect(bytesToHex(sha256(hexToBytes(p.preimage)))).toBe(got[i].payment_hash));
    expect((await invoicesOf(offer.offer_id)).filter((r) => r.status === 'paid')).toHaveLength(3);
  }, 180_000);

  it('a bad request is answered with CLN\'s invoice_error along the reply path; foreign messages continue to the next plugin', async () => {
    const offer = (await lns.call('offer', { amount: '1000msat', description: 'e2e-bad' })) as { bolt12: string };
    const req = new Payer().request(offer.bolt12, { invreq_amount: 10n });
    const { outcome, reply } = await ask(req, offer.bolt12);
    expect(outcome.result).toEqual({ result: 'lnsigner' });
    const err = readTlvRecords(hexToBytes(reply!.invoice_error)).find((r) => r.type === 5n)!;
    expect(new TextDecoder().decode(err.value)).toBe(`Failed invreq ${encodeBolt12String('lnr', req)}: Amount must be at least 1000msat`);
    const other = (await ld.call('dev-simnet-hook', { node: node0, hook: 'onion_message_recv', payload: { onion_message: { unknown_fields: [] } } })) as Outcome;
    expect(other.result).toEqual({ result: 'continue' });
  }, 60_000);
});

describe('the plugin killed at any moment (LNSIGNER_DEV_CRASH, --developer)', () => {
  it('between storing the invoice and replying; between release_preimage and the paid record; between the record and the answer', async () => {
    const dir = tempDir('lns-mrk-');
    const { emu, link } = await startEmulator(dir, true, HSM_HEX);
    const lnsDir = join(dir, 'lns');
    let run = 0;
    const start = async (crash?: string) => {
      const sim = await spawnAnnounced<{ rpc_file: string }>('simnet', [
        '--data-dir', join(dir, `ln${run++}`), '--nodes', '3', '--seed', SEED, '--node0-hsm-secret', HSM_HEX,
        '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${link}`, '--plugin-option', `lnsigner-data-dir=${lnsDir}`,
        '--plugin-option', 'lnsigner-key-mode=node',
      ], simnetEnv(crash));
      const ld = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 30_000 });
      const lns = new LightningRpcClient(((await ld.call('lnsigner-getinfo')) as { rpc_file: string }).rpc_file, { timeoutMs: 30_000 });
      const ids = ((await ld.call('dev-simnet-nodes')) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
      const stop = async () => {
        ld.close();
        lns.close();
        await sim.kill();
      };
      return { ld, lns, ids, stop };
    };
    const hookRequest = async (ld: LightningRpcClient, ids: string[], req: Uint8Array) => {
      const rp = (await ld.call('dev-simnet-blindedpath', { node: ids[1], hops: [] })) as Record<string, unknown>;
      await ld.call('dev-simnet-hooks', { clear: true });
      const outcome = (await ld.call('dev-simnet-hook', {
        node: ids[0], hook: 'onion_message_recv',
        payload: { onion_message: { reply_blindedpath: { first_node_id: rp.first_node_id, first_path_key: rp.first_path_key, hops: rp.hops }, invoice_request: bytesToHex(req), unknown_fields: [] } },
      })) as Outcome & { calls: { died?: boolean }[] };
      const { deliveries } = (await ld.call('dev-simnet-hooks', {})) as { deliveries: Delivery[] };
      return { outcome, reply: deliveries.find((d) => d.node === ids[1] || d.alias === 'payer')?.payload.onion_message };
    };
    try {
      // 1. killed after the invoice is stored, before the reply is sent.
      let n = await start('merchant-before-reply');
      const offer = (await n.lns.call('offer', { amount: '5000msat', description: 'crash' })) as { bolt12: string };
      const payer = new Payer();
      const req = payer.request(offer.bolt12);
      const first = await hookRequest(n.ld, n.ids, req);
      expect(first.outcome.calls[0].died).toBe(true);
      expect(first.reply).toBeUndefined();
      await n.stop();
      // restart: the payer's retry gets the stored invoice.
      n = await start('merchant-before-paid-record');
      const stored = ((await n.lns.call('listinvoices', {})) as { invoices: { bolt12: string; status: string }[] }).invoices;
      expect(stored).toEqual([expect.objectContaining({ status: 'unpaid' })]);
      const again = await hookRequest(n.ld, n.ids, req);
      expect(encodeBolt12String('lni', hexToBytes(again.reply!.invoice))).toBe(stored[0].bolt12);
      const inv = parseInvoice(hexToBytes(again.reply!.invoice));
      const hash = inv.fields.invoice_payment_hash!;
      const htlc = {
        onion: { payment_secret: bytesToHex(pathIdOf(hash)), total_msat: 5000 },
        htlc: { payment_hash: bytesToHex(hash), amount_msat: 5000, cltv_expiry: 1200, cltv_expiry_relative: 100 },
      };
      // 2. killed after the device released the preimage, before the paid record: the HTLC is unanswered.
      const died = (await n.ld.call('dev-simnet-hook', { node: n.ids[0], hook: 'htlc_accepted', payload: htlc })) as Outcome & { calls: { died?: boolean }[] };
      expect(died.calls[0].died).toBe(true);
      await n.stop();
      // 3. lightningd replays it; killed after the paid record, before the answer.
      n = await start('merchant-after-paid-record');
      expect(((await n.ld.call('dev-simnet-hook', { node: n.ids[0], hook: 'htlc_accepted', payload: htlc })) as { calls: { died?: boolean }[] }).calls[0].died).toBe(true);
      await n.stop();
      // 4. replayed once more: resolved from the store; paid exactly once.
      n = await start();
      const ok = (await n.ld.call('dev-simnet-hook', { node: n.ids[0], hook: 'htlc_accepted', payload: htlc })) as Outcome;
      expect(ok.result.result).toBe('resolve');
      expect(bytesToHex(sha256(hexToBytes(ok.result.payment_key as string)))).toBe(bytesToHex(hash));
      const list = ((await n.lns.call('listinvoices', {})) as { invoices: Record<string, unknown>[] }).invoices;
      expect(list).toEqual([expect.objectContaining({ status: 'paid', pay_index: 1, amount_received_msat: 5000, payment_preimage: ok.result.payment_key })]);
      await n.stop();
    } finally {
      await emu.stop();
    }
  }, 180_000);
});

describe('200 concurrent invoice requests from five simulated payers (device-key mode, the emulator as the device)', () => {
  it('every request answered exactly once with its own invoice, all 200 stored, none lost or duplicated; a sample paid', async () => {
    const dir = tempDir('lns-mr200-');
    const { emu, link } = await startEmulator(dir, true, HSM_HEX);
    const sim = await spawnAnnounced<{ rpc_file: string }>('simnet', [
      '--data-dir', join(dir, 'ln'), '--nodes', '6', '--seed', SEED, '--node0-hsm-secret', HSM_HEX,
      '--plugin', PLUGIN, '--plugin-option', `lnsigner-device=${link}`, '--plugin-option', `lnsigner-data-dir=${join(dir, 'lns')}`,
      '--plugin-option', 'lnsigner-key-mode=device',
    ], simnetEnv());
    const ld = new LightningRpcClient(sim.announced.rpc_file, { timeoutMs: 300_000 });
    const lns = new LightningRpcClient(((await ld.call('lnsigner-getinfo')) as { rpc_file: string }).rpc_file, { timeoutMs: 60_000 });
    try {
      const ids = ((await ld.call('dev-simnet-nodes')) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
      const payers = ids.slice(1); // five payer nodes
      const offer = (await lns.call('offer', { amount: '3000msat', description: 'rush hour' })) as { bolt12: string; offer_id: string };
      expect(decodeOffer(offer.bolt12).fields.offer_paths!.length).toBeGreaterThan(0);
      await ld.call('dev-simnet-hooks', { clear: true });
      const N = 200;
      const t0 = performance.now();
      const got = await Promise.all(Array.from({ length: N }, (_, i) => ld.call('dev-simnet-fetchinvoice', { node: payers[i % payers.length], offer: offer.bolt12, payer_note: `req ${i}`, timeout: 240 }) as Promise<{ invoice: string; payment_hash: string; amount_msat: number }>));
      const seconds = (performance.now() - t0) / 1000;
      // Where the time goes: the plugin logs each request's split (flow.ts).
      const split = readFileSync(join(dir, 'ln', 'simnet.log'), 'utf8').split('\n')
        .map((l) => /ms: payment_hash ([\d.]+) sign_invoice ([\d.]+) host ([\d.]+) reply ([\d.]+)/.exec(l)).filter((m) => m !== null)
        .map((m) => m!.slice(1).map(Number));
      const avg = (k: number) => (split.reduce((a, x) => a + x[k], 0) / Math.max(split.length, 1)).toFixed(1);
      console.log(`200 concurrent invoice requests (5 payers, device mode, emulator): ${seconds.toFixed(1)} s, ${(N / seconds).toFixed(1)} /s; `
        + `per request (ms, mean of ${split.length}, time in flight incl. queueing): payment_hash ${avg(0)} sign_invoice ${avg(1)} host ${avg(2)} reply ${avg(3)}`);
      // Each request got its own invoice, carrying its own payer note (the request it answers).
      expect(new Set(got.map((g) => g.payment_hash)).size).toBe(N);
      got.forEach((g, i) => {
        const inv = parseInvoice(decodeBolt12String(g.invoice).bytes);
        expect(inv.fields.invreq_payer_note).toBe(`req ${i}`);
        expect(g.amount_msat).toBe(3000);
      });
      // On the wire: 200 requests reached node 0, and each payer's reply path (its fresh path_id) got exactly one invoice.
      const { deliveries } = (await ld.call('dev-simnet-hooks', {})) as { deliveries: Delivery[] };
      expect(deliveries.filter((d) => d.node === ids[0] && d.payload.onion_message.invoice_request)).toHaveLength(N);
      const replies = deliveries.filter((d) => d.node !== ids[0] && (d.payload.onion_message.invoice || d.payload.onion_message.invoice_error));
      expect(replies.every((d) => d.payload.onion_message.invoice !== undefined)).toBe(true);
      expect(replies).toHaveLength(N);
      const perPath = new Map<string, number>();
      for (const d of replies) {
        const k = `${d.node}:${(d.payload as { onion_message: Record<string, string> }).onion_message.pathsecret ?? (d.payload as Record<string, any>).pathsecret}`;
        perPath.set(k, (perPath.get(k) ?? 0) + 1);
      }
      expect(perPath.size).toBe(N);
      // Each payer node received exactly its share.
      for (const p of payers) expect(replies.filter((d) => d.node === p)).toHaveLength(N / payers.length);
      // The store: 200 invoices, one per request, no duplicate.
      const stored = ((await lns.call('listinvoices', { offer_id: offer.offer_id })) as { invoices: Record<string, any>[] }).invoices;
      expect(stored).toHaveLength(N);
      expect(new Set(stored.map((r) => r.label)).size).toBe(N);
      expect(new Set(stored.map((r) => r.bolt12))).toEqual(new Set(got.map((g) => g.invoice)));
      // Pay a sample: one from each payer, at once.
      const sample = payers.map((p, k) => ({ node: p, g: got[k] }));
      const paid = await Promise.all(sample.map((s) => ld.call('dev-simnet-pay', { node: s.node, invoice: s.g.invoice }) as Promise<{ preimage: string }>));
      paid.forEach((p, k) => expect(bytesToHex(sha256(hexToBytes(p.preimage)))).toBe(sample[k].g.payment_hash));
      const after = ((await lns.call('listinvoices', { offer_id: offer.offer_id })) as { invoices: Record<string, any>[] }).invoices;
      expect(after.filter((r) => r.status === 'paid').map((r) => r.payment_hash).sort()).toEqual(sample.map((s) => s.g.payment_hash).sort());
    } finally {
      ld.close();
      lns.close();
      await sim.kill();
      await emu.stop();
    }
  }, 300_000);
});

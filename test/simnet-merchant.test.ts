// The simulated merchants (host/simnet/merchant/, docs/host/simnet.md
// "Simulated merchants") against the independent simulated payer
// (host/simnet/payer/): dev-simnet-offer answered and settled for fixed,
// any-amount, quantity, path and single-use offers; dev-simnet-sendinvoice
// answering a request built here with @noble, the invoice delivered to the
// payer node's hooks and its status followed with dev-simnet-invoice-status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, concatBytes, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { secp } from '../host/crypto/noble.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { LightningRpcClient } from '../host/node/client.js';
import { decodeBolt12String, encodeBolt12String } from '../host/bolt12/bech32-string.js';
import { readRecords, record, signRecords, tu, verifyRecords } from '../host/simnet/payer/tlv.js';
import { REGTEST_CHAIN } from '../host/simnet/payer/invoice-request.js';
import { refusal } from './helpers/rpc-refusal.js';

let dir: string;
let sim: RunningSimnet;
let rpc: LightningRpcClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simnet-merchant-'));
  sim = await startSimnet(dir, { nodes: 5, seed: 'simnet-merchant' });
  rpc = new LightningRpcClient(sim.rpcFile, { timeoutMs: 20_000 });
}, 30_000);
afterAll(async () => {
  rpc?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Fetched { invoice: string; payment_hash: string; amount_msat: number; node_id: string; paths: number }
interface Paid { preimage: string; payment_hash: string; amount_msat: number; amount_sent_msat: number; parts: number }

const MERCHANT = 'dave';
const offer = async (p: Record<string, unknown>) => ((await rpc.call('dev-simnet-offer', { node: MERCHANT, description: 'simnet goods', ...p })) as { offer: string }).offer;
const fetch = (p: Record<string, unknown>) => rpc.call('dev-simnet-fetchinvoice', { node: 'carol', timeout: 10, ...p }) as Promise<Fetched>;
const pay = (invoice: string) => rpc.call('dev-simnet-pay', { node: 'carol', invoice }) as Promise<Paid>;
const status = async (node: string, hash: string) => ((await rpc.call('dev-simnet-invoice-status', { node, payment_hash: hash })) as { status: string }).status;
const offerRecs = (lno: string) => readRecords(decodeBolt12String(lno).bytes);

async function fetchAndPay(lno: string, p: Record<string, unknown>, amount: number): Promise<Fetched> {
  const inv = await fetch({ offer: lno, ...p });
  expect(inv.invoice.startsWith('lni1')).toBe(true);
  expect(Number(inv.amount_msat)).toBe(amount);
  expect(await status(MERCHANT, inv.payment_hash)).toBe('unpaid');
  const paid = await pay(inv.invoice);
  expect(toHex(sha256(fromHex(paid.preimage)))).toBe(inv.payment_hash);
  expect(Number(paid.amount_sent_msat)).toBeGreaterThanOrEqual(amount);
  expect(await status(MERCHANT, inv.payment_hash)).toBe('paid');
  return inv;
}

describe('dev-simnet-offer: the payer fetches and pays the simulated merchant', () => {
  it('fixed amount, no paths: signed with the node key, paid through a blinded payment path to the node', async () => {
    const lno = await offer({ amount_msat: 21_000 });
    expect(lno.startsWith('lno1')).toBe(true);
    expect(offerRecs(lno).some((r) => r.type === 16n)).toBe(false);
    const inv = await fetchAndPay(lno, {}, 21_000);
    expect(inv.node_id).toBe(sim.nodes.find((n) => n.alias === MERCHANT)!.id);
    expect(inv.paths).toBe(1);
  });

  it('any amount: the payer chooses it; none given is refused by the payer', async () => {
    const lno = await offer({ amount_msat: 'any' });
    expect(offerRecs(lno).some((r) => r.type === 8n)).toBe(false);
    await fetchAndPay(lno, { amount_msat: 7_777 }, 7_777);
    expect((await refusal(fetch({ offer: lno }))).code).toBe(-32602);
  });

  it('quantity: amount × quantity; a quantity above quantity_max is answered with an invoice_error', async () => {
    const lno = await offer({ amount_msat: 1_000, quantity_max: 4 });
    await fetchAndPay(lno, { quantity: 3 }, 3_000);
    const e = await refusal(fetch({ offer: lno, quantity: 5 }));
    expect(e.code).toBe(1004);
    expect(String((e.data as { error: string }).error)).toMatch(/^Failed invreq lnr1[0-9a-z]+: quantity 5 > 4$/);
  });

  it('paths 2: reached only through its blinded path, signed with the offer\'s issuer key (not the node key)', async () => {
    const lno = await offer({ amount_msat: 5_000, paths: 2 });
    const recs = offerRecs(lno);
    expect(recs.some((r) => r.type === 16n)).toBe(true);
    const issuer = toHex(recs.find((r) => r.type === 22n)!.value);
    expect(issuer).not.toBe(sim.nodes.find((n) => n.alias === MERCHANT)!.id);
    const inv = await fetchAndPay(lno, {}, 5_000);
    expect(inv.node_id).toBe(issuer);
    // The request went through the path: the merchant's blinded hop was a forward on the way.
    const events = ((await rpc.call('dev-simnet-events', {})) as { events: Array<{ kind: string }> }).events;
    expect(events.some((e) => e.kind === 'onionmsg_forward')).toBe(true);
  });

  it('single use: the second fetch is refused with the merchant\'s invoice_error', async () => {
    const lno = await offer({ amount_msat: 3_000, single_use: true });
    // Until an invoice is paid the offer still answers (CLN marks it used on payment).
    const unpaid = await fetch({ offer: lno });
    expect(await status(MERCHANT, unpaid.payment_hash)).toBe('unpaid');
    await fetchAndPay(lno, {}, 3_000);
    const e = await refusal(fetch({ offer: lno }));
    expect(e.code).toBe(1004);
    expect(String((e.data as { error: string }).error)).toMatch(/: Offer no longer available$/);
  });
});

describe('dev-simnet-offer: recurrence', () => {
  it('"1day": period 0 then 1 for the same payer (recurrence_label), basetime kept; period 1 before 0 is paid, another payer, and period 2 too early are refused', async () => {
    const lno = await offer({ amount_msat: 2_000, recurrence: '1day' });
    const rec = offerRecs(lno).find((r) => r.type === 1000000024n)!;
    expect(toHex(rec.value)).toBe('0101');
    // A recurring offer needs a counter (payer-side check).
    expect((await refusal(fetch({ offer: lno }))).code).toBe(-32602);
    const first = (await fetch({ offer: lno, recurrence_counter: 0, recurrence_label: 'sub' })) as Fetched & { recurrence_basetime: number; relative_expiry: number };
    // Period 0's invoice is not paid yet: period 1 is refused.
    const early = await refusal(fetch({ offer: lno, recurrence_counter: 1, recurrence_label: 'sub' }));
    expect(String((early.data as { error: string }).error)).toMatch(/: Previous invoice #0 status "unpaid"$/);
    await pay(first.invoice);
    expect(await status(MERCHANT, first.payment_hash)).toBe('paid');
    // Period 0 starts at its invoice's created_at; its pay window ends where period 1 starts.
    expect(first.relative_expiry).toBe(86400);
    const second = (await fetch({ offer: lno, recurrence_counter: 1, recurrence_label: 'sub' })) as Fetched & { recurrence_basetime: number };
    expect(second.recurrence_basetime).toBe(first.recurrence_basetime);
    expect(second.payment_hash).not.toBe(first.payment_hash);
    await fetchAndPay(lno, { recurrence_counter: 1, recurrence_label: 'sub' }, 2_000);
    const other = await refusal(fetch({ offer: lno, recurrence_counter: 1, recurrence_label: 'someone else' }));
    expect(String((other.data as { error: string }).error)).toMatch(/: No previous invoice #0$/);
    const tooEarly = await refusal(fetch({ offer: lno, recurrence_counter: 2, recurrence_label: 'sub' }));
    expect(String((tooEarly.data as { error: string }).error)).toMatch(/: period_index 2 too early \(start [0-9]+\)$/);
  });

  it('recurrence as {period, unit}; a bad one is refused', async () => {
    const lno = await offer({ amount_msat: 1_000, recurrence: { period: 3600, unit: 'seconds' } });
    expect(toHex(offerRecs(lno).find((r) => r.type === 1000000024n)!.value)).toBe('000e10');
    expect((await refusal(offer({ amount_msat: 1_000, recurrence: '1fortnight' }))).code).toBe(-32602);
  });
});

describe('dev-simnet-sendinvoice', () => {
  it('answers a request built here (payer key held by the test) with an invoice delivered to the payer node, then reports it paid', async () => {
    const payerSecret = Uint8Array.from(randomBytes(32));
    const payerId = secp.getPublicKey(payerSecret, true);
    // invreq_paths: a blinded path to carol (the payer node) for the reply.
    const bp = (await rpc.call('dev-simnet-blindedpath', { node: 'carol', hops: [] })) as { blinded_path: string; path_id: string };
    await rpc.call('dev-simnet-hooks', { clear: true });
    const recs = [
      record(0n, Uint8Array.from(Array(16).fill(5))),
      record(10n, new TextEncoder().encode('refund')),
      record(80n, REGTEST_CHAIN),
      record(82n, tu(9_000n)),
      record(88n, payerId),
      record(90n, fromHex(bp.blinded_path)),
    ];
    const sig = signRecords('invoice_request', recs, payerSecret);
    const lnr = encodeBolt12String('lnr', concatBytes(...recs.map((r) => r.raw), record(240n, sig).raw));
    const r = (await rpc.call('dev-simnet-sendinvoice', { node: MERCHANT, invreq: lnr })) as { invoice: string; payment_hash: string; amount_msat: number };
    expect(Number(r.amount_msat)).toBe(9_000);
    expect(await status(MERCHANT, r.payment_hash)).toBe('unpaid');
    const hooks = ((await rpc.call('dev-simnet-hooks', {})) as { deliveries: Array<{ alias: string; hook: string; payload: { onion_message: { invoice?: string; pathsecret?: string } } }> }).deliveries;
    const got = hooks.filter((d) => d.alias === 'carol' && d.payload.onion_message.invoice !== undefined);
    expect(got).toHaveLength(1);
    expect(got[0].hook).toBe('onion_message_recv_secret');
    expect(got[0].payload.onion_message.pathsecret).toBe(bp.path_id);
    const invBytes = fromHex(got[0].payload.onion_message.invoice!);
    expect(encodeBolt12String('lni', invBytes)).toBe(r.invoice);
    const inv = readRecords(invBytes);
    const node = inv.find((x) => x.type === 176n)!.value;
    expect(toHex(node)).toBe(sim.nodes.find((n) => n.alias === MERCHANT)!.id);
    expect(verifyRecords('invoice', inv, inv.find((x) => x.type === 240n)!.value, node)).toBe(true);
    expect(toHex(inv.find((x) => x.type === 88n)!.value)).toBe(toHex(payerId));
    const paid = await pay(r.invoice);
    expect(toHex(sha256(fromHex(paid.preimage)))).toBe(r.payment_hash);
    expect(await status(MERCHANT, r.payment_hash)).toBe('paid');
  });

  it('a request with a bad signature is refused', async () => {
    const payerSecret = Uint8Array.from(randomBytes(32));
    const recs = [record(0n, Uint8Array.of(1)), record(80n, REGTEST_CHAIN), record(82n, tu(1_000n)), record(88n, secp.getPublicKey(payerSecret, true))];
    const sig = signRecords('invoice_request', [...recs, record(89n, Uint8Array.of(0x61))], payerSecret);
    const lnr = encodeBolt12String('lnr', concatBytes(...recs.map((x) => x.raw), record(240n, sig).raw));
    const e = await refusal(rpc.call('dev-simnet-sendinvoice', { node: MERCHANT, invreq: lnr }));
    expect(e.code).toBe(-32602);
    expect(e.message).toMatch(/bad signature/);
  });
});

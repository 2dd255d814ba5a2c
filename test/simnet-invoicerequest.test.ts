// The simulated payer's own invoice_requests (host/simnet/payer/invoicerequest.ts,
// docs/host/simnet.md "BOLT 12 payer"): dev-simnet-invoicerequest issues an
// lnr1… as Core Lightning's invoicerequest does; the simulated merchant's
// dev-simnet-sendinvoice (independent code) answers it; the payer node checks
// the invoice (§4.5) and pays it once; dev-simnet-invreq-status follows it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import { decodeBolt12String } from '../host/bolt12/bech32-string.js';
import { readRecords, verifyRecords } from '../host/simnet/payer/tlv.js';

let dir: string;
let sim: RunningSimnet;
let rpc: LightningRpcClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simnet-invreq-'));
  sim = await startSimnet(dir, { nodes: 5, seed: 'simnet-invreq' });
  rpc = new LightningRpcClient(sim.rpcFile, { timeoutMs: 20_000 });
}, 30_000);
afterAll(async () => {
  rpc?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const PAYER = 'carol';
const MERCHANT = 'dave';
interface Status { invreq_id: string; active: boolean; used: boolean; single_use: boolean; invoices: { invoice: string; status: string; error?: string; payment_hash?: string }[] }
const invreq = async (p: Record<string, unknown>) => (await rpc.call('dev-simnet-invoicerequest', { node: PAYER, ...p })) as { bolt12: string; invreq_id: string };
const status = async (lnr: string) => (await rpc.call('dev-simnet-invreq-status', { node: PAYER, invreq: lnr })) as Status;
const sendinvoice = async (lnr: string, amount?: number) =>
  (await rpc.call('dev-simnet-sendinvoice', { node: MERCHANT, invreq: lnr, ...(amount ? { amount_msat: amount } : {}) })) as { invoice: string; payment_hash: string };
const merchantStatus = async (hash: string) => ((await rpc.call('dev-simnet-invoice-status', { node: MERCHANT, payment_hash: hash })) as { status: string }).status;

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('dev-simnet-invoicerequest', () => {
  it("is CLN invoicerequest's lnr1…: description, chain, amount, metadata, the node id as payer id, signed", async () => {
    const r = await invreq({ amount_msat: 12_345, description: 'refund #1' });
    const recs = readRecords(decodeBolt12String(r.bolt12).bytes);
    expect(recs.map((x) => Number(x.type))).toEqual([0, 10, 80, 82, 88, 240]);
    const payer = sim.nodes.find((n) => n.alias === PAYER)!.id;
    expect(Buffer.from(recs.find((x) => x.type === 88n)!.value).toString('hex')).toBe(payer);
    expect(verifyRecords('invoice_request', recs, recs.find((x) => x.type === 240n)!.value, recs.find((x) => x.type === 88n)!.value)).toBe(true);
    expect(await status(r.bolt12)).toMatchObject({ invreq_id: r.invreq_id, active: true, used: false, single_use: true, invoices: [] });
  });

  it('an invoice sent straight to the payer node is checked and paid once; a second one is refused (single use)', async () => {
    const r = await invreq({ amount_msat: 9_000, description: 'refund' });
    const inv = await sendinvoice(r.bolt12);
    const s = await until(() => status(r.bolt12), (x) => x.invoices[0]?.status === 'paid');
    expect(s).toMatchObject({ active: false, used: true, invoices: [{ invoice: inv.invoice, status: 'paid', payment_hash: inv.payment_hash }] });
    expect(await merchantStatus(inv.payment_hash)).toBe('paid');
    const again = await sendinvoice(r.bolt12);
    const s2 = await until(() => status(r.bolt12), (x) => x.invoices.length === 2);
    expect(s2.invoices[1]).toMatchObject({ invoice: again.invoice, status: 'refused', error: 'invoice_request no longer available' });
    expect(await merchantStatus(again.payment_hash)).toBe('unpaid');
  });

  it('through invreq_paths (1 and 2 hops); a larger amount is refused; hold keeps it unpaid', async () => {
    for (const paths of [1, 2]) {
      const r = await invreq({ amount_msat: 5_000, paths });
      expect(readRecords(decodeBolt12String(r.bolt12).bytes).some((x) => x.type === 90n)).toBe(true);
      const big = await sendinvoice(r.bolt12, 5_001);
      const s = await until(() => status(r.bolt12), (x) => x.invoices.length === 1);
      expect(s.invoices[0]).toMatchObject({ invoice: big.invoice, status: 'refused', error: 'invoice amount is too large' });
      const ok = await sendinvoice(r.bolt12, 4_000);
      await until(() => status(r.bolt12), (x) => x.invoices[1]?.status === 'paid');
      expect(await merchantStatus(ok.payment_hash)).toBe('paid');
    }
    const held = await invreq({ amount_msat: 3_000, hold: true, single_use: false });
    const inv = await sendinvoice(held.bolt12);
    const s = await until(() => status(held.bolt12), (x) => x.invoices.length === 1);
    expect(s.invoices[0]).toMatchObject({ status: 'held' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await merchantStatus(inv.payment_hash)).toBe('unpaid');
  });

  it('unknown requests and bad parameters', async () => {
    const e = await rpc.call('dev-simnet-invreq-status', { node: PAYER, invreq: '00'.repeat(32) }).catch((x) => x);
    expect(e).toBeInstanceOf(LightningRpcError);
    expect((e as LightningRpcError).code).toBe(-32602);
    const p = await rpc.call('dev-simnet-invoicerequest', { node: PAYER, amount_msat: 1, paths: 3 }).catch((x) => x);
    expect((p as LightningRpcError).code).toBe(-32602);
  });
});

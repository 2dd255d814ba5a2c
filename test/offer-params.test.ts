// `offer`'s older (seed 001) and newer (Core Lightning v25.12+) parameters:
// vendor, quantity_min, proportional_amount, optional_recurrence,
// fronting_nodes; --developer echoes values refused by checks inside the
// command; offers are written to the daemon log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from '../host/daemon/daemon.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import { decodeToJson } from '../host/bolt12/index.js';
import { quantityMinRefusal } from '../host/store/offers.js';
import { Store, STORE_FILE } from '../host/store/index.js';

const NODE_ID = '033845802d25b4e074ccfd7cd8b339a41dc75bf9978a034800444b51d42b07799a';
const device = {
  getInfo: async () => ({ nodeId: Uint8Array.from(Buffer.from(NODE_ID, 'hex')), firmwareVersion: 'test-double', imageHash: '00'.repeat(32) }),
  signBolt12: async () => { throw new Error('test double'); },
  close: async () => {},
};
// A point on the curve (the CLN examples' node id) and one that is not.
const PEER = NODE_ID;
const NOT_A_POINT = `02${'00'.repeat(32)}`;

let dir: string;
const daemons: RunningDaemon[] = [];
const clients: LightningRpcClient[] = [];
async function daemon(developer: boolean): Promise<LightningRpcClient> {
  const d = await startDaemon({ dataDir: join(dir, developer ? 'dev' : 'plain'), network: 'regtest', device: 'test-double', developer } as never,
    { connectDevice: async () => device as never });
  daemons.push(d);
  const c = new LightningRpcClient(d.rpcFile, { timeoutMs: 10_000 });
  clients.push(c);
  return c;
}
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('accepted'); }, (e) => e as LightningRpcError);

let rpc: LightningRpcClient;
let dev: LightningRpcClient;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lns-offer-params-'));
  rpc = await daemon(false);
  dev = await daemon(true);
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const d of daemons) await d.stop();
  rmSync(dir, { recursive: true, force: true });
});

type OfferResult = { offer_id: string; bolt12: string; force_paths: boolean; created: boolean };
const offer = (p: Record<string, unknown>, c = rpc) => c.call('offer', p) as Promise<OfferResult>;

describe('seed 001 names', () => {
  it('vendor is the older name of issuer: the same offer; both at once is an error', async () => {
    const a = await offer({ amount: '1000sat', description: 'Seed one', vendor: 'Rusty' });
    const b = await offer({ amount: '1000sat', description: 'Seed one', issuer: 'Rusty' });
    expect(b.offer_id).toBe(a.offer_id);
    expect(b.created).toBe(false);
    expect(decodeToJson(a.bolt12).json.offer_issuer).toBe('Rusty');
    const e = await failure(offer({ amount: '1000sat', description: 'Seed one', vendor: 'R', issuer: 'R' }));
    expect([e.code, e.message]).toEqual([-32602, 'vendor: cannot be given with issuer (vendor is its older name): invalid token (see logs for details)']);
  });
  it('quantity_min is stored with the offer (not encoded), needs >= 1 and <= quantity_max, and is checked against invreq_quantity', async () => {
    const a = await offer({ amount: '10sat', description: 'Bulk', quantity_min: 5, quantity_max: 10 });
    const j = decodeToJson(a.bolt12).json;
    expect(j.offer_quantity_max).toBe(10n);
    // A minimum alone: payers must still send a quantity (offer_quantity_max 0 = unlimited).
    const alone = await offer({ amount: '10sat', description: 'Bulk, no max', quantity_min: 2 });
    expect(decodeToJson(alone.bolt12).json.offer_quantity_max).toBe(0n);
    for (const [p, msg] of [
      [{ quantity_min: 0 }, 'quantity_min: must be at least 1'],
      [{ quantity_min: 11, quantity_max: 10 }, 'quantity_min: must not exceed quantity_max (10)'],
    ] as const) {
      const e = await failure(offer({ amount: '10sat', description: 'Bulk', ...p }));
      expect(e.message).toBe(`${msg}: invalid token (see logs for details)`);
    }
    const store = Store.open(join(dir, 'plain', STORE_FILE));
    try {
      const rec = store.offers.get(a.offer_id)!;
      expect(rec.quantityMin).toBe(5n);
      expect(quantityMinRefusal(rec, 4n)).toBe("invreq_quantity 4 is below the offer's quantity_min 5");
      expect(quantityMinRefusal(rec, undefined)).toMatch(/invreq_quantity is missing/);
      expect(quantityMinRefusal(rec, 5n)).toBeUndefined();
      expect(store.offers.get(alone.offer_id)!.quantityMin).toBe(2n);
    } finally {
      store.close();
    }
  });
});

describe("Core Lightning's newer offer parameters", () => {
  it('proportional_amount sets the proportional byte of offer_recurrence_base, and needs recurrence_base', async () => {
    const a = await offer({ amount: '1000sat', description: 'Sub', recurrence: '1month', recurrence_base: 1700000000, proportional_amount: true });
    expect(decodeToJson(a.bolt12).json.offer_recurrence).toMatchObject({ basetime: 1700000000n, proportional_amount: true });
    const e = await failure(offer({ amount: '1000sat', description: 'Sub', recurrence: '1month', proportional_amount: true }));
    expect(e.message).toMatch(/^proportional_amount: needs recurrence_base/);
  });
  it('optional_recurrence writes offer_recurrence_optional; not with recurrence_base, not without recurrence', async () => {
    const a = await offer({ amount: '1000sat', description: 'Opt', recurrence: '1week', optional_recurrence: true });
    expect(decodeToJson(a.bolt12).json.offer_recurrence).toMatchObject({ compulsory_field: false, time_unit: 1, period: 7 });
    expect((await failure(offer({ amount: '1000sat', description: 'Opt', recurrence: '1week', recurrence_base: 1, optional_recurrence: true }))).message)
      .toMatch(/^optional_recurrence: incompatible with recurrence_base/);
    expect((await failure(offer({ amount: '1000sat', description: 'Opt', optional_recurrence: true }))).message)
      .toMatch(/^optional_recurrence: needs recurrence/);
  });
  it('fronting_nodes: pubkeys, stored, force_paths when not empty; bad keys refused', async () => {
    const a = await offer({ amount: '1000sat', description: 'Fronted', fronting_nodes: [PEER] });
    expect(a.force_paths).toBe(true);
    const none = await offer({ amount: '1000sat', description: 'Not fronted', fronting_nodes: [] });
    expect(none.force_paths).toBe(false);
    const e = await failure(offer({ amount: '1000sat', description: 'Fronted', fronting_nodes: [NOT_A_POINT] }));
    expect(e.message).toBe('fronting_nodes[0]: should be a compressed pubkey: invalid token (see logs for details)');
  });
  it('positional order is CLN\'s: ... single_use proportional_amount optional_recurrence fronting_nodes', async () => {
    const a = (await rpc.call('offer', ['1000sat', 'Pos', null, null, null, null, '1week', null, null, null, null, null, true])) as OfferResult;
    expect(decodeToJson(a.bolt12).json.offer_recurrence).toMatchObject({ compulsory_field: false });
  });
});

describe('--developer', () => {
  it('errors of checks inside the command echo the offending value (cut to a readable length)', async () => {
    const e = await failure(offer({ amount: '10sat', description: 'Bulk', quantity_min: 11, quantity_max: 10 }, dev));
    expect(e.message).toBe("quantity_min: must not exceed quantity_max (10): invalid token '11'");
    const z = await failure(dev.call('offer', ['0msat', 'Zero']));
    expect(z.message).toBe("amount: Offer contains a zero amount: invalid token '\"0msat\"'");
    const long = 'x'.repeat(500);
    const v = await failure(offer({ amount: '1sat', description: 'V', vendor: long, issuer: 'I' }, dev));
    expect(v.message.length).toBeLessThan(200);
    expect(v.message).toMatch(/^vendor: cannot be given with issuer .*: invalid token '"x+\.\.\.\(502 chars\)\.\.\.x+"'$/);
  });
});

describe('the daemon log', () => {
  it('records offers as they are created', async () => {
    const a = await offer({ amount: '1000sat', description: 'Logged', label: 'mylabel' });
    const log = readFileSync(join(dir, 'plain', 'lnsigner.log'), 'utf8');
    expect(log).toContain(`offer created: ${a.offer_id} label mylabel`);
  });
});

// The simulated BOLT 12 payer (host/simnet/payer/) against a stand-in
// merchant plugin on node 0 (test/fixtures/plugins/merchant-plugin.mjs, which
// signs with lnsigner's Merkle code while the payer checks with its own):
// dev-simnet-fetchinvoice and dev-simnet-pay for one-off, quantity and
// any-amount offers; invoice_error passed on; a wrong signer, a changed
// request field and a wrong amount refused by the payer; the htlc_accepted
// hook's payload and its resolve / fail / continue answers; MPP parts each
// delivered to the hook and settled together (cln-offers-flow-digest §2.4, §4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { PROJECT_ROOT } from '../host/paths.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { LightningRpcClient } from '../host/node/client.js';
import { decodeBolt12String, encodeBolt12String, merkleRoot, encodeTlvRecord, readTlvRecords, verifyBolt12Signature } from '../host/bolt12/index.js';
import { merkle, readRecords } from '../host/simnet/payer/tlv.js';
import { buildInvoiceRequest, parseOffer } from '../host/simnet/payer/invoice-request.js';
import { refusal } from './helpers/rpc-refusal.js';

const MERCHANT = join(PROJECT_ROOT, 'test', 'fixtures', 'plugins', 'merchant-plugin.mjs');

let dir: string;
let sim: RunningSimnet;
let rpc: LightningRpcClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simnet-payer-'));
  sim = await startSimnet(dir, { nodes: 5, seed: 'simnet-payer' }, undefined, { paths: [MERCHANT] });
  rpc = new LightningRpcClient(sim.rpcFile, { timeoutMs: 20_000 });
}, 30_000);
afterAll(async () => {
  rpc?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Fetched { invoice: string; payment_hash: string; amount_msat: number; node_id: string; paths: number }
interface Paid { preimage: string; payment_hash: string; amount_msat: number; amount_sent_msat: number; parts: number }

const mode = (m: Record<string, string>) => rpc.call('fixture-merchant-mode', m);
const offer = async (p: Record<string, unknown>) => ((await rpc.call('fixture-merchant-offer', p)) as { offer: string }).offer;
const fetch = (p: Record<string, unknown>) => rpc.call('dev-simnet-fetchinvoice', { node: 'carol', timeout: 10, ...p }) as Promise<Fetched>;
const pay = (invoice: string, extra: Record<string, unknown> = {}) => rpc.call('dev-simnet-pay', { node: 'carol', invoice, ...extra }) as Promise<Paid>;
const htlcs = async () => ((await rpc.call('fixture-merchant-htlcs', {})) as { htlcs: Array<{ onion: Record<string, unknown>; htlc: Record<string, unknown> }> }).htlcs;

describe('the payer cross-checks lnsigner\'s codec', () => {
  it('its Merkle root equals host/bolt12\'s for streams of 1..12 records, and lnsigner verifies its invoice_request signature', () => {
    for (let n = 1; n <= 12; n++) {
      const parts = Array.from({ length: n }, (_, i) => encodeTlvRecord(BigInt(i * 7 + (i % 3)), Uint8Array.from(randomBytes(i % 5))));
      const stream = Uint8Array.from(Buffer.concat(parts));
      expect(toHex(merkle(readRecords(stream)))).toBe(toHex(merkleRoot(stream)));
    }
    const offerText = encodeBolt12String('lno', Uint8Array.from(Buffer.concat([encodeTlvRecord(8n, Uint8Array.of(100)), encodeTlvRecord(10n, new TextEncoder().encode('x')), encodeTlvRecord(22n, fromHex(sim.nodes[1].id))])));
    const req = buildInvoiceRequest(parseOffer(offerText), { aliasBase: new Uint8Array(32).fill(7), nodeSecret: new Uint8Array(32).fill(9) });
    const recs = readRecords(req.bytes);
    const sig = recs.find((r) => r.type === 240n)!.value;
    expect(verifyBolt12Signature('invoice_request', readTlvRecords(req.bytes), req.payerId, sig)).toBe(true);
  });
});

describe('fetch and pay through the stand-in merchant', () => {
  it('one-off: the invoice for the offer, checked, then paid through its blinded paths; the hook saw CLN\'s payload', async () => {
    await mode({ invoice: 'ok', htlc: 'resolve', paths: 'peers' });
    const lno = await offer({ amount_msat: 50_000, description: 'coffee' });
    const inv = await fetch({ offer: lno, payer_note: 'thanks' });
    expect(inv.invoice.startsWith('lni1')).toBe(true);
    expect(Number(inv.amount_msat)).toBe(50_000);
    expect(inv.paths).toBe(2);
    const paid = await pay(inv.invoice);
    expect(toHex(sha256(fromHex(paid.preimage)))).toBe(inv.payment_hash);
    expect(paid.parts).toBe(1);
    expect(Number(paid.amount_sent_msat)).toBeGreaterThanOrEqual(50_000);
    const seen = (await htlcs()).filter((h) => h.htlc.payment_hash === inv.payment_hash);
    expect(seen).toHaveLength(1);
    const h = seen[0];
    expect(Object.keys(h)).toEqual(['onion', 'htlc']);
    expect(Object.keys(h.onion)).toEqual(['payload', 'type', 'forward_msat', 'outgoing_cltv_value', 'total_msat', 'payment_secret', 'next_onion', 'shared_secret']);
    expect(Object.keys(h.htlc)).toEqual(['short_channel_id', 'id', 'amount_msat', 'cltv_expiry', 'cltv_expiry_relative', 'payment_hash']);
    expect(h.onion.type).toBe('tlv');
    expect(Number(h.onion.total_msat)).toBe(50_000);
    expect(String(h.onion.payment_secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(h.htlc.cltv_expiry) - Number(h.htlc.cltv_expiry_relative)).toBe(1000);
    // A second payment of the same invoice: the merchant no longer holds it open, the simnet knows no such invoice.
    await mode({ htlc: 'continue' });
    const again = await refusal(pay(inv.invoice));
    expect(again.code).toBe(204);
    await mode({ htlc: 'resolve' });
  });

  it('the payer is the introduction node of the offer path and of the first payment path (it opens its own hop)', async () => {
    await mode({ invoice: 'ok', htlc: 'resolve', paths: 'peers' });
    const lno = await offer({ amount_msat: 9_000 });
    const inv = await rpc.call('dev-simnet-fetchinvoice', { node: 'alice', offer: lno, timeout: 10 }) as Fetched;
    const paid = await rpc.call('dev-simnet-pay', { node: 'alice', invoice: inv.invoice }) as Paid;
    expect(toHex(sha256(fromHex(paid.preimage)))).toBe(inv.payment_hash);
    const seen = (await htlcs()).filter((h) => h.htlc.payment_hash === inv.payment_hash);
    expect(seen).toHaveLength(1);
    // It came over alice's channel to node 0, not round through bob.
    const chans = (await rpc.call('listpeerchannels', { id: sim.nodes[1].id })) as { channels: { short_channel_id: string }[] };
    expect(seen[0].htlc.short_channel_id).toBe(chans.channels[0].short_channel_id);
  });

  it('quantity: amount × quantity; quantity required by an offer with quantity_max', async () => {
    const lno = await offer({ amount_msat: 1_000, quantity_max: 5 });
    const inv = await fetch({ offer: lno, quantity: 3 });
    expect(Number(inv.amount_msat)).toBe(3_000);
    const paid = await pay(inv.invoice);
    expect(toHex(sha256(fromHex(paid.preimage)))).toBe(inv.payment_hash);
    const e = await refusal(fetch({ offer: lno }));
    expect(e.code).toBe(-32602);
    expect(e.message).toBe('quantity parameter required');
  });

  it('any amount: the payer names it (invreq_amount); without it the request is not sent', async () => {
    const lno = await offer({ description: 'tips' });
    const inv = await fetch({ offer: lno, amount_msat: 12_345 });
    expect(Number(inv.amount_msat)).toBe(12_345);
    await pay(inv.invoice);
    const e = await refusal(fetch({ offer: lno }));
    expect(e.message).toBe('amount_msat parameter required');
  });

  it('recurring: recurrence_counter is required, sent, and the invoice must carry its basetime', async () => {
    const lno = await offer({ amount_msat: 4_000, recurrence: true });
    expect((await refusal(fetch({ offer: lno }))).message).toBe('needs recurrence_counter');
    const inv = (await fetch({ offer: lno, recurrence_counter: 0 })) as Fetched & { recurrence_basetime?: number };
    expect(inv.recurrence_basetime).toBeGreaterThan(1_700_000_000);
    await mode({ invoice: 'no-basetime' });
    expect((await refusal(fetch({ offer: lno, recurrence_counter: 1 }))).message).toMatch(/^Incorrect invoice_recurrence_basetime field in /);
    await mode({ invoice: 'ok' });
    const plain = await offer({ amount_msat: 4_000 });
    expect((await refusal(fetch({ offer: plain, recurrence_counter: 0 }))).message).toBe('unnecessary recurrence_counter');
  });

  it('offer without offer_issuer_id: the signer must be the final blinded node, so the issuer-key invoice is refused', async () => {
    const lno = await offer({ amount_msat: 2_000, issuer_id: false });
    const e = await refusal(fetch({ offer: lno }));
    expect(e.code).toBe(1004);
    expect(e.message).toMatch(/^Incorrect (invoice_node_id|signature) field in /);
  });

  it('offer without paths: the request goes straight to offer_issuer_id (no node of that id: 1003)', async () => {
    const lno = await offer({ amount_msat: 2_000, paths: false });
    const e = await refusal(fetch({ offer: lno }));
    expect(e.code).toBe(1003);
    expect(e.message).toMatch(/^Failed: could not route or connect directly to /);
  });
});

describe('the payer refuses what a payer must', () => {
  it('invoice_error: 1004 with its error text and erroneous_field', async () => {
    const lno = await offer({ amount_msat: 5_000 });
    await mode({ invoice: 'error' });
    const e = await refusal(fetch({ offer: lno }));
    expect(e.code).toBe(1004);
    expect(e.message).toBe('Remote node sent failure message');
    expect(e.data).toEqual({ erroneous_field: 82, error: 'fixture refuses this request' });
  });

  it('an invoice signed by another key, with a changed request field, or for another amount', async () => {
    const lno = await offer({ amount_msat: 5_000 });
    await mode({ invoice: 'wrong-signer' });
    expect((await refusal(fetch({ offer: lno }))).message).toMatch(/^Incorrect invoice_node_id field in /);
    await mode({ invoice: 'change-field' });
    expect((await refusal(fetch({ offer: lno }))).message).toMatch(/^Incorrect invoice_request match field in /);
    await mode({ invoice: 'wrong-amount' });
    expect((await refusal(fetch({ offer: lno }))).message).toMatch(/^Incorrect invoice_amount field in /);
    await mode({ invoice: 'silent' });
    const t = await refusal(fetch({ offer: lno, timeout: 1 }));
    expect([t.code, t.message]).toEqual([1005, 'Timeout waiting for response']);
    await mode({ invoice: 'ok' });
  });
});

describe('htlc_accepted answers at the merchant node', () => {
  // One path [us]: node 0 is its own introduction node, so its failure messages reach the payer unchanged.
  const direct = async () => {
    await mode({ invoice: 'ok', paths: 'direct' });
    return fetch({ offer: await offer({ amount_msat: 7_000 }) });
  };

  it('fail: the plugin\'s failure_message goes back as it is', async () => {
    const inv = await direct();
    await mode({ htlc: 'fail' });
    const e = await refusal(pay(inv.invoice));
    expect(e.code).toBe(204);
    expect((e.data as { raw_message: string }).raw_message).toBe('400f' + '00'.repeat(12));
  });

  it('fail with a failure_onion: lightningd adds its own obfuscation layer, the payer decodes the plugin\'s message', async () => {
    const inv = await direct();
    await mode({ htlc: 'fail-onion' });
    const e = await refusal(pay(inv.invoice));
    expect(e.data).toMatchObject({ failcodename: 'WIRE_TEMPORARY_NODE_FAILURE', raw_message: '2002' });
  });

  it('continue: the node\'s own lookup finds no invoice (incorrect_or_unknown_payment_details with amount and height)', async () => {
    const inv = await direct();
    await mode({ htlc: 'continue' });
    const e = await refusal(pay(inv.invoice));
    const raw = (e.data as { raw_message: string }).raw_message;
    expect(raw.slice(0, 4)).toBe('400f');
    expect(BigInt('0x' + raw.slice(4, 20))).toBe(7_000n);
    expect(parseInt(raw.slice(20), 16)).toBe(1000);
  });

  it('resolve with a key that is not the preimage: a bare incorrect_or_unknown_payment_details', async () => {
    const inv = await direct();
    await mode({ htlc: 'bad-key' });
    const e = await refusal(pay(inv.invoice));
    expect((e.data as { raw_message: string }).raw_message).toBe('400f');
  });

  it('resolve: settled', async () => {
    const inv = await direct();
    await mode({ htlc: 'resolve' });
    const paid = await pay(inv.invoice);
    expect(toHex(sha256(fromHex(paid.preimage)))).toBe(inv.payment_hash);
  });

  it('MPP: each part is its own hook call, held until the total is there, then all settle', async () => {
    await mode({ invoice: 'ok', htlc: 'resolve', paths: 'peers' });
    const inv = await fetch({ offer: await offer({ amount_msat: 50_000 }) });
    const paid = await pay(inv.invoice, { max_part_msat: 20_000 });
    expect(paid.parts).toBe(3);
    expect(toHex(sha256(fromHex(paid.preimage)))).toBe(inv.payment_hash);
    const seen = (await htlcs()).filter((h) => h.htlc.payment_hash === inv.payment_hash);
    expect(seen).toHaveLength(3);
    expect(seen.map((h) => Number(h.onion.forward_msat)).sort((a, b) => a - b)).toEqual([10_000, 20_000, 20_000]);
    for (const h of seen) expect(Number(h.onion.total_msat)).toBe(50_000);
  });
});

describe('decoding', () => {
  it('the fetched invoice is a valid lni string for lnsigner\'s own decoder', async () => {
    await mode({ invoice: 'ok', paths: 'peers' });
    const inv = await fetch({ offer: await offer({ amount_msat: 3_000 }) });
    expect(decodeBolt12String(inv.invoice).prefix).toBe('lni');
  });
});

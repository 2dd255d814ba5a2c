// The simulated network end to end over its lightningd-compatible socket,
// driven with host/node's LightningRpcClient. Onions are built here with
// @noble (host/onion/sphinx.ts buildOnion, checked byte for byte against
// onion-test.json in simnet-sphinx.test.ts) from getroute's route as
// lightningd's sendpay would (cln-rpc-digest §5.2); every hop peels them
// with its own key. Failures are checked as waitsendpay reports them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { startSimnet, type RunningSimnet } from '../host/simnet/server.js';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { buildOnion, decodeFailureOnion } from '../host/onion/sphinx.js';
import { encodeHopPayload, withLength } from '../host/onion/payload.js';
import { scidBytes } from '../host/payments/route.js';
import { failure } from './helpers/simnet-graph.js';
import { LightningRpcClient, LightningRpcError } from '../host/node/client.js';
import type { RouteHop } from '../host/node/types.js';

let dir: string;
let sim: RunningSimnet;
let rpc: LightningRpcClient;
let height: number;
const ids: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simnet-'));
  sim = await startSimnet(dir, { nodes: 6, seed: 'simnet-test' });
  rpc = new LightningRpcClient(sim.rpcFile, { timeoutMs: 10_000 });
  height = (await rpc.getinfo()).blockheight;
  for (const n of sim.nodes) ids[n.alias] = n.id;
});
afterAll(async () => {
  rpc.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Invoice { payment_hash: string; payment_secret: string; destination: string; amount_msat: number | bigint; min_final_cltv_expiry: number }
const invoice = async (node: string, amount: bigint) => (await rpc.call('dev-simnet-invoice', { node, amount_msat: amount, description: 'test' })) as Invoice;
const fault = (p: Record<string, unknown>) => rpc.call('dev-simnet-fault', p);

let sessionCounter = 0;
/** The onion lightningd's sendpay would build for `route` (§5.2), with a fresh session key. */
function onionFor(route: RouteHop[], inv: Invoice, opts: { total?: bigint; secret?: string } = {}) {
  const base = height + 1;
  const hops = route.map((h, i) => {
    const next = route[i + 1];
    const payload = next
      ? withLength(encodeHopPayload({ amountMsat: next.amount_msat, cltv: base + next.delay, shortChannelId: scidBytes(next.channel) }))
      : withLength(encodeHopPayload({ amountMsat: h.amount_msat, cltv: base + h.delay, paymentSecret: fromHex(opts.secret ?? inv.payment_secret), totalMsat: opts.total ?? h.amount_msat }));
    return { pubkey: fromHex(h.id), payload };
  });
  const session = sha256(new TextEncoder().encode(`session ${sessionCounter++}`));
  return buildOnion(session, hops, fromHex(inv.payment_hash));
}

async function send(route: RouteHop[], inv: Invoice, opts: { total?: bigint; partid?: bigint; groupid?: bigint; secrets?: boolean; secret?: string } = {}) {
  const { onion, sharedSecrets } = onionFor(route, inv, opts);
  return rpc.sendonion({
    onion: toHex(onion),
    first_hop: { id: route[0].id, amount_msat: route[0].amount_msat, delay: route[0].delay, channel: route[0].channel },
    payment_hash: inv.payment_hash,
    shared_secrets: opts.secrets === false ? undefined : sharedSecrets.map(toHex),
    partid: opts.partid,
    groupid: opts.groupid,
    amount_msat: route[route.length - 1].amount_msat,
    destination: route[route.length - 1].id,
    total_amount_msat: opts.total,
  });
}


const channels = async () =>
  (await rpc.call('dev-simnet-channels')) as { channels: { short_channel_id: string; sides: { node_id: string; balance_msat: number | bigint; fee_base_msat: number; fee_proportional_millionths: number; cltv_expiry_delta: number }[] }[] };

describe('simnet: node information', () => {
  it('getinfo and listpeerchannels describe the payer', async () => {
    const info = await rpc.getinfo();
    expect(info.id).toBe(ids.payer);
    expect(info.network).toBe('regtest');
    expect(info['lightning-dir']).toBe(dir);
    const chans = await rpc.listpeerchannels();
    // payer (node 0) has the chain channel to alice and the chord to bob.
    expect(chans.map((c) => c.peer_id).sort()).toEqual([ids.alice, ids.bob].sort());
    for (const c of chans) {
      expect(c.state).toBe('CHANNELD_NORMAL');
      expect(c.peer_connected).toBe(true);
      expect(c.spendable_msat).toBe(c.to_us_msat);
    }
    expect(await rpc.listpeerchannels({ id: ids.alice })).toHaveLength(1);
  });

  it('getroute: amounts add each forwarding node\'s fee and delays its cltv delta (§1.18)', async () => {
    const route = await rpc.getroute({ id: ids.erin, amount_msat: 123_456n, riskfactor: 10 });
    const { channels: all } = await channels();
    expect(route[route.length - 1]).toMatchObject({ id: ids.erin, amount_msat: 123_456n, delay: 9, style: 'tlv' });
    for (let i = 0; i + 1 < route.length; i++) {
      const c = all.find((x) => x.short_channel_id === route[i + 1].channel)!;
      const out = c.sides[route[i + 1].direction];
      // The forwarding node is route[i].id and its policy is on the side it sends from.
      expect(out.node_id).toBe(route[i].id);
      const fee = BigInt(out.fee_base_msat) + (route[i + 1].amount_msat * BigInt(out.fee_proportional_millionths)) / 1_000_000n;
      expect(route[i].amount_msat).toBe(route[i + 1].amount_msat + fee);
      expect(route[i].delay).toBe(route[i + 1].delay + out.cltv_expiry_delta);
    }
    const e = await failure(rpc.getroute({ id: '02' + '11'.repeat(32), amount_msat: 1n, riskfactor: 1 }));
    expect(e.code).toBe(-32602);
  });
});

describe('simnet: single-part payments', () => {
  it('pays through three hops; every hop peeled; balances move', async () => {
    const inv = await invoice('erin', 50_000_000n);
    const route = await rpc.getroute({ id: inv.destination, cltv: inv.min_final_cltv_expiry, amount_msat: 50_000_000n, riskfactor: 10 });
    expect(route.length).toBeGreaterThanOrEqual(2);
    const before = (await rpc.listpeerchannels({ short_channel_id: route[0].channel }))[0].to_us_msat!;
    const sent = await send(route, inv);
    expect(sent).toMatchObject({ status: 'pending', message: 'Monitor status with listpays or waitsendpay', amount_sent_msat: route[0].amount_msat });
    const done = await rpc.waitsendpay({ payment_hash: inv.payment_hash });
    expect(done.status).toBe('complete');
    expect(toHex(sha256(fromHex(done.payment_preimage!)))).toBe(inv.payment_hash);
    const after = (await rpc.listpeerchannels({ short_channel_id: route[0].channel }))[0].to_us_msat!;
    expect(before - after).toBe(route[0].amount_msat);
    const listed = await rpc.listsendpays({ payment_hash: inv.payment_hash });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ status: 'complete', payment_preimage: done.payment_preimage, destination: ids.erin });
    // Idempotent: the same part again returns the complete payment (§5.4).
    const again = await send(route, inv);
    expect(again.status).toBe('complete');
    // A second attempt with another partid is refused (§5.4).
    expect((await failure(send(route, inv, { partid: 1n, total: 50_000_000n }))).code).toBe(201);
  });

  it('an already paid invoice is refused by the payee (0x400F) in a new group', async () => {
    const inv = await invoice('alice', 1000n);
    const route = await rpc.getroute({ id: inv.destination, cltv: inv.min_final_cltv_expiry, amount_msat: 1000n, riskfactor: 1 });
    await send(route, inv);
    await rpc.waitsendpay({ payment_hash: inv.payment_hash });
    // A different partid with a fresh groupid still hits "Already succeeded other parts".
    expect((await failure(send(route, inv, { partid: 2n, groupid: 9n, total: 1000n }))).message).toBe('Already succeeded other parts');
  });
});

describe('simnet: injected faults map to BOLT 4 failures', () => {
  const threeHops = async (dest: string, amount: bigint) => {
    const inv = await invoice(dest, amount);
    const route = await rpc.getroute({ id: inv.destination, cltv: inv.min_final_cltv_expiry, amount_msat: amount, riskfactor: 10, exclude: [] });
    return { inv, route };
  };
  const clear = () => rpc.call('dev-simnet-clear');

  it('no_liquidity on the second channel: temporary_channel_failure from the first hop', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    expect(route.length).toBeGreaterThanOrEqual(3);
    await fault({ kind: 'no_liquidity', channel: route[1].channel, node: route[0].id });
    await send(route, inv);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    await clear();
    expect(e.code).toBe(204);
    expect(e.message).toBe('failed: WIRE_TEMPORARY_CHANNEL_FAILURE (reply from remote)');
    const f = e.paymentFailure!;
    // §5.6: erring_index i = the i-th node of the route (origin index + 1): route[0] is 1.
    expect(f).toMatchObject({ erring_index: 1, failcode: 0x1007, failcodename: 'WIRE_TEMPORARY_CHANNEL_FAILURE', raw_message: '10070000' });
    // §6: sendonion's lightningd does not know the route.
    expect(f.erring_node).toBeUndefined();
    expect(f.erring_channel).toBeUndefined();
    expect(f.payment.status).toBe('failed');
  });

  it('offline intermediate node: the hop before it fails with temporary_channel_failure', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    await fault({ kind: 'offline', node: route[1].id });
    await send(route, inv);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    await clear();
    expect(e.paymentFailure).toMatchObject({ erring_index: 1, failcode: 0x1007 });
  });

  it('offline first peer: sendonion fails at once with 204 "No connection to first peer found"', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    await fault({ kind: 'offline', node: route[0].id });
    const e = await failure(send(route, inv));
    await clear();
    expect(e.code).toBe(204);
    expect(e.message).toBe('No connection to first peer found');
    expect(e.data).toMatchObject({ erring_index: 0, failcode: 16394, failcodename: 'WIRE_UNKNOWN_NEXT_PEER', erring_node: ids.payer });
    expect(await rpc.listsendpays({ payment_hash: inv.payment_hash })).toEqual([]);
  });

  it('wrong payment secret: incorrect_or_unknown_payment_details from the payee with amount and height', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    await fault({ kind: 'wrong_secret', node: 'dave' });
    await send(route, inv);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    await clear();
    const f = e.paymentFailure!;
    expect(f.erring_index).toBe(route.length);
    expect(f.failcodename).toBe('WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS');
    // §4.8: u64 htlc_msat ‖ u32 height.
    expect(f.raw_message).toBe('400f' + (10_000).toString(16).padStart(16, '0') + height.toString(16).padStart(8, '0'));
  });

  it('a payment_secret that is not the invoice\'s fails the same way', async () => {
    const { inv, route } = await threeHops('carol', 5000n);
    await send(route, inv, { secret: '11'.repeat(32) });
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    expect(e.paymentFailure).toMatchObject({ erring_index: route.length, failcode: 0x400f });
  });

  it('expiry_too_soon at an intermediate node: 0x100E from that node', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    await fault({ kind: 'expiry_too_soon', node: route[1].id });
    await send(route, inv);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    await clear();
    expect(e.paymentFailure).toMatchObject({ erring_index: 2, failcode: 0x100e, failcodename: 'WIRE_EXPIRY_TOO_SOON', raw_message: '100e0000' });
  });

  it('expiry_too_soon at the payee: incorrect_or_unknown_payment_details', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    await fault({ kind: 'expiry_too_soon', node: 'dave' });
    await send(route, inv);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    await clear();
    expect(e.paymentFailure).toMatchObject({ erring_index: route.length, failcode: 0x400f });
  });

  it('corrupt_onion into the second hop: invalid_onion_hmac reported by the hop before it, with sha256_of_onion', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    await fault({ kind: 'corrupt_onion', node: route[1].id });
    await send(route, inv);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    await clear();
    const f = e.paymentFailure!;
    expect(f).toMatchObject({ erring_index: 1, failcode: 0xc005, failcodename: 'WIRE_INVALID_ONION_HMAC' });
    expect(f.raw_message).toMatch(/^c005[0-9a-f]{64}$/);
  });

  it('corrupt_onion into the first peer: a local failure (erring_index 0, us, first channel)', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    await fault({ kind: 'corrupt_onion', node: route[0].id });
    await send(route, inv);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    await clear();
    expect(e.code).toBe(204);
    expect(e.paymentFailure).toMatchObject({ erring_index: 0, failcode: 0xc005, erring_node: ids.payer, erring_channel: route[0].channel });
  });

  it('without shared_secrets: 202 with the raw onion reply, which the secrets do decode', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    await fault({ kind: 'no_liquidity', channel: route[2].channel });
    const { onion, sharedSecrets } = onionFor(route, inv);
    await rpc.sendonion({ onion: toHex(onion), first_hop: { id: route[0].id, amount_msat: route[0].amount_msat, delay: route[0].delay }, payment_hash: inv.payment_hash });
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    await clear();
    expect(e.code).toBe(202);
    expect(e.message).toBe('Malformed error reply');
    const reply = e.paymentFailure!.onionreply!;
    const listed = await rpc.listsendpays({ payment_hash: inv.payment_hash });
    expect(listed[0].erroronion).toBe(reply);
    const d = decodeFailureOnion(sharedSecrets, fromHex(reply))!;
    expect(d.index).toBe(1);
    expect(toHex(d.failuremsg)).toBe('10070000');
  });

  it('a payer channel without liquidity refuses at once (204, erring_index 0)', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    await fault({ kind: 'no_liquidity', channel: route[0].channel });
    const e = await failure(send(route, inv));
    await clear();
    expect(e.code).toBe(204);
    expect(e.data).toMatchObject({ erring_index: 0, failcode: 0x1007, erring_node: ids.payer, erring_channel: route[0].channel });
  });

  it('final cltv below the invoice\'s min_final_cltv_expiry, or an amount below the invoice: 0x400F from the payee', async () => {
    const inv = await invoice('carol', 20_000n);
    // getroute's default final cltv (9) is below the invoice's 18.
    const short = await rpc.getroute({ id: inv.destination, amount_msat: 20_000n, riskfactor: 10 });
    await send(short, inv);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    expect(e.paymentFailure).toMatchObject({ erring_index: short.length, failcode: 0x400f });
    const inv2 = await invoice('carol', 20_000n);
    const low = await rpc.getroute({ id: inv2.destination, cltv: inv2.min_final_cltv_expiry, amount_msat: 19_999n, riskfactor: 10 });
    await send(low, inv2);
    const e2 = await failure(rpc.waitsendpay({ payment_hash: inv2.payment_hash }));
    expect(e2.paymentFailure).toMatchObject({ erring_index: low.length, failcode: 0x400f });
  });

  it('fee too low in the onion: fee_insufficient with the incoming amount', async () => {
    const { inv, route } = await threeHops('dave', 10_000n);
    const stingy = route.map((h, i) => (i === 0 ? { ...h, amount_msat: route[1].amount_msat } : h));
    const fee = route[0].amount_msat - route[1].amount_msat;
    if (fee === 0n) return; // fee-free first hop in this seed: nothing to under-pay
    await send(stingy, inv);
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash }));
    expect(e.paymentFailure).toMatchObject({ erring_index: 1, failcode: 0x100c });
    expect(e.paymentFailure!.raw_message).toBe('100c' + stingy[0].amount_msat.toString(16).padStart(16, '0') + '0000');
  });
});

describe('simnet: multi-part payments', () => {
  it('holds parts until the total arrives, then settles all with one preimage', async () => {
    const total = 300_000n;
    const inv = await invoice('dave', total);
    const r1 = await rpc.getroute({ id: inv.destination, cltv: inv.min_final_cltv_expiry, amount_msat: 100_000n, riskfactor: 10 });
    const r2 = await rpc.getroute({ id: inv.destination, cltv: inv.min_final_cltv_expiry, amount_msat: 200_000n, riskfactor: 10, exclude: [`${r1[0].channel}/${r1[0].direction}`] });
    expect(r2[0].channel).not.toBe(r1[0].channel);
    await send(r1, inv, { total, partid: 1n, groupid: 1n });
    // The first part is held at the payee: still pending.
    expect((await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash, partid: 1n, groupid: 1n, timeout: 0 }))).code).toBe(200);
    await send(r2, inv, { total, partid: 2n, groupid: 1n });
    const [a, b] = await Promise.all([
      rpc.waitsendpay({ payment_hash: inv.payment_hash, partid: 1n, groupid: 1n }),
      rpc.waitsendpay({ payment_hash: inv.payment_hash, partid: 2n, groupid: 1n }),
    ]);
    expect(a.payment_preimage).toBe(b.payment_preimage);
    expect(toHex(sha256(fromHex(a.payment_preimage!)))).toBe(inv.payment_hash);
    expect(a).toMatchObject({ partid: 1n, amount_msat: 100_000n });
    expect(b).toMatchObject({ partid: 2n, amount_msat: 200_000n });
    expect((await rpc.listsendpays({ payment_hash: inv.payment_hash })).map((p) => p.status)).toEqual(['complete', 'complete']);
  });

  it('a part in another group while one is pending is refused (200, §5.3)', async () => {
    const inv = await invoice('carol', 100_000n);
    const r = await rpc.getroute({ id: inv.destination, cltv: inv.min_final_cltv_expiry, amount_msat: 50_000n, riskfactor: 10 });
    await send(r, inv, { total: 100_000n, partid: 1n, groupid: 5n });
    const e = await failure(send(r, inv, { total: 100_000n, partid: 2n }));
    expect(e.code).toBe(200);
    expect(e.message).toBe('Payment with groupid=5 still in progress, cannot retry before that completes.');
    await rpc.call('dev-simnet-mpp-expire');
    expect((await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash, partid: 1n, groupid: 5n }))).paymentFailure).toMatchObject({ failcode: 23 });
  });

  it('an incomplete set times out with mpp_timeout from the payee', async () => {
    const inv = await invoice('dave', 400_000n);
    const r = await rpc.getroute({ id: inv.destination, cltv: inv.min_final_cltv_expiry, amount_msat: 150_000n, riskfactor: 10 });
    await send(r, inv, { total: 400_000n, partid: 1n, groupid: 1n });
    expect(await rpc.call('dev-simnet-mpp-expire')).toEqual({ expired: 1 });
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash, partid: 1n, groupid: 1n }));
    expect(e.paymentFailure).toMatchObject({ erring_index: r.length, failcode: 23, failcodename: 'WIRE_MPP_TIMEOUT', raw_message: '0017' });
  });

  it('parts that disagree on total_msat are refused by the payee', async () => {
    const inv = await invoice('carol', 100_000n);
    const r = await rpc.getroute({ id: inv.destination, cltv: inv.min_final_cltv_expiry, amount_msat: 50_000n, riskfactor: 10 });
    await send(r, inv, { total: 100_000n, partid: 1n, groupid: 1n });
    await send(r, inv, { total: 120_000n, partid: 2n, groupid: 1n });
    const e = await failure(rpc.waitsendpay({ payment_hash: inv.payment_hash, partid: 2n, groupid: 1n }));
    expect(e.paymentFailure).toMatchObject({ failcode: 0x400f });
    await rpc.call('dev-simnet-mpp-expire');
  });
});

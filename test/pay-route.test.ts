// pay's route assembly (host/payer/pay-route.ts): payinfo arithmetic and the
// hop payloads of a payment into a blinded path, checked byte for byte
// against BOLT 4's blinded-payment-onion-test.json (the onion itself built
// with @noble, host/onion/sphinx.ts); then parts assembled for real simnet
// invoices are peeled by every simulated hop with its own key (@noble) and
// settle, one part or MPP across two paths; the MPP split and the
// exclusion of a failed channel in the listchannels route search; the payer
// checks of a real Core Lightning v26.06 invoice (cln-v26.06-payflow.json).
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
import { vector } from './helpers/bytes.js';
import { assemblePart, introTarget, routeOverGraph, splitAmount, type GraphEdge } from '../host/payer/pay-route.js';
import { hasFeature, readPayableInvoice, PAY_INVOICE_EXPIRED } from '../host/payer/pay-invoice.js';
import { buildOnion } from '../host/onion/sphinx.js';
import { Network } from '../host/simnet/network.js';
import { SimLightningd } from '../host/simnet/lightningd.js';
import { extraPaymentPath, makeBlindedInvoice } from '../host/simnet/blinded-forward.js';
import { RpcError } from '../host/rpc/errors.js';
import type { Hop } from '../host/payments/route.js';
import type { BlindedPath } from '../host/bolt12/subtypes.js';
import { decodeBolt12String, encodeBolt12String } from '../host/bolt12/bech32-string.js';

const V = vector('blinded-payment-onion-test.json').generate;
const pathOfVector = (): BlindedPath => ({
  firstNodeId: { pubkey: fromHex(V.blinded_route.first_node_id) },
  firstPathKey: fromHex(V.blinded_route.first_path_key),
  hops: V.blinded_route.hops.map((h: any) => ({ blindedNodeId: fromHex(h.blinded_node_id), encryptedRecipientData: fromHex(h.encrypted_data) })),
});

describe('payinfo arithmetic and payloads (blinded-payment-onion-test.json)', () => {
  const payinfo = { feeBaseMsat: V.blinded_payinfo.fee_base_msat, feeProportionalMillionths: V.blinded_payinfo.fee_proportional_millionths, cltvExpiryDelta: V.blinded_payinfo.cltv_expiry_delta };

  it('the introduction node gets amount + base + amount·ppm/10^6 and the path\'s delta (110125 msat, +150 blocks)', () => {
    const t = introTarget(BigInt(V.final_amount_msat), payinfo, 0);
    expect(t).toEqual({ amountMsat: BigInt(V.full_route.hops[0].tlvs.amt_to_forward), delay: 150 });
    expect(t.amountMsat).toBe(110125n);
    // a fee below one msat is rounded down (BOLT 7 arithmetic), the base always paid
    expect(introTarget(1n, payinfo, 0).amountMsat).toBe(1n + 10100n);
    expect(introTarget(1_000_000n, { ...payinfo, feeBaseMsat: 0 }, 7).amountMsat).toBe(1_000_251n);
    expect(introTarget(1_000_000n, payinfo, 7).delay).toBe(157);
  });

  it('every hop payload and the onion itself, byte for byte', () => {
    const full = V.full_route.hops;
    const alice = full[0].pubkey;
    const bob = V.blinded_route.first_node_id;
    // Alice is our first peer; she forwards over 0x0x10 to Bob, the introduction node.
    const route: Hop[] = [
      { id: alice, channel: '1x0x0', amountMsat: 110125n, delay: 150 },
      { id: bob, channel: '0x0x10', amountMsat: 110125n, delay: 150 },
    ];
    const base = V.final_cltv;
    const a = assemblePart({ route, path: pathOfVector(), payinfo, amountMsat: 100000n, totalMsat: 150000n, finalDelay: 0 }, base);
    expect(a.hops.map((h) => toHex(h.pubkey))).toEqual(full.map((h: any) => h.pubkey));
    expect(a.hops.map((h) => toHex(h.payload))).toEqual(full.map((h: any) => h.payload));
    const { onion } = buildOnion(fromHex(V.session_key), a.hops, fromHex(V.associated_data));
    expect(toHex(onion)).toBe(V.onion);
    expect(a.firstHop).toEqual({ id: alice, amountMsat: 110125n, channel: '1x0x0', delay: 150 });
    expect(a.feeMsat).toBe(10125n);
    expect(a.routeNodes).toEqual([alice, bob, ...V.blinded_route.hops.slice(1).map((h: any) => h.blinded_node_id)]);
    expect(a.routeChannels).toEqual(['1x0x0', '0x0x10', '0x0x0', '0x0x0', '0x0x0']);
  });

  it('refuses a route that does not end at the introduction node or pays it too little', () => {
    const bob = V.blinded_route.first_node_id;
    const p = { path: pathOfVector(), payinfo, amountMsat: 100000n, totalMsat: 100000n, finalDelay: 0 };
    expect(() => assemblePart({ ...p, route: [{ id: V.full_route.hops[0].pubkey, channel: '1x0x0', amountMsat: 110125n, delay: 150 }] }, 1)).toThrow(/not the introduction node/);
    expect(() => assemblePart({ ...p, route: [{ id: bob, channel: '1x0x0', amountMsat: 110124n, delay: 150 }] }, 1)).toThrow(/needs 110125/);
    expect(() => assemblePart({ ...p, route: [{ id: bob, channel: '1x0x0', amountMsat: 110125n, delay: 149 }] }, 1)).toThrow(/needs 150/);
    expect(() => assemblePart({ ...p, route: [] }, 1)).toThrow(/empty/);
  });
});

describe('parts assembled for simnet invoices settle (every hop peels with @noble)', () => {
  const net = new Network({ nodes: 5, seed: 'pay-route', mppTimeoutMs: 60_000 });
  const ld = new SimLightningd(net, '/nonexistent');
  const id = (n: number) => net.nodes[n].id;
  /** A route from node 0 to `intro` for `amount` from the simnet's getroutes, as pay reads it. */
  const routeTo = (intro: number, amount: bigint, delay: number): Hop[] => {
    const r = ld.getroutes({ source: id(0), destination: id(intro), amountMsat: amount, layers: ['auto.localchans', 'auto.sourcefree'], maxfeeMsat: 10_000_000n, finalCltv: delay, maxdelay: 2016, maxparts: 1 }) as any;
    return r.routes[0].path.map((h: any) => ({ id: h.node_id_out, channel: h.short_channel_id_dir.split('/')[0], amountMsat: h.amount_out_msat, delay: h.cltv_out }));
  };
  const send = async (route: Hop[], path: BlindedPath, payinfo: any, amount: bigint, total: bigint, hash: Uint8Array) => {
    const base = net.blockheight + 1;
    const a = assemblePart({ route, path, payinfo, amountMsat: amount, totalMsat: total, finalDelay: 0 }, base);
    const { onion } = buildOnion(sha256(new TextEncoder().encode(`s${amount}${toHex(hash)}`)), a.hops, hash);
    const first = net.channel(route[0].channel)!;
    return net.sendHtlc(0, first, a.firstHop.amountMsat, base + a.firstHop.delay, hash, onion);
  };

  it('one part through a 2-hop blinded path behind clear hops', async () => {
    const b = makeBlindedInvoice(net, 4, [3], 40_000n, 'one', 18);
    const t = introTarget(40_000n, b.payinfo, 0);
    const route = routeTo(3, t.amountMsat, t.delay);
    expect(route.length).toBeGreaterThan(1);
    const r = await send(route, b.built.path, b.payinfo, 40_000n, 40_000n, fromHex(b.invoice.paymentHash));
    expect(r.kind).toBe('fulfill');
    expect(toHex(sha256(fromHex((r as any).preimage)))).toBe(b.invoice.paymentHash);
  });

  it('MPP: two parts across two paths of one invoice (same path_id), held until both arrive', async () => {
    const b = makeBlindedInvoice(net, 3, [2], 60_000n, 'mpp', 18);
    const second = extraPaymentPath(net, 3, [4], b.pathId, 18);
    const hash = fromHex(b.invoice.paymentHash);
    const parts = splitAmount(60_000n, [{ index: 0, min: 1n, max: 35_000n }, { index: 1, min: 1n, max: 35_000n }])!;
    expect(parts).toEqual([{ index: 0, amountMsat: 35_000n }, { index: 1, amountMsat: 25_000n }]);
    const paths = [{ path: b.built.path, payinfo: b.payinfo, intro: 2 }, { path: second.built.path, payinfo: second.payinfo, intro: 4 }];
    const results = await Promise.all(parts.map((p) => {
      const x = paths[p.index];
      const t = introTarget(p.amountMsat, x.payinfo, 0);
      return send(routeTo(x.intro, t.amountMsat, t.delay), x.path, x.payinfo, p.amountMsat, 60_000n, hash);
    }));
    expect(results.map((r) => r.kind)).toEqual(['fulfill', 'fulfill']);
  });
});

describe('MPP split and routing around failures', () => {
  it('splitAmount: fills paths in order up to their maxima, never below a minimum; undefined when they cannot carry it', () => {
    expect(splitAmount(100n, [{ index: 0, min: 1n, max: 1000n }])).toEqual([{ index: 0, amountMsat: 100n }]);
    expect(splitAmount(100n, [{ index: 2, min: 1n, max: 60n }, { index: 0, min: 1n, max: 60n }])).toEqual([{ index: 2, amountMsat: 60n }, { index: 0, amountMsat: 40n }]);
    expect(splitAmount(100n, [{ index: 0, min: 1n, max: 60n }, { index: 1, min: 50n, max: 60n }])).toBeUndefined();
    expect(splitAmount(100n, [{ index: 0, min: 1n, max: 40n }, { index: 1, min: 1n, max: 40n }])).toBeUndefined();
  });

  it('routeOverGraph: cheapest route, our own channel free; an excluded channel direction or node is routed around', () => {
    const n = (i: number) => `02${String(i).repeat(64).slice(0, 64)}`;
    const e = (a: number, b: number, scid: string, fee: bigint): GraphEdge => ({
      source: n(a), destination: n(b), scid, direction: n(a) < n(b) ? 0 : 1, feeBaseMsat: fee, feePpm: 0n, cltvDelta: 6, htlcMinMsat: 1n, htlcMaxMsat: 10n ** 12n, active: true,
    });
    const edges = [e(0, 1, '1x1x0', 5n), e(1, 3, '1x2x0', 1n), e(0, 2, '1x3x0', 5n), e(2, 3, '1x4x0', 50n)];
    const r = routeOverGraph(edges, n(0), n(3), 1000n, 10, new Set())!;
    expect(r).toEqual([{ id: n(1), channel: '1x1x0', amountMsat: 1001n, delay: 16 }, { id: n(3), channel: '1x2x0', amountMsat: 1000n, delay: 10 }]);
    const dir = edges[1].direction;
    const around = routeOverGraph(edges, n(0), n(3), 1000n, 10, new Set([`1x2x0/${dir}`]))!;
    expect(around.map((h) => h.channel)).toEqual(['1x3x0', '1x4x0']);
    expect(around[0].amountMsat).toBe(1050n);
    expect(routeOverGraph(edges, n(0), n(3), 1000n, 10, new Set([n(1), n(2)]))).toBeUndefined();
  });
});

describe('payer checks of a real v26.06 invoice (cln-v26.06-payflow.json)', () => {
  const flow = vector('cln-v26.06-payflow.json').steps as any[];
  const lni = flow.find((s) => s.step === 'alice_fetchinvoice').result.invoice as string;
  const dec = flow.find((s) => s.step === 'alice_decode_bolt12_invoice').result;
  const regtest = fromHex('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f');

  it('reads it as decode does: hash, amount, node, one path with payinfo, MPP feature, invreq_id ranges', () => {
    const p = readPayableInvoice(lni.toUpperCase(), { now: dec.invoice_created_at + 10, chain: regtest });
    expect(p.paymentHash).toBe(dec.invoice_payment_hash);
    expect(p.amountMsat).toBe(1000n);
    expect(p.nodeId).toBe(dec.invoice_node_id);
    expect(p.paths.length).toBe(1);
    expect(p.paths[0].payinfo).toMatchObject({ feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 10 });
    expect(toHex(p.paths[0].path.hops[0].blindedNodeId)).toBe(dec.invoice_paths[0].path[0].blinded_node_id);
    expect(p.mpp).toBe(true); // invoice_features 020000: bit 17
    expect(p.offerId).toBe(dec.offer_id);
    expect(p.expiresAt).toBe(BigInt(dec.invoice_created_at + 7200));
  });

  it('refuses it expired (207 with now/expiry), on another chain, with a flipped signature byte, or not an invoice (-32602)', () => {
    const late = dec.invoice_created_at + 7201;
    let e: unknown;
    try { readPayableInvoice(lni, { now: late, chain: regtest }); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(RpcError);
    expect(e).toMatchObject({ code: PAY_INVOICE_EXPIRED, message: 'Invoice expired', data: { now: late, expiry: dec.invoice_created_at + 7200 } });
    expect(() => readPayableInvoice(lni, { now: dec.invoice_created_at, chain: new Uint8Array(32) })).toThrow(/chain/);
    const { bytes } = decodeBolt12String(lni);
    const bent = Uint8Array.from(bytes);
    bent[bent.length - 1] ^= 1; // the last byte of the signature (type 240 is last)
    expect(() => readPayableInvoice(encodeBolt12String('lni', bent), { now: dec.invoice_created_at, chain: regtest })).toThrow(/signature does not verify/);
    const offer = flow.find((s) => s.step === 'carol_offer').result.bolt12;
    expect(() => readPayableInvoice(offer, { now: 0, chain: regtest })).toThrow(/expected an invoice/);
  });

  it('hasFeature reads BOLT 9 bit pairs', () => {
    expect(hasFeature(fromHex('020000'), 16)).toBe(true);
    expect(hasFeature(fromHex('010000'), 16)).toBe(true);
    expect(hasFeature(fromHex('000000'), 16)).toBe(false);
    expect(hasFeature(undefined, 16)).toBe(false);
    expect(hasFeature(fromHex('02'), 16)).toBe(false);
  });
});

describe('the invoice_request signature pay gives the device (store lookup by invreq_id)', () => {
  it('payer_requests first (fetchinvoice), then invoice_requests (invoicerequest/offerout); unknown: undefined', async () => {
    const { Store } = await import('../host/store/index.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { invreqSignature } = await import('../host/payer/pay-invoice.js');
    const { parseTlvMessage } = await import('../host/bolt12/index.js');
    const ex = (vector('cln-rpc-examples.json') as any[]).filter((e) => e.request.method === 'invoicerequest').map((e) => e.response);
    const sigOf = (lnr: string) => toHex(parseTlvMessage('invoice_request', decodeBolt12String(lnr).bytes).records.find((r) => r.type === 240n)!.value);
    const dir = mkdtempSync(join(tmpdir(), 'pay-invreq-'));
    const store = Store.open(join(dir, 'db.sqlite3'));
    try {
      store.invoiceRequests.create({ invreqId: ex[0].invreq_id, bolt12: ex[0].bolt12, singleUse: true });
      const a = invreqSignature(store, ex[0].invreq_id)!;
      expect(a.source).toBe('invoice_requests');
      expect(toHex(a.signature)).toBe(sigOf(ex[0].bolt12));
      store.payerRequests.create({ invreqId: ex[1].invreq_id, offerId: '00'.repeat(32), bolt12: ex[1].bolt12, replySecret: '11'.repeat(32) });
      const b = invreqSignature(store, ex[1].invreq_id)!;
      expect(b.source).toBe('payer_requests');
      expect(toHex(b.signature)).toBe(sigOf(ex[1].bolt12));
      expect(invreqSignature(store, '22'.repeat(32))).toBeUndefined();
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

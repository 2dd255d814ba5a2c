// sendpay's route parsing, amount / MPP / idempotency rules and the payments
// store (cln-rpc-digest §5.1, §5.3, §5.4; seed 004), and failure decoding
// (§5.6, BOLT 4 "Returning Errors") — without a device or a node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson } from '../host/rpc/json-scan.js';
import { BadParamError, RpcError } from '../host/rpc/errors.js';
import { parseParams } from '../host/rpc/params.js';
import { sendpay } from '../host/commands/sendpay.js';
import { pRoute, scidBytes, type Hop } from '../host/payments/route.js';
import { checkAmounts, checkInvoiceRequest, checkProgress, defaultGroupid, newPart, type SendpayRequest } from '../host/payments/rules.js';
import { classify, decodeFailure } from '../host/payments/failure.js';
import { paymentEntry } from '../host/payments/format.js';
import { routePayloads } from '../host/payments/engine.js';
import { invoicePaymentHash } from '../host/payments/invoice.js';
import { Store } from '../host/store/index.js';
import { toJsonText } from '../host/rpc/json-out.js';
import { MIGRATIONS } from '../host/store/migrations.js';
import { schemaVersion } from '../host/store/db.js';
import { example } from './helpers/e2e.js';
import { vector } from './helpers/bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'lns-pay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshStore = () => Store.open(join(dir, `s${n++}.sqlite3`));

const A = '033845802d25b4e074ccfd7cd8b339a41dc75bf9978a034800444b51d42b07799a';
const B = '03cecbfdc68544cc596223b68ce0710c9e5d2c9cb317ee07822d95079acc703d31';
const C = '02287bfac8b99b35477ebe9334eede1e32b189e24644eb701c079614712331cec0';
const H = '7279b503a14344267e464829da26fcafa4e5a89c6d625a22b9345a874bdfbbf9';
const SECRET = '21f8a38be36697218d2db22cbbca621d96ffc0a63f3585860351b1d905f72cc2';
const route2: Hop[] = [
  { id: A, channel: '116x1x1', amountMsat: 10001n, delay: 15 },
  { id: B, channel: '118x1x0', amountMsat: 10000n, delay: 9 },
];

const reqOf = (o: Partial<SendpayRequest>): SendpayRequest => ({ route: route2, paymentHash: H, partid: 0n, ...o });
const rpcErr = (f: () => unknown) => {
  try { f(); } catch (e) { if (e instanceof RpcError) return { code: e.code, message: e.message }; throw e; }
  throw new Error('no error');
};

/** Runs the rules + insert the way the engine does. */
function attempt(store: Store, r: SendpayRequest) {
  const a = checkAmounts(r);
  return store.payments.reserve(r.paymentHash, (rows) => {
    const p = checkProgress(rows, r, a);
    return p.kind === 'existing' ? { existing: p.record } : { insert: newPart(r, a, p.groupid) };
  });
}

describe('route parameter (§5.1)', () => {
  it('the old names of the sendpay example, other members ignored', () => {
    const ex = example('example:sendpay#1');
    const r = parseParams(sendpay.params, parseJson(JSON.stringify(ex.request.params)));
    expect(r.values.route).toEqual(route2);
    expect(r.values.payment_secret).toBe(SECRET);
    expect(r.values.partid).toBe(0n);
  });

  it('the v26.06 names, with /dir on the channel, and msatoshi for the amount', () => {
    const tok = parseJson(JSON.stringify([
      { node_id_out: A, short_channel_id_dir: '116x1x1/1', amount_out_msat: '10001msat', cltv_out: 15 },
      { id: B, channel: '118x1x0', msatoshi: 10000, delay: '9' },
    ]));
    expect(pRoute(tok, 'route')).toEqual(route2);
  });

  it('refusals are -32602 per-parameter errors', () => {
    const bad = (v: unknown) => { try { pRoute(parseJson(JSON.stringify(v)), 'route'); } catch (e) { return (e as BadParamError).reason; } return 'accepted'; };
    expect(bad({})).toBe('must be an array');
    expect(bad([{ id: A, channel: '1x1x1', amount_msat: 1 }])).toMatch(/cltv_out/);
    expect(bad([{ id: 'zz', channel: '1x1x1', amount_msat: 1, delay: 1 }])).toMatch(/node id/);
    expect(bad([{ id: A, channel: '1x1', amount_msat: 1, delay: 1 }])).toMatch(/short_channel_id/);
    expect(bad([{ id: A, channel: '1x1x1', amount_msat: 'lots', delay: 1 }])).toMatch(/millisatoshi/);
    expect(bad([{ id: A, channel: '1x1x1', amount_msat: 1, delay: -1 }])).toMatch(/32 bit/);
    expect(bad([])).toBe('accepted'); // empty route = self-payment (v23.08+)
  });

  it('msatoshi (seed 004) is accepted by name with the msat grammar', () => {
    const p = parseParams(sendpay.params, parseJson(JSON.stringify({ route: [], payment_hash: H, msatoshi: '10sat' })));
    expect(p.values.msatoshi).toBe(10000n);
  });

  it('short_channel_id bytes (BOLT 7: block 3, tx 3, output 2)', () => {
    expect(Buffer.from(scidBytes('116x1x1')).toString('hex')).toBe('0000740000010001');
  });
});

describe('amount rules (§5.3, seed 004)', () => {
  it('partid 0: amount_msat, when given, must be the final amount', () => {
    expect(checkAmounts(reqOf({}))).toEqual({ final: 10000n, total: 10000n, sent: 10001n, destination: B });
    expect(checkAmounts(reqOf({ amountMsat: 10000n })).total).toBe(10000n);
    expect(rpcErr(() => checkAmounts(reqOf({ amountMsat: 9999n })))).toEqual({
      code: -32602, message: 'Do not specify msatoshi (9999msat) without partid: if you do, it must be exactly the final amount (10000msat)',
    });
  });
  it('partid≠0 needs amount_msat and payment_secret; a part cannot exceed the total', () => {
    expect(rpcErr(() => checkAmounts(reqOf({ partid: 1n, paymentSecret: SECRET })))).toEqual({ code: -32602, message: 'Must specify msatoshi with partid' });
    expect(rpcErr(() => checkAmounts(reqOf({ partid: 1n, amountMsat: 20000n })))).toEqual({ code: -32602, message: 'partid requires payment_secret' });
    expect(rpcErr(() => checkAmounts(reqOf({ partid: 1n, amountMsat: 5000n, paymentSecret: SECRET })))).toEqual({
      code: -32602, message: 'Final amount 10000msat is greater than 5000msat, despite MPP',
    });
    expect(checkAmounts(reqOf({ partid: 1n, amountMsat: 30000n, paymentSecret: SECRET })).total).toBe(30000n);
  });
  it('self-payment (empty route): amount_msat required, partid 0, then refused (no local invoices)', () => {
    expect(rpcErr(() => checkAmounts(reqOf({ route: [] })))).toEqual({ code: -32602, message: 'Self-payment requires amount_msat' });
    expect(rpcErr(() => checkAmounts(reqOf({ route: [], amountMsat: 1n, partid: 2n })))).toEqual({ code: -32602, message: 'Self-payment does not allow (non-zero) partid' });
    expect(rpcErr(() => checkAmounts(reqOf({ route: [], amountMsat: 1n }))).code).toBe(-1);
  });
});

describe('progress rules against stored parts (§5.3, §5.4)', () => {
  it('default groupid is MAX+1 (1 for a new hash); the part row is the example shape', () => {
    const s = freshStore();
    const r = attempt(s, reqOf({ paymentSecret: SECRET }));
    if (!('inserted' in r)) throw new Error('not inserted');
    expect(r.inserted.groupid).toBe(1n);
    expect(r.inserted.stage).toBe('reserved');
    const e = paymentEntry(r.inserted, { message: true });
    const want = example('example:sendpay#1').response;
    expect(Object.keys(JSON.parse(toJsonText(e)))).toEqual(Object.keys(want));
    expect(defaultGroupid(s.payments.byHash(H))).toBe(2n);
    s.close();
  });

  it('same pending part again → the same part; other amount/destination → 201; other group → 200', () => {
    const s = freshStore();
    const first = attempt(s, reqOf({}));
    expect('inserted' in first).toBe(true);
    const again = attempt(s, reqOf({ groupid: 1n }));
    expect('existing' in again && again.existing.id).toBe((first as any).inserted.id);
    const other = [{ ...route2[0] }, { ...route2[1], amountMsat: 9000n }];
    expect(rpcErr(() => attempt(s, reqOf({ route: other, groupid: 1n })))).toEqual({ code: 201, message: 'Already pending with amount 10000msat (not 9000msat)' });
    const toC = [{ ...route2[0] }, { ...route2[1], id: C }];
    expect(rpcErr(() => attempt(s, reqOf({ route: toC, groupid: 1n })))).toEqual({ code: 201, message: `Already pending to ${B}` });
    // default groupid = 2, but group 1 is pending
    expect(rpcErr(() => attempt(s, reqOf({})))).toEqual({ code: 200, message: 'Payment with groupid=1 still in progress, cannot retry before that completes.' });
    // parallel part in a non-parallel group
    expect(rpcErr(() => attempt(s, reqOf({ partid: 1n, groupid: 1n, amountMsat: 20000n, paymentSecret: SECRET })))).toEqual({
      code: 200, message: 'Already have non-parallel payment in progress',
    });
    s.close();
  });

  it('after success: same amount+destination → success (no new part); other amount → 201; other partid → 201', () => {
    const s = freshStore();
    const r = attempt(s, reqOf({})) as any;
    s.payments.setOnion(r.inserted.id, ['00'.repeat(32), '11'.repeat(32)]);
    s.payments.markSent(r.inserted.id);
    expect(s.payments.complete(r.inserted.id, '3e'.repeat(32), 1738000000)).toBe(true);
    const again = attempt(s, reqOf({}));
    expect('existing' in again && again.existing.status).toBe('complete');
    expect(s.payments.list().length).toBe(1);
    // another route to the same destination and amount: still the same success
    const route3 = [{ id: C, channel: '120x1x0', amountMsat: 10002n, delay: 20 }, { ...route2[1] }];
    expect('existing' in attempt(s, reqOf({ route: route3 }))).toBe(true);
    const other = [{ ...route2[0] }, { ...route2[1], amountMsat: 20000n }];
    expect(rpcErr(() => attempt(s, reqOf({ route: other })))).toEqual({ code: 201, message: 'Already succeeded with amount 10000msat (not 20000msat)' });
    const toC = [{ ...route2[0] }, { ...route2[1], id: C }];
    expect(rpcErr(() => attempt(s, reqOf({ route: toC })))).toEqual({ code: 201, message: `Already succeeded to ${B}` });
    expect(rpcErr(() => attempt(s, reqOf({ partid: 3n, amountMsat: 10000n, paymentSecret: SECRET })))).toEqual({ code: 201, message: 'Already succeeded other parts' });
    s.close();
  });

  it('MPP: parts share a group and a total; more than the total pending → 200; failed parts free the amount but keep their key', () => {
    const s = freshStore();
    const part = (partid: bigint, amount: bigint, total = 30000n) => reqOf({
      partid, groupid: 7n, amountMsat: total, paymentSecret: SECRET,
      route: [{ id: A, channel: '116x1x1', amountMsat: amount + 1n, delay: 15 }, { id: B, channel: '118x1x0', amountMsat: amount, delay: 9 }],
    });
    const p1 = attempt(s, part(1n, 10000n)) as any;
    attempt(s, part(2n, 10000n));
    expect(rpcErr(() => attempt(s, part(3n, 10000n, 40000n)))).toEqual({ code: -32602, message: 'msatoshi was previously 30000msat, now 40000msat' });
    const p3 = attempt(s, part(3n, 10000n)) as any;
    expect(p3.inserted.totalMsat).toBe(30000n);
    expect(rpcErr(() => attempt(s, part(4n, 10000n)))).toEqual({ code: 200, message: 'Already have 30000msat of 30000msat payments in progress' });
    s.payments.fail(p1.inserted.id, { code: 204, message: 'failed: WIRE_TEMPORARY_CHANNEL_FAILURE (reply from remote)' });
    expect(rpcErr(() => attempt(s, part(1n, 10000n)))).toEqual({
      code: 201,
      message: `There already is a payment with payment_hash=${H}, groupid=7, partid=1. Either change the partid, or wait for the payment to complete and start a new group.`,
    });
    expect('inserted' in attempt(s, part(4n, 10000n))).toBe(true);
    // a part without groupid gets MAX+1 = 8 while group 7 is pending
    expect(rpcErr(() => attempt(s, { ...part(5n, 1n), groupid: undefined }))).toEqual({ code: 200, message: 'Payment with groupid=7 still in progress, cannot retry before that completes.' });
    s.close();
  });

  it('u64 groupid / partid above 2^63 round-trip through the store', () => {
    const s = freshStore();
    const big = (1n << 64n) - 2n;
    const r = attempt(s, reqOf({ partid: big, groupid: big, amountMsat: 10000n, paymentSecret: SECRET })) as any;
    expect(s.payments.byId(r.inserted.id)).toMatchObject({ partid: big, groupid: big });
    s.close();
  });
});

describe('localinvreqid (§5.5, error 212)', () => {
  it('unknown, inactive, single-use paid or in progress with another hash; completion marks the request used', () => {
    const s = freshStore();
    const IR = 'ab'.repeat(32);
    expect(rpcErr(() => checkInvoiceRequest(IR, H, s.invoiceRequests.get(IR), []))).toEqual({ code: 212, message: `Unknown invoice_request ${IR}` });
    s.invoiceRequests.create({ invreqId: IR, bolt12: 'lnr1test', singleUse: true });
    const r = attempt(s, reqOf({ localinvreqid: IR })) as any;
    expect(r.inserted.localinvreqid).toBe(IR);
    const H2 = 'cd'.repeat(32);
    // pending with H: another hash is refused, the same hash is not
    expect(rpcErr(() => checkInvoiceRequest(IR, H2, s.invoiceRequests.get(IR), s.payments.byInvoiceRequest(IR)))).toEqual({
      code: 212, message: `Single-use invoice_request already in progress with ${H}`,
    });
    checkInvoiceRequest(IR, H, s.invoiceRequests.get(IR), s.payments.byInvoiceRequest(IR));
    s.payments.markSent(r.inserted.id);
    s.payments.complete(r.inserted.id, '11'.repeat(32));
    expect(s.invoiceRequests.get(IR)).toMatchObject({ used: true, active: false });
    expect(rpcErr(() => checkInvoiceRequest(IR, H2, s.invoiceRequests.get(IR), s.payments.byInvoiceRequest(IR)))).toEqual({
      code: 212, message: `Inactive invoice_request ${IR}`,
    });
    expect(rpcErr(() => checkInvoiceRequest(IR, H2, { active: true, singleUse: true }, s.payments.byInvoiceRequest(IR)))).toEqual({
      code: 212, message: `Single-use invoice_request already paid with ${H}`,
    });
    // a multi-use request is never blocked
    checkInvoiceRequest(IR, H2, { active: true, singleUse: false }, s.payments.byInvoiceRequest(IR));
    s.close();
  });
});

describe('store: payments migration and crash stages', () => {
  it('the payments migrations follow the first', () => {
    const s = freshStore();
    expect(schemaVersion(s.db)).toBe(MIGRATIONS.length);
    expect(MIGRATIONS.slice(1, 3).every((m) => /payments/.test(m.name))).toBe(true);
    s.close();
  });
  it('reserved → onion (secrets durable) → in doubt until marked sent; removeReserved only before the onion', () => {
    const s = freshStore();
    const r = attempt(s, reqOf({})) as any;
    expect(s.payments.inDoubt().map((p) => p.id)).toEqual([r.inserted.id]);
    s.payments.setOnion(r.inserted.id, ['ab'.repeat(32), 'cd'.repeat(32)]);
    expect(() => s.payments.setOnion(r.inserted.id, [])).toThrow();
    s.payments.removeReserved(r.inserted.id); // no effect: the onion exists
    const p = s.payments.byId(r.inserted.id)!;
    expect(p.stage).toBe('onion');
    expect(p.sharedSecrets).toEqual(['ab'.repeat(32), 'cd'.repeat(32)]);
    expect(s.payments.inDoubt().length).toBe(1);
    s.payments.markSent(p.id);
    expect(s.payments.inDoubt().length).toBe(0);
    expect(s.payments.inFlight().length).toBe(1);
    s.close();
  });
});

describe('onion payloads (§5.2)', () => {
  it('intermediate hops carry the next hop amount, base+delay and channel; payment_data only with a secret', () => {
    const [p0, p1] = routePayloads(route2, 101, { paymentSecret: SECRET, totalMsat: 10000n });
    // 2: amt 10000 (0x2710), 4: cltv 101+9=110 (0x6e), 6: 118x1x0
    expect(Buffer.from(p0).toString('hex')).toBe('11' + '02022710' + '04016e' + '0608' + '0000760000010000');
    expect(Buffer.from(p1).toString('hex')).toBe('2b' + '02022710' + '04016e' + '0822' + SECRET + '2710');
    const [, q1] = routePayloads(route2, 101, { totalMsat: 10000n });
    expect(Buffer.from(q1).toString('hex')).toBe('07' + '02022710' + '04016e');
  });
});

describe('failure decoding (§5.6; BOLT 4 onion-error-test.json)', () => {
  const EV = vector('onion-error-test.json');
  const secrets: string[] = EV.generate.hops.map((h: any) => h.hop_shared_secret);
  const nodes = [A, B, C, '02' + '11'.repeat(32), '03' + '22'.repeat(32)];
  const route = { ourId: '02' + '33'.repeat(32), nodes, channels: ['1x1x1', '2x2x2', '3x3x3', '4x4x4', '5x5x5'] };

  it('the vector failure onion decodes to the final hop (erring_index 5), 0x2002 temporary_node_failure → 204', () => {
    const f = decodeFailure(route, secrets, EV.errorpacket);
    expect(f).toMatchObject({
      code: 204, erringIndex: 5, failcode: 0x2002, failcodename: 'WIRE_TEMPORARY_NODE_FAILURE',
      erringNode: nodes[4], erringChannel: '5x5x5', message: 'failed: WIRE_TEMPORARY_NODE_FAILURE (reply from remote)',
    });
    expect(f.rawMessage!.startsWith('2002')).toBe(true);
  });
  it('an onion that no secret opens → 202 Malformed error reply, kept as erroronion', () => {
    const junk = 'ff'.repeat(292);
    expect(decodeFailure(route, secrets, junk)).toEqual({ code: 202, message: 'Malformed error reply', erroronion: junk });
  });
  it('classification: final PERM → 203, final BADONION → 202, intermediate → 204 with the channel out of it', () => {
    expect(classify(route, 5, 0x400f, undefined, false)).toMatchObject({ code: 203, failcodename: 'WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS', erringNode: nodes[4] });
    expect(classify(route, 5, 0xc005, undefined, false).code).toBe(202);
    const mid = classify(route, 2, 0x1007, '1007', false);
    expect(mid).toMatchObject({ code: 204, erringIndex: 2, erringNode: B, erringChannel: '3x3x3', failcodename: 'WIRE_TEMPORARY_CHANNEL_FAILURE' });
    expect(mid.erringDirection).toBe(B < C ? 0 : 1);
    // BADONION from an intermediate node blames the next node (it could not read its onion)
    expect(classify(route, 2, 0xc006, undefined, false).erringNode).toBe(C);
  });
});

describe('listsendpays bolt11 → payment hash', () => {
  it('the listsendpays example invoice carries the example payment hash', () => {
    const ex = example('example:listsendpays#1');
    expect(invoicePaymentHash(ex.request.params.bolt11)).toBe(ex.response.payments[0].payment_hash);
    expect(() => invoicePaymentHash('lnbcrt1qqqqqq')).toThrow();
  });
});

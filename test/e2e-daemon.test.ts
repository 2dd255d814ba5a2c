// End to end: `node bin/lnsigner.js <command>` -> JSON-RPC socket -> `lnsigner
// daemon` -> serial client -> `lnsigner emulator` over a real PTY (provisioned
// with pyln-testing "lightning-2", the node of CLN's schema examples) ->
// SQLite. One emulator and one daemon (--developer, for the hidden
// dev_invreq_metadata that reproduces CLN's random metadata) for the file.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBolt12, decodeInvoiceRequest, invreqId } from '../host/bolt12/index.js';
import type { SpawnedEmulator } from '../host/emulator/spawn.js';
import type { AnnouncedProcess } from '../host/process/announced.js';
import { Store } from '../host/store/index.js';
import { x } from './helpers/bytes.js';
import { cli, example, json, L2_NODE_ID, RPC_EXAMPLES, removeTempDirs, startDaemon, startEmulator, tempDir } from './helpers/e2e.js';

let emu: SpawnedEmulator;
let daemon: AnnouncedProcess<{ rpc_file: string }>;
let dir: string;
const run = (...args: string[]) => cli(['--data-dir', join(dir, 'data'), ...args]);
/** A CLN example request sent as -k key=value through the CLI. */
const runExample = (id: string, extra: string[] = []) => {
  const params = example(id).request.params as Record<string, unknown>;
  return run('-k', example(id).request.id.split(':')[1].split('#')[0], ...Object.entries(params).map(([k, v]) => `${k}=${v}`), ...extra);
};
/** The invreq_metadata CLN drew for an example (random bytes; reproduced with dev_invreq_metadata). */
const exampleMetadata = (id: string) => x(decodeBolt12(example(id).response.bolt12).fields.invreq_metadata as Uint8Array);
const withStore = <T>(f: (s: Store) => T): T => {
  const s = Store.open(join(dir, 'data', 'lnsigner.sqlite3'));
  try {
    return f(s);
  } finally {
    s.close();
  }
};
const lni = (issuer: string) =>
  RPC_EXAMPLES.flatMap((e) => JSON.stringify(e.response).match(/lni1[a-z0-9]+/g) ?? []).find(
    (s) => x((decodeBolt12(s).fields as { invoice_node_id: Uint8Array }).invoice_node_id) === issuer,
  )!;

beforeAll(async () => {
  dir = tempDir();
  ({ emu } = await startEmulator(dir));
  daemon = await startDaemon(join(dir, 'data'), join(dir, 'tty'), ['--developer']);
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
  await emu?.stop();
  removeTempDirs();
});

describe('e2e: CLI -> daemon -> emulator (PTY) -> SQLite', () => {
  it('getinfo reports the device provisioned from the vectors', async () => {
    const info = json(await run('getinfo'));
    expect(info).toMatchObject({ id: L2_NODE_ID, network: 'regtest', num_offers: 0, num_invoice_requests: 0 });
  });

  it('invoicerequest reproduces CLN examples byte for byte (device signature included); single_use defaults to true', async () => {
    for (const id of ['example:invoicerequest#1', 'example:invoicerequest#2']) {
      // CLN §4.1: invreq_payer_id = node id, signed by the node key; metadata is
      // CLN's random draw, given back through the hidden developer parameter.
      const r = await runExample(id, [`dev_invreq_metadata=${exampleMetadata(id)}`]);
      expect(r.code, r.stdout).toBe(0);
      expect(json(r)).toEqual(example(id).response);
    }
    // With host-drawn metadata: a new request each time, valid, signed by the node id.
    const a = json(await run('invoicerequest', '1000sat', 'hello', 'me', 'my label', '1900000000'));
    const b = json(await run('invoicerequest', '1000sat', 'hello', 'me', 'my label', '1900000000', 'false'));
    expect(a.invreq_id).not.toBe(b.invreq_id);
    expect(a).toMatchObject({ active: true, single_use: true, used: false, label: 'my label' });
    expect(b).toMatchObject({ single_use: false });
    const req = decodeInvoiceRequest(a.bolt12); // every reader rule and the signature
    // cln-rpc-digest §4.2: invreq_id = SHA-256 of the records 0..159 (+ experimental range).
    expect(x(invreqId(req.records))).toBe(a.invreq_id);
    expect(x(req.fields.invreq_payer_id!)).toBe(L2_NODE_ID);
    expect(req.fields.invreq_metadata).toHaveLength(16);
    expect(req.fields).toMatchObject({ offer_issuer: 'me', offer_description: 'hello', invreq_amount: 1_000_000n, offer_absolute_expiry: 1900000000n });
    // Stored exactly as returned.
    expect(json(await run('listinvoicerequests', a.invreq_id)).invoicerequests).toEqual([a]);
  });

  it('listinvoicerequests / disableinvoicerequest as the CLN examples; a paid single-use request becomes inactive', async () => {
    const [one, two] = ['example:invoicerequest#1', 'example:invoicerequest#2'].map((id) => example(id).response.invreq_id);
    expect(json(await runExample('example:disableinvoicerequest#1'))).toEqual(example('example:disableinvoicerequest#1').response);
    // cln-rpc-digest §1.10: disabling twice is 1001; an unknown id is -1.
    const again = await run('disableinvoicerequest', two);
    expect([again.code, json(again)]).toEqual([1, { code: 1001, message: 'invoice_request is not active' }]);
    expect(json(await run('disableinvoicerequest', 'ab'.repeat(32)))).toEqual({ code: -1, message: 'Unknown invoice_request' });
    // §4.4: paying an invoice for a single-use request marks it used and inactive
    // (the payment flow's store operation, called while the daemon runs).
    const paid = withStore((s) => s.markInvoiceRequestPaid(one));
    expect(paid).toMatchObject({ ok: true, record: { active: false, used: true } });
    expect(json(await run('listinvoicerequests', two))).toEqual(example('example:listinvoicerequests#1').response);
    const all = json(await run('listinvoicerequests')).invoicerequests.filter((r: { invreq_id: string }) => r.invreq_id === one || r.invreq_id === two);
    expect({ invoicerequests: all }).toEqual(example('example:listinvoicerequests#2').response);
    const active = json(await run('listinvoicerequests', '-k', 'active_only=true')).invoicerequests;
    expect(active.every((r: { active: boolean }) => r.active)).toBe(true);
    expect(active.map((r: { invreq_id: string }) => r.invreq_id)).not.toContain(one);
  });

  it('offer / listoffers / disableoffer / enableoffer: CLN examples from the device node id; single_use offers end once paid', async () => {
    for (const id of ['example:offer#1', 'example:offer#2']) expect(json(await runExample(id))).toEqual(example(id).response);
    const dis = json(await run('offer', '2000sat', 'Offer to Disable'));
    expect(dis.offer_id).toBe(example('example:disableoffer#1').response.offer_id);
    expect(json(await run('listoffers', '-k', 'active_only=true'))).toEqual(example('example:listoffers#1').response);
    expect(json(await run('listoffers', dis.offer_id))).toEqual(example('example:listoffers#2').response);
    expect(json(await runExample('example:disableoffer#1'))).toEqual(example('example:disableoffer#1').response);
    // §1.1: the same offer again while inactive is 1000; §1.5 disabling again is 1001.
    expect(json(await run('offer', '2000sat', 'Offer to Disable'))).toEqual({ code: 1000, message: "Already exists, but isn't active" });
    expect(json(await run('disableoffer', dis.offer_id))).toEqual({ code: 1001, message: 'offer is not active' });
    expect(json(await runExample('example:enableoffer#1'))).toEqual(example('example:enableoffer#1').response);
    expect(json(await run('enableoffer', dis.offer_id))).toEqual({ code: 1006, message: 'offer already active' });
    expect(json(await run('enableoffer', 'cd'.repeat(32)))).toEqual({ code: -1, message: 'Unknown offer' });

    // single_use: inactive once paid (status 6), listed so, never enabled again (1007).
    const single = json(await run('-k', 'offer', 'amount=5sat', 'description=once', 'single_use=true'));
    expect(single).toMatchObject({ single_use: true, active: true, used: false, created: true });
    expect(withStore((s) => s.markOfferPaid(single.offer_id))).toMatchObject({ ok: true, record: { active: false, used: true } });
    expect(json(await run('listoffers', single.offer_id)).offers[0]).toMatchObject({ active: false, used: true, single_use: true });
    expect(json(await run('enableoffer', single.offer_id))).toEqual({ code: 1007, message: 'cannot activate an used single use offer' });
    expect(json(await run('offer', '-k', 'amount=5sat', 'description=once', 'single_use=true'))).toEqual({ code: 1000, message: "Already exists, but isn't active" });
    // A paid multi-use offer stays active, marked used.
    const multi = json(await run('offer', '6sat', 'many'));
    withStore((s) => s.markOfferPaid(multi.offer_id));
    expect(json(await run('listoffers', multi.offer_id)).offers[0]).toMatchObject({ active: true, used: true, single_use: false });
  });

  it('offerout: the legacy name creates a signed single-use invoice_request; refund_for keeps the refunded payer key', async () => {
    const o = json(await run('offerout', '2500sat', 'ATM withdrawal', 'lnsigner', 'atm'));
    expect(o).toMatchObject({ active: true, single_use: true, used: false, label: 'atm' });
    const req = decodeInvoiceRequest(o.bolt12);
    expect(req.fields).toMatchObject({ invreq_amount: 2_500_000n, offer_description: 'ATM withdrawal', offer_issuer: 'lnsigner' });
    expect(x(req.fields.invreq_payer_id!)).toBe(L2_NODE_ID);
    expect(o.refund_payer_key).toBeUndefined();

    // Seed 000: refund_for is an invoice of ours; the fetchinvoice example's
    // invoice was issued by lightning-2 to payer 0355...bc3a.
    const ours = lni(L2_NODE_ID);
    const payer = x((decodeBolt12(ours).fields as { invreq_payer_id: Uint8Array }).invreq_payer_id);
    const r = json(await run('-k', 'offerout', 'amount=1000', 'description=refund', `refund_for=${ours}`));
    expect(r).toMatchObject({ single_use: true, refund_payer_key: payer });
    expect(withStore((s) => s.invoiceRequests.get(r.invreq_id)?.refundPayerKey)).toBe(payer);
    // Not ours (issued by lightning-1): refused, nothing stored.
    const before = json(await run('getinfo')).num_invoice_requests;
    const notOurs = lni('038194b5f32bdf0aa59812c86c4ef7ad2f294104fa027d1ace9b469bb6f88cf37b');
    expect(json(await run('-k', 'offerout', 'amount=1000', 'description=refund', `refund_for=${notOurs}`))).toEqual({
      code: -32602,
      // The daemon runs with --developer: a check inside the command echoes the value too, cut to a readable length.
      message: expect.stringMatching(/^refund_for: is not an invoice of ours \(invoice_node_id is not our node id\): invalid token '"lni1\w+\.\.\.\(\d+ chars\)\.\.\.\w+"'$/),
    });
    const garbage = json(await run('-k', 'offerout', 'amount=1000', 'description=refund', 'refund_for=lni1qqqq'));
    expect(garbage.code).toBe(-32602);
    expect(garbage.message).toMatch(/^refund_for: should be a bolt12 invoice \(/);
    // The modern request must state its amount.
    expect(json(await run('offerout', 'any', 'x')).code).toBe(-32602);
    expect(json(await run('getinfo')).num_invoice_requests).toBe(before);
  });

  it('decode as an RPC method: CLN decode JSON, -32602 for strings it cannot decode', async () => {
    const ex = example('example:invoicerequest#1').response.bolt12;
    const d = json(await run('decode', `lightning:${ex}`));
    expect(d).toMatchObject({ type: 'bolt12 invoice_request', invreq_payer_id: L2_NODE_ID, invreq_amount_msat: 1000000, valid: true });
    const offer = json(await run('decode', example('example:offer#1').response.bolt12));
    // cln-rpc-digest §8 (derived from offer example #1).
    expect(offer).toMatchObject({
      type: 'bolt12 offer',
      offer_id: example('example:offer#1').response.offer_id,
      offer_chains: ['06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f'],
      offer_amount_msat: 10000,
      offer_description: 'Fish sale!',
      offer_issuer_id: L2_NODE_ID,
      valid: true,
    });
    // §1.13: nothing parses => -32602.
    const bad = await run('decode', 'not-a-bolt12-string');
    expect([bad.code, json(bad).code]).toEqual([1, -32602]);
    expect(json(await run('decode', 'lno1qqqqq')).code).toBe(-32602);
    expect(json(await run('decode')).message).toBe('missing required parameter: string');
  });

  it('parameter errors (-32602) and currency without a provider (-32601); nothing is stored', async () => {
    const before = json(await run('getinfo'));
    const cases: Array<[string[], string]> = [
      [['invoicerequest', '1000sat'], 'missing required parameter: description'],
      // §1.7: msat grammar only, no `any`, no currencies (developer mode echoes the token).
      [['invoicerequest', 'any', 'x'], `amount: should be a millisatoshi amount: invalid token '"any"'`],
      [['invoicerequest', '10.00USD', 'x'], `amount: should be a millisatoshi amount: invalid token '"10.00USD"'`],
      [['-k', 'invoicerequest', 'amount=1', 'description=x', 'single_use=maybe'], `single_use: should be 'true' or 'false': invalid token '"maybe"'`],
      [['-k', 'invoicerequest', 'amount=1', 'description=x', 'absolute_expiry=-1'], `absolute_expiry: should be an unsigned 64 bit integer: invalid token '"-1"'`],
      [['invoicerequest', '1', 'x', 'null', 'null', 'null', 'true', '00', 'extra'], 'too many parameters: got 8, expected 7'],
      [['-k', 'invoicerequest', 'amount=1', 'description=x', 'payer_note=hi'], expect.stringMatching(/^unknown parameter: payer_note, /) as unknown as string],
      [['offerout', '1sat'], 'missing required parameter: description'],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect([r.code, json(r)], args.join(' ')).toEqual([1, { code: -32602, message }]);
    }
    // §2.4: no currencyconvert => -32601, the offer is not created.
    const usd = json(await run('offer', '10.00USD', 'dollars'));
    expect(usd.code).toBe(-32601);
    expect(usd.message).toMatch(/no currency conversion provider/);
    const after = json(await run('getinfo'));
    expect([after.num_offers, after.num_invoice_requests]).toEqual([before.num_offers, before.num_invoice_requests]);
  });

  it('many concurrent clients creating offers and invoice_requests through the device: no duplicates, nothing lost', async () => {
    const before = json(await run('getinfo'));
    const N = 10;
    const runs = await Promise.all([
      // Every offer twice: N distinct, exactly one created:true each.
      ...[...Array(2 * N).keys()].map((i) => run('offer', `${(i % N) + 100}sat`, `concurrent ${i % N}`)),
      // Each request is signed by the device (one sign_bolt12 round trip each).
      ...[...Array(N).keys()].map((i) => run('invoicerequest', `${i + 1}sat`, `concurrent req ${i}`)),
    ]);
    expect(runs.map((r) => r.code)).toEqual(runs.map(() => 0));
    const results = runs.map(json);
    const offers = results.filter((r) => r.offer_id);
    const offerIds = new Set(offers.map((r) => r.offer_id));
    expect(offerIds.size).toBe(N);
    for (const id of offerIds) expect(offers.filter((r) => r.offer_id === id && r.created).length).toBe(1);
    const reqIds = new Set(results.filter((r) => r.invreq_id).map((r) => r.invreq_id));
    expect(reqIds.size).toBe(N);
    const listedOffers = new Set(json(await run('listoffers')).offers.map((o: { offer_id: string }) => o.offer_id));
    const listedReqs = new Map(json(await run('listinvoicerequests')).invoicerequests.map((r: { invreq_id: string; bolt12: string }) => [r.invreq_id, r.bolt12]));
    for (const id of offerIds) expect(listedOffers.has(id)).toBe(true);
    for (const r of results.filter((r) => r.invreq_id)) {
      expect(listedReqs.get(r.invreq_id)).toBe(r.bolt12);
      decodeInvoiceRequest(r.bolt12); // each carries a valid device signature
    }
    const after = json(await run('getinfo'));
    expect([after.num_offers - before.num_offers, after.num_invoice_requests - before.num_invoice_requests]).toEqual([N, N]);
  });
});

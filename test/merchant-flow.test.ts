// The merchant flow in process (issue 11 items 2, 4, 5, 6 host side): offers
// through the device port, invoice_requests delivered to the plugin's hooks as
// lightningd delivers them, the reply read back through real onion-message
// peeling, settlement through htlc_accepted, and the invoice commands. The
// device is the TEST-ONLY @noble stand-in (test/helpers/merchant-standin.ts)
// until the device branch's offer_create/sign_invoice/release_preimage merge.
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeOffer, encodeBolt12String, checkSignature, DEFAULT_RELATIVE_EXPIRY } from '../host/bolt12/index.js';
import { incorrectOrUnknown } from '../host/merchant/settle.js';
import { deliver, invoicePathId, makeWorld, Payer, readReply, type World } from './helpers/merchant-world.js';

let worlds: World[] = [];
const world = (...a: Parameters<typeof makeWorld>) => {
  const w = makeWorld(...a);
  worlds.push(w);
  return w;
};
afterEach(() => {
  for (const w of worlds.splice(0)) w.close();
});

const htlc = (w: World, inv: ReturnType<typeof readReply>['invoice'], amount: bigint, total?: bigint, pathId?: Uint8Array) => ({
  onion: { payment_secret: bytesToHex(pathId ?? invoicePathId(w, inv!)), total_msat: Number(total ?? amount) },
  htlc: { payment_hash: bytesToHex(inv!.fields.invoice_payment_hash!), amount_msat: Number(amount), cltv_expiry: 700, cltv_expiry_relative: 200 },
});

describe('offers with key modes', () => {
  it('device-key offer: device-derived issuer id, offer_metadata, a blinded path through the connected peer', async () => {
    const w = world('device');
    const r = await w.run('offer', { amount: '1000msat', description: 'coffee' });
    const o = decodeOffer(r.bolt12);
    expect(o.fields.offer_metadata).toHaveLength(48);
    expect(bytesToHex(o.fields.offer_issuer_id!)).not.toBe(bytesToHex(w.nodeId));
    expect(o.fields.offer_paths).toHaveLength(1);
    expect(o.fields.offer_paths![0].hops).toHaveLength(2);
    expect(o.fields.offer_paths![0].firstNodeId).toEqual({ pubkey: w.peerId });
    expect(w.store.offers.get(r.offer_id)!.keyMode).toBe('device');
    expect(w.standin.calls).toContain('offer_create');
  });

  it('device-key offer without a connected peer is refused (nobody could reach it)', async () => {
    const w = world('device');
    w.peerConnected = false;
    await expect(w.run('offer', { amount: '1000msat', description: 'x' })).rejects.toThrow(/no connected peer/);
  });

  it('node-key offer: issuer id = node id, no paths, recorded as node mode', async () => {
    const w = world('node');
    const r = await w.run('offer', { amount: '1000msat', description: 'coffee' });
    const o = decodeOffer(r.bolt12);
    expect(o.fields.offer_issuer_id).toEqual(w.nodeId);
    expect(o.fields.offer_paths).toBeUndefined();
    expect(o.fields.offer_metadata).toHaveLength(48);
    expect(w.store.offers.get(r.offer_id)!.keyMode).toBe('node');
  });
});

describe('invoice_request → invoice → payment', () => {
  for (const mode of ['device', 'node'] as const) {
    it(`${mode}-key: invoice signed by the issuer key, path [peer, us], paid through htlc_accepted, listed paid`, async () => {
      const w = world(mode);
      const offer = await w.run('offer', { amount: '50000msat', description: 'tea', quantity_max: 5 });
      const payer = new Payer();
      const req = payer.request(offer.bolt12, { invreq_quantity: 2n, invreq_payer_note: 'hi' });
      const { answer, sent } = await deliver(w, req, { offer: offer.bolt12 });
      expect(answer).toEqual({ result: 'lnsigner' });
      expect(sent).toHaveLength(1);
      const { invoice, error } = readReply(w, sent[0]);
      expect(error, w.logs.join('\n')).toBeUndefined();
      expect(invoice).toBeDefined();
      const inv = invoice!;
      checkSignature(inv);
      expect(inv.fields.invoice_node_id).toEqual(decodeOffer(offer.bolt12).fields.offer_issuer_id);
      expect(inv.fields.invoice_amount).toBe(100000n);
      expect(inv.fields.invoice_relative_expiry).toBeUndefined(); // 7200 is omitted
      expect(bytesToHex(inv.fields.invoice_features!)).toBe('020000');
      expect(inv.fields.invoice_paths![0].firstNodeId).toEqual({ pubkey: w.peerId });
      expect(inv.fields.invoice_blindedpay![0]).toMatchObject({ feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 50 });
      // every request record copied byte for byte
      const reqRecords = Buffer.from(req.subarray(0, req.length - 66)).toString('hex');
      expect(Buffer.from(inv.bytes).toString('hex')).toContain(reqRecords.slice(0, 40));
      const label = `${offer.offer_id}-${bytesToHex(payer.id)}-0`;
      let list = await w.run('listinvoices', { label });
      expect(list.invoices[0]).toMatchObject({ label, status: 'unpaid', amount_msat: 100000n, local_offer_id: offer.offer_id, invreq_payer_note: 'hi', created_index: 1 });
      expect(list.invoices[0].payment_preimage).toBeUndefined();

      const waiting = w.run('waitinvoice', { label });
      const reply = await w.hooks.dispatch('htlc_accepted', htlc(w, inv, 100000n));
      expect(reply.result).toBe('resolve');
      const preimage = (reply as { payment_key: string }).payment_key;
      expect(bytesToHex(sha256(Buffer.from(preimage, 'hex')))).toBe(bytesToHex(inv.fields.invoice_payment_hash!));
      const paid = await waiting;
      expect(paid).toMatchObject({ status: 'paid', amount_received_msat: 100000n, payment_preimage: preimage, pay_index: 1, paid_at: w.clock.now });
      list = await w.run('listinvoices', {});
      expect(list.invoices[0].status).toBe('paid');
      expect((await w.run('listoffers', { offer_id: offer.offer_id })).offers[0].used).toBe(true);
      expect(await w.run('waitanyinvoice', { lastpay_index: 0 })).toMatchObject({ label, pay_index: 1 });
      // a replayed HTLC (restart) is resolved from the store, the device is not asked again
      const n = w.standin.calls.filter((c) => c === 'release_preimage').length;
      expect(await w.hooks.dispatch('htlc_accepted', htlc(w, inv, 100000n))).toEqual({ result: 'resolve', payment_key: preimage });
      expect(w.standin.calls.filter((c) => c === 'release_preimage').length).toBe(n);
    });
  }

  it('a repeat request returns the stored unpaid invoice', async () => {
    const w = world('node');
    const offer = await w.run('offer', { amount: '1000msat', description: 'x' });
    const payer = new Payer();
    const a = readReply(w, (await deliver(w, payer.request(offer.bolt12))).sent[0]).invoice!;
    w.clock.now += 10;
    const b = readReply(w, (await deliver(w, payer.request(offer.bolt12, { invreq_payer_note: 'changed' }))).sent[0]).invoice!;
    expect(bytesToHex(b.bytes)).toBe(bytesToHex(a.bytes));
    expect((await w.run('listinvoices', {})).invoices).toHaveLength(1);
  });

  it('no reply path: the invoice is stored, nothing sent', async () => {
    const w = world('node');
    const offer = await w.run('offer', { amount: '1000msat', description: 'x' });
    const { answer, sent } = await deliver(w, new Payer().request(offer.bolt12), { reply: false });
    expect(answer).toEqual({ result: 'lnsigner' });
    expect(sent).toHaveLength(0);
    expect((await w.run('listinvoices', {})).invoices).toHaveLength(1);
  });

  it('requests for offers that are not ours continue (CLN\'s offers plugin answers them)', async () => {
    const w = world('node');
    const other = makeWorld('node');
    worlds.push(other);
    const offer = await other.run('offer', { amount: '1000msat', description: 'theirs' });
    const { answer, sent } = await deliver(w, new Payer().request(offer.bolt12));
    expect(answer).toEqual({ result: 'continue' });
    expect(sent).toHaveLength(0);
    expect((await w.hooks.dispatch('onion_message_recv', { onion_message: { unknown_fields: [] } }))).toEqual({ result: 'continue' });
  });

  it('single-use offer: inactive once paid, a second request gets "Offer no longer available"', async () => {
    const w = world('node');
    const offer = await w.run('offer', { amount: '1000msat', description: 'once', single_use: true });
    const inv = readReply(w, (await deliver(w, new Payer().request(offer.bolt12))).sent[0]).invoice!;
    expect((await w.hooks.dispatch('htlc_accepted', htlc(w, inv, 1000n))).result).toBe('resolve');
    const o = (await w.run('listoffers', {})).offers[0];
    expect(o).toMatchObject({ active: false, used: true, single_use: true });
    const req = new Payer().request(offer.bolt12);
    const { error } = readReply(w, (await deliver(w, req)).sent[0]);
    expect(error).toBe(`Failed invreq ${encodeBolt12String('lnr', req)}: Offer no longer available`);
  });
});

describe('settlement', () => {
  it('MPP parts are held until the total arrives, then all resolve with the same preimage', async () => {
    const w = world('node');
    const offer = await w.run('offer', { amount: '30000msat', description: 'mpp' });
    const inv = readReply(w, (await deliver(w, new Payer().request(offer.bolt12))).sent[0]).invoice!;
    const p1 = w.hooks.dispatch('htlc_accepted', htlc(w, inv, 10000n, 30000n));
    const p2 = w.hooks.dispatch('htlc_accepted', htlc(w, inv, 10000n, 30000n));
    let settled = false;
    void p1.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
    expect((await w.run('listinvoices', {})).invoices[0].status).toBe('unpaid');
    const p3 = w.hooks.dispatch('htlc_accepted', htlc(w, inv, 10000n, 30000n));
    const rs = await Promise.all([p1, p2, p3]);
    expect(rs.map((r) => r.result)).toEqual(['resolve', 'resolve', 'resolve']);
    expect(new Set(rs.map((r) => (r as { payment_key: string }).payment_key)).size).toBe(1);
    expect((await w.run('listinvoices', {})).invoices[0]).toMatchObject({ status: 'paid', amount_received_msat: 30000n });
  });

  it('wrong path_id, too little, too much, CLTV too near, expired: incorrect_or_unknown_payment_details; not ours: continue', async () => {
    const w = world('node');
    const offer = await w.run('offer', { amount: '30000msat', description: 'x' });
    const inv = readReply(w, (await deliver(w, new Payer().request(offer.bolt12))).sent[0]).invoice!;
    const fail = (amt: bigint) => ({ result: 'fail', failure_message: incorrectOrUnknown(amt, 500) });
    expect(await w.hooks.dispatch('htlc_accepted', htlc(w, inv, 30000n, 30000n, new Uint8Array(32)))).toEqual(fail(30000n));
    expect(await w.hooks.dispatch('htlc_accepted', htlc(w, inv, 20000n, 20000n))).toEqual(fail(20000n));
    expect(await w.hooks.dispatch('htlc_accepted', htlc(w, inv, 60001n, 60001n))).toEqual(fail(60001n));
    const near = htlc(w, inv, 30000n);
    near.htlc.cltv_expiry_relative = 9; // < cltv_final 10 (regtest)
    expect(await w.hooks.dispatch('htlc_accepted', near)).toEqual(fail(30000n));
    expect(incorrectOrUnknown(30000n, 500)).toBe('400f' + '0000000000007530' + '000001f4');
    expect(await w.hooks.dispatch('htlc_accepted', { htlc: { payment_hash: '11'.repeat(32), amount_msat: 1 }, onion: {} })).toEqual({ result: 'continue' });
    w.clock.now += DEFAULT_RELATIVE_EXPIRY + 1;
    expect(await w.hooks.dispatch('htlc_accepted', htlc(w, inv, 30000n))).toEqual(fail(30000n));
    expect((await w.run('listinvoices', {})).invoices[0].status).toBe('expired');
  });
});

describe('a daemon killed at any moment', () => {
  it('between storing the invoice and sending it: the payer\'s retry gets the stored invoice', async () => {
    let w = world('node');
    const offer = await w.run('offer', { amount: '1000msat', description: 'x' });
    const payer = new Payer();
    const req = payer.request(offer.bolt12);
    w.failNextInject = true;
    const first = await deliver(w, req);
    expect(first.answer).toEqual({ result: 'lnsigner' });
    expect(first.sent).toHaveLength(0);
    w = w.restart();
    worlds.push(w);
    const stored = (await w.run('listinvoices', {})).invoices;
    expect(stored).toHaveLength(1);
    const inv = readReply(w, (await deliver(w, req)).sent[0]).invoice!;
    expect(encodeBolt12String('lni', inv.bytes)).toBe(stored[0].bolt12);
    expect((await w.run('listinvoices', {})).invoices).toHaveLength(1);
  });

  it('between the device releasing the preimage and the paid record: the replayed HTLC settles once', async () => {
    let w = world('node');
    const offer = await w.run('offer', { amount: '1000msat', description: 'x' });
    const inv = readReply(w, (await deliver(w, new Payer().request(offer.bolt12))).sent[0]).invoice!;
    // The device released the preimage, then the daemon died before the commit: nothing answered.
    const orig = w.standin.releasePreimage.bind(w.standin);
    let released = 0;
    w.standin.releasePreimage = async (a, s) => {
      released++;
      await orig(a, s);
      return new Promise<Uint8Array>(() => {}); // killed here
    };
    const unanswered = w.hooks.dispatch('htlc_accepted', htlc(w, inv, 1000n));
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(1);
    expect((await w.run('listinvoices', {})).invoices[0].status).toBe('unpaid');
    void unanswered;
    w = w.restart();
    worlds.push(w);
    // lightningd replays the HTLC at restart.
    const r1 = await w.hooks.dispatch('htlc_accepted', htlc(w, inv, 1000n));
    expect(r1.result).toBe('resolve');
    const paid = (await w.run('listinvoices', {})).invoices[0];
    expect(paid).toMatchObject({ status: 'paid', pay_index: 1, payment_preimage: (r1 as { payment_key: string }).payment_key });
    // between the record and the answer: replayed again, resolved from the store, still paid once.
    w = w.restart();
    worlds.push(w);
    expect(await w.hooks.dispatch('htlc_accepted', htlc(w, inv, 1000n))).toEqual(r1);
    expect(w.standin.calls).not.toContain('release_preimage');
    expect((await w.run('listinvoices', {})).invoices.map((i: { pay_index: number }) => i.pay_index)).toEqual([1]);
  });
});

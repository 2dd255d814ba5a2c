// Every invoice_request reader rule of cln-offers-flow-digest §3.2 (and the
// amount §3.4 and recurrence §3.6 rules) answered with Core Lightning's text,
// `Failed invreq <lnr1…>: <reason>`, in an invoice_error along the reply path;
// requests that are not for our offers continue to CLN's own plugin.
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBolt12String, encodeTlvStream, readTlvRecords } from '../host/bolt12/index.js';
import { deliver, makeWorld, Payer, readReply, type World } from './helpers/merchant-world.js';
import { invoiceAmount } from '../host/merchant/invreq.js';
import { parseTlvMessage } from '../host/bolt12/message.js';

let worlds: World[] = [];
const world = (...a: Parameters<typeof makeWorld>) => {
  const w = makeWorld(...a);
  worlds.push(w);
  return w;
};
afterEach(() => {
  for (const w of worlds.splice(0)) w.close();
});
const utf8 = (s: string) => new TextEncoder().encode(s);
/** `req` with one more record of `type` (in order). */
const withRecord = (req: Uint8Array, type: bigint) =>
  encodeTlvStream([...readTlvRecords(req).map((r) => ({ type: r.type, value: r.value })), { type, value: new Uint8Array(1) }]);

/** Sends `req` and returns the invoice_error text (or 'invoice' / 'nothing'). */
async function answer(w: World, req: Uint8Array, o: Parameters<typeof deliver>[2] = {}): Promise<string> {
  const { answer: a, sent } = await deliver(w, req, o);
  if (a.result === 'continue') return 'continue';
  if (sent.length === 0) return 'nothing';
  const r = readReply(w, sent[0]);
  return r.error ?? 'invoice';
}
const failed = (req: Uint8Array, reason: string) => `Failed invreq ${encodeBolt12String('lnr', req)}: ${reason}`;

describe('§3.2 validation, in order, with CLN\'s texts', () => {
  it('rules 1–7 and 16–18 on a node-key offer', async () => {
    const w = world('node');
    const offer = (await w.run('offer', { amount: '1000msat', description: 'x', quantity_max: 5 })).bolt12;
    const plain = (await w.run('offer', { amount: '1000msat', description: 'plain' })).bolt12;
    const p = new Payer();
    const q = { invreq_quantity: 1n };
    // 1 unknown even type in the invreq range (the offer id is unchanged, so it is ours)
    const even = withRecord(p.request(offer, q), 100n);
    expect(await answer(w, even)).toBe('Failed invreq: Invalid invreq');
    // 2 an odd record outside the ranges (after the signature)
    const high = withRecord(p.request(offer, q), 1001n);
    expect(await answer(w, high)).toBe(failed(high, 'Invalid high fields'));
    let r = p.request(offer, { ...q, invreq_payer_id: undefined }, { sign: false });
    expect(await answer(w, r)).toBe(failed(r, 'Missing invreq_payer_id'));
    r = p.request(offer, { ...q, invreq_metadata: undefined });
    expect(await answer(w, r)).toBe(failed(r, 'Missing invreq_metadata'));
    r = p.request(offer, { ...q, invreq_features: Uint8Array.of(0x01) });
    expect(await answer(w, r)).toBe(failed(r, 'Unsupported invreq feature 0'));
    r = p.request(offer, { ...q, invreq_bip_353_name: { name: utf8('a b'), domain: utf8('example.com') } });
    expect(await answer(w, r)).toBe(failed(r, 'invalid bip353 name fields'));
    r = p.request(offer, q, { chain: false });
    expect(await answer(w, r)).toBe(failed(r, 'Wrong chain 6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000'));
    // 16 quantity
    r = p.request(offer);
    expect(await answer(w, r)).toBe(failed(r, 'missing invreq_quantity'));
    r = p.request(offer, { invreq_quantity: 0n });
    expect(await answer(w, r)).toBe(failed(r, 'quantity zero invalid'));
    r = p.request(offer, { invreq_quantity: 6n });
    expect(await answer(w, r)).toBe(failed(r, 'quantity 6 > 5'));
    r = p.request(plain, { invreq_quantity: 1n });
    expect(await answer(w, r)).toBe(failed(r, 'unexpected invreq_quantity'));
    // 17 signature
    r = p.request(offer, q, { sign: false });
    expect(await answer(w, r)).toBe(failed(r, 'missing signature'));
    r = p.request(offer, q);
    r[r.length - 1] ^= 1;
    expect(await answer(w, r)).toBe(failed(r, 'bad signature'));
    // 18 recurrence fields on an offer that does not recur
    r = p.request(plain, { invreq_recurrence_counter: 0 });
    expect(await answer(w, r)).toBe(failed(r, 'unexpected invreq_recurrence_counter'));
    r = p.request(plain, { invreq_recurrence_start: 0 });
    expect(await answer(w, r)).toBe(failed(r, 'unexpected invreq_recurrence_start'));
    r = p.request(plain, { invreq_recurrence_cancel: new Uint8Array(0) } as never);
    expect(await answer(w, r)).toBe(failed(r, 'unexpected invreq_recurrence_cancel'));
    // nothing without a reply path
    expect(await answer(w, p.request(offer), { reply: false })).toBe('nothing');
    // no invoice was stored for any of them
    expect((await w.run('listinvoices', {})).invoices).toEqual([]);
  });

  it('rules 8–9: requests that are not for our offers continue (CLN\'s offers plugin answers them)', async () => {
    const w = world('node');
    const other = world('node');
    const theirs = (await other.run('offer', { amount: '1000msat', description: 'theirs' })).bolt12;
    expect(await answer(w, new Payer().request(theirs))).toBe('continue');
    // a stream that does not even frame
    expect((await w.hooks.dispatch('onion_message_recv', { onion_message: { invoice_request: 'fd', unknown_fields: [] } }))).toEqual({ result: 'continue' });
  });

  it('rules 10–11: blinded path misuse answers "Unknown offer" without saying which case', async () => {
    const w = world('device');
    const offer = (await w.run('offer', { amount: '1000msat', description: 'x' })).bolt12;
    const node = world('node');
    const nodeOffer = (await node.run('offer', { amount: '1000msat', description: 'y' })).bolt12;
    const p = new Payer();
    let r = p.request(offer);
    expect(await answer(w, r, { secret: null })).toBe(failed(r, 'Unknown offer')); // 11 no secret, offer has paths
    r = p.request(offer);
    expect(await answer(w, r, { secret: new Uint8Array(32).fill(9) })).toBe(failed(r, 'Unknown offer')); // 10 wrong secret
    r = p.request(nodeOffer);
    expect(await answer(node, r, { secret: new Uint8Array(32).fill(9) })).toBe(failed(r, 'Unknown offer')); // 10 secret, no paths
    r = p.request(offer);
    expect(await answer(w, r, { offer })).toBe('invoice');
  });

  it('rules 12 and 14: disabled and expired offers', async () => {
    const w = world('node');
    const o = await w.run('offer', { amount: '1000msat', description: 'x' });
    await w.run('disableoffer', { offer_id: o.offer_id });
    let r = new Payer().request(o.bolt12);
    expect(await answer(w, r)).toBe(failed(r, 'Offer no longer available'));
    const e = await w.run('offer', { amount: '1000msat', description: 'old', absolute_expiry: w.clock.now });
    r = new Payer().request(e.bolt12);
    expect(await answer(w, r)).toBe(failed(r, 'Offer expired'));
    const later = await w.run('offer', { amount: '1000msat', description: 'later', absolute_expiry: w.clock.now + 100 });
    const inv = readReply(w, (await deliver(w, new Payer().request(later.bolt12))).sent[0]).invoice!;
    expect(inv.fields.invoice_relative_expiry).toBe(100); // §3.5 capped at the offer's expiry
  });
});

describe('§3.4 amount', () => {
  it('invreq_amount bounds and any-amount offers', async () => {
    const w = world('node');
    const offer = (await w.run('offer', { amount: '1000msat', description: 'x' })).bolt12;
    const any = (await w.run('offer', { amount: 'any', description: 'tip' })).bolt12;
    let r = new Payer().request(offer, { invreq_amount: 999n });
    expect(await answer(w, r)).toBe(failed(r, 'Amount must be at least 1000msat'));
    r = new Payer().request(offer, { invreq_amount: 5000n });
    expect(await answer(w, r)).toBe('invoice'); // floor(5000/5) = 1000: allowed
    r = new Payer().request(offer, { invreq_amount: 5005n });
    expect(await answer(w, r)).toBe(failed(r, 'Amount vastly exceeds 1000msat'));
    r = new Payer().request(any);
    expect(await answer(w, r)).toBe(failed(r, 'missing invreq_amount'));
    const p = new Payer();
    const inv = readReply(w, (await deliver(w, p.request(any, { invreq_amount: 4242n }))).sent[0]).invoice!;
    expect(inv.fields.invoice_amount).toBe(4242n);
  });

  it('quantity multiplies before conversion; currency offers convert and cap expiry at 600 s', async () => {
    const rates = { name: 'test', convert: async (c: string, a: number) => (c === 'USD' ? BigInt(Math.round(a * 100)) * 20_000n : Promise.reject(new Error('no'))) };
    const w = world('node', { currency: rates });
    const offer = (await w.run('offer', { amount: '2.50USD', description: 'x', quantity_max: 0 })).bolt12;
    const inv = readReply(w, (await deliver(w, new Payer().request(offer, { invreq_quantity: 3n }))).sent[0]).invoice!;
    expect(inv.fields.invoice_amount).toBe(750n * 20_000n);
    expect(inv.fields.invoice_relative_expiry).toBe(600);
    const req = parseTlvMessage('invoice_request', new Payer().request(offer, { invreq_quantity: 2n ** 62n }));
    await expect(invoiceAmount(req, rates)).rejects.toThrow(`quantity ${2n ** 62n} causes overflow`);
  });
});

describe('§3.6 recurrence', () => {
  it('counter, previous invoice paid, limit, paywindow, basetime carried', async () => {
    const w = world('node');
    const o = await w.run('offer', { amount: '1000msat', description: 'sub', recurrence: '1hour', recurrence_limit: 2 });
    const p = new Payer();
    let r = p.request(o.bolt12);
    expect(await answer(w, r)).toBe(failed(r, 'missing invreq_recurrence_counter'));
    r = p.request(o.bolt12, { invreq_recurrence_counter: 1 });
    expect(await answer(w, r)).toBe(failed(r, 'No previous invoice #0'));
    const inv0 = readReply(w, (await deliver(w, p.request(o.bolt12, { invreq_recurrence_counter: 0 }))).sent[0]).invoice!;
    expect(inv0.fields.invoice_recurrence_basetime).toBe(BigInt(w.clock.now));
    expect(inv0.fields.invoice_relative_expiry).toBe(3600 - 1); // period 0's window ends where period 1 starts
    r = p.request(o.bolt12, { invreq_recurrence_counter: 1 });
    expect(await answer(w, r)).toBe(failed(r, 'Previous invoice #0 status "unpaid"'));
    const lbl0 = `${o.offer_id}-${Buffer.from(p.id).toString('hex')}-0`;
    const h0 = Buffer.from(inv0.fields.invoice_payment_hash!).toString('hex');
    w.store.invoices.markPaid(h0, 1000n, '00'.repeat(32), w.clock.now);
    expect(w.store.invoices.byLabel(lbl0)!.status).toBe('paid');
    w.clock.now += 3600;
    const inv1 = readReply(w, (await deliver(w, p.request(o.bolt12, { invreq_recurrence_counter: 1 }))).sent[0]).invoice!;
    expect(inv1.fields.invoice_recurrence_basetime).toBe(inv0.fields.invoice_recurrence_basetime);
    w.store.invoices.markPaid(Buffer.from(inv1.fields.invoice_payment_hash!).toString('hex'), 1000n, '01'.repeat(32), w.clock.now);
    // period 2 is requested too late (its window ended): ended at start of period 3 − 1
    w.clock.now += 3 * 3600;
    r = p.request(o.bolt12, { invreq_recurrence_counter: 2 });
    const base = Number(inv0.fields.invoice_recurrence_basetime);
    expect(await answer(w, r)).toBe(failed(r, `period_index 2 too late (ended ${base + 3 * 3600 - 1})`));
    r = p.request(o.bolt12, { invreq_recurrence_counter: 3 });
    expect(await answer(w, r)).toBe(failed(r, 'No previous invoice #2'));
  });

  it('base: start required, too early, past the limit, `@` base forces period 0', async () => {
    const w = world('node');
    const base = w.clock.now + 7200;
    const o = await w.run('offer', { amount: '1000msat', description: 'b', recurrence: '1hour', recurrence_base: base, recurrence_limit: 5, recurrence_paywindow: '-60+600' });
    const p = new Payer();
    let r = p.request(o.bolt12, { invreq_recurrence_counter: 0 });
    expect(await answer(w, r)).toBe(failed(r, 'missing invreq_recurrence_start'));
    r = p.request(o.bolt12, { invreq_recurrence_counter: 0, invreq_recurrence_start: 0 });
    expect(await answer(w, r)).toBe(failed(r, `period_index 0 too early (start ${base - 60})`));
    r = p.request(o.bolt12, { invreq_recurrence_counter: 0, invreq_recurrence_start: 6 });
    expect(await answer(w, r)).toBe(failed(r, 'period_index 6 too great'));
    w.clock.now = base + 2 * 3600 + 10;
    const inv = readReply(w, (await deliver(w, p.request(o.bolt12, { invreq_recurrence_counter: 0, invreq_recurrence_start: 2 }))).sent[0]).invoice!;
    expect(inv.fields.invoice_recurrence_basetime).toBe(BigInt(base));
    expect(inv.fields.invoice_relative_expiry).toBe(590);
    const at = await w.run('offer', { amount: '1000msat', description: 'at', recurrence: '1hour', recurrence_base: `@${base - 7200}` });
    r = new Payer().request(at.bolt12, { invreq_recurrence_counter: 0, invreq_recurrence_start: 2 });
    expect(await answer(w, r)).toBe(failed(r, 'invreq_recurrence_start 2 not allowed: this offer starts at period 0'));
  });

  it('invreq_recurrence_cancel: validated like any request, recorded under the period\'s label, never answered; that period and the next refused', async () => {
    const w = world('node');
    const o = await w.run('offer', { amount: '1000msat', description: 'c', recurrence: '1hour', recurrence_limit: 3 });
    const p = new Payer();
    const cancel = { invreq_recurrence_cancel: new Uint8Array(0) } as never;
    const inv0 = readReply(w, (await deliver(w, p.request(o.bolt12, { invreq_recurrence_counter: 0 }))).sent[0]).invoice!;
    // validated: period 1 needs period 0 paid, as a request would
    let r = p.request(o.bolt12, { invreq_recurrence_counter: 1, ...(cancel as object) });
    expect(await answer(w, r)).toBe(failed(r, 'Previous invoice #0 status "unpaid"'));
    w.store.invoices.markPaid(Buffer.from(inv0.fields.invoice_payment_hash!).toString('hex'), 1000n, '00'.repeat(32), w.clock.now);
    // a period whose previous one was never invoiced is refused too
    r = p.request(o.bolt12, { invreq_recurrence_counter: 4, ...(cancel as object) });
    expect(await answer(w, r)).toBe(failed(r, 'No previous invoice #3'));
    // accepted: recorded, nothing sent back (even with a reply path), no invoice stored, the device not asked
    const label1 = `${o.offer_id}-${Buffer.from(p.id).toString('hex')}-1`;
    const deviceCalls: string[] = [];
    for (const m of ['invoiceIds', 'signInvoice'] as const) {
      const orig = (w.standin[m] as (...a: unknown[]) => Promise<unknown>).bind(w.standin);
      (w.standin as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => { deviceCalls.push(m); return orig(...a); };
    }
    r = p.request(o.bolt12, { invreq_recurrence_counter: 1, ...(cancel as object) });
    expect(await answer(w, r)).toBe('nothing');
    expect(w.store.invoices.cancelled(label1)).toMatchObject({ label: label1, recurrenceCounter: 1, localOfferId: o.offer_id });
    expect(w.store.invoices.byLabel(label1)).toBeUndefined();
    expect(deviceCalls).toEqual([]);
    // a repeated cancel: still nothing
    expect(await answer(w, p.request(o.bolt12, { invreq_recurrence_counter: 1, ...(cancel as object) }))).toBe('nothing');
    // the cancelled period: CLN's "invoice cancelled"; the next one: its previous invoice reads as expired (CLN's text)
    r = p.request(o.bolt12, { invreq_recurrence_counter: 1 });
    expect(await answer(w, r)).toBe(failed(r, 'invoice cancelled'));
    r = p.request(o.bolt12, { invreq_recurrence_counter: 2 });
    expect(await answer(w, r)).toBe(failed(r, 'Previous invoice #1 status "expired"'));
    // another payer's recurrence is untouched
    const q = new Payer();
    expect(await answer(w, q.request(o.bolt12, { invreq_recurrence_counter: 0 }))).toBe('invoice');
    // the other payer was invoiced: the device was asked for that one only
    expect(deviceCalls).toEqual(['invoiceIds', 'signInvoice']);
  });

  it('proportional amount: the fraction of the period left, never CLN\'s integer quotient', async () => {
    const w = world('node');
    const o = await w.run('offer', { amount: '1000msat', description: 'p', recurrence: '1hour', recurrence_base: w.clock.now - 900, recurrence_paywindow: '-60+3600%' });
    const inv = readReply(w, (await deliver(w, new Payer().request(o.bolt12, { invreq_recurrence_counter: 0, invreq_recurrence_start: 0 }))).sent[0]).invoice!;
    expect(inv.fields.invoice_amount).toBe(750n);
  });
});

// The checks on an invoice sent for our own invoice_request
// (host/payer/invoice-check.ts; cln-offers-flow-digest §4.5): each check in
// CLN's order with its invoice_error text, what is not ours (passed on), the
// refund_for key, the amount, and the per-request queue of the hook
// (host/payer/invoice-hook.ts). Invoices are built with @noble
// (test/helpers/payer.ts); the request row is what the store would hold.
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { secp } from '../host/crypto/noble.js';
import { encodeBolt12String, invreqId } from '../host/bolt12/index.js';
import type { InvoiceRequestRecord } from '../host/store/index.js';
import { checkSentInvoice, sentInvoiceErrorText, type SentInvoiceCheck } from '../host/payer/invoice-check.js';
import { KeyedQueue } from '../host/payer/invoice-hook.js';
import { desc, invoice, key, OTHER_PRIV, request, type Req } from './helpers/payer.js';
import { ascii } from './helpers/bytes.js';
import { rec, stream, tu } from './helpers/merchant.js';

const NOW = 1_800_000_000;
const PAYER_PRIV = key('our node');
/** Our lnr1…: offer_description, invreq_chain-less, invreq_amount 10000, payer id = "our node id". */
const ours: Req = request(() => new Uint8Array(), [desc], [rec(82, tu(10_000))], { payerPriv: PAYER_PRIV });
const lnr = encodeBolt12String('lnr', stream([...ours.recs, rec(240, ours.signature)]));
const ID = bytesToHex(invreqId(stream(ours.recs)));
const row = (over: Partial<InvoiceRequestRecord> = {}): InvoiceRequestRecord =>
  ({ invreqId: ID, bolt12: lnr, active: true, singleUse: true, used: false, createdAt: NOW - 10, ...over });

function check(tlv: Uint8Array, o: { row?: InvoiceRequestRecord; pathsecret?: Uint8Array; now?: number } = {}): SentInvoiceCheck | undefined {
  const r = o.row ?? row();
  return checkSentInvoice({ bytes: tlv, pathsecret: o.pathsecret, now: o.now ?? NOW, lookup: (id) => (id === r.invreqId ? r : undefined) });
}
const inv = (o: Parameters<typeof invoice>[2] = {}, amount = 10_000n) => invoice(ours, amount, o, NOW).tlv;
const reason = (c: SentInvoiceCheck | undefined) => (c && !c.ok ? c.reason : c?.ok ? 'ok' : 'not ours');

describe('checkSentInvoice (§4.5 in order)', () => {
  it('a good invoice for our request passes, with its lni1… and amount', () => {
    const t = inv();
    const c = check(t);
    expect(c).toMatchObject({ ok: true, invreqId: ID, amountMsat: 10_000n, lni: encodeBolt12String('lni', t) });
  });

  it('not ours: another request, or a stream that does not even frame — passed on (undefined)', () => {
    const theirs = request(() => new Uint8Array(), [desc], [rec(82, tu(10_000))], { payerPriv: key('stranger') });
    expect(check(invoice(theirs, 10_000n, {}, NOW).tlv)).toBeUndefined();
    expect(check(Uint8Array.of(0x02, 0x05, 0x01))).toBeUndefined();
    // invreq_paths makes it another invreq_id: never ours (our requests have none)
    const withPaths = invoice(ours, 10_000n, { invreqRecs: [...ours.recs, rec(90, Uint8Array.of(1))].sort((a, b) => (a.type < b.type ? -1 : 1)) }, NOW).tlv;
    expect(check(withPaths)).toBeUndefined();
  });

  it('#1 a strict parse failure (unknown even type): Invalid invoice <hex>, no lni in the text', () => {
    const t = inv({ extra: [rec(200, Uint8Array.of(1))] });
    const c = check(t)!;
    expect(c).toMatchObject({ ok: false, reason: `Invalid invoice ${bytesToHex(t)}` });
    expect(sentInvoiceErrorText(c as Extract<SentInvoiceCheck, { ok: false }>)).toBe(`Failed invoice: Invalid invoice ${bytesToHex(t)}`);
  });

  it('#2 through a path secret: Unknown invoice_request <id> (our requests have no invreq_paths)', () => {
    expect(reason(check(inv(), { pathsecret: new Uint8Array(32) }))).toBe(`Unknown invoice_request ${ID}`);
  });

  it('#4 missing fields, in CLN\'s order', () => {
    expect(reason(check(inv({ drop: 170 })))).toBe('Missing invoice_amount');
    expect(reason(check(inv({ drop: 164 })))).toBe('Missing invoice_created_at');
    expect(reason(check(inv({ drop: 168 })))).toBe('Missing invoice_payment_hash');
    expect(reason(check(inv({ drop: 176 })))).toBe('Missing invoice_node_id');
  });

  it('#5 an unknown even invoice feature; odd and basic_mpp are fine', () => {
    expect(reason(check(inv({ features: Uint8Array.of(0x10, 0, 0) })))).toBe('Unsupported invoice feature 20');
    expect(reason(check(inv({ features: Uint8Array.of(0x20, 0, 0) })))).toBe('ok');
    expect(reason(check(inv({ features: Uint8Array.of(0x01, 0, 0) })))).toBe('ok');
    expect(reason(check(inv({ features: Uint8Array.of(0x02, 0, 0) })))).toBe('ok');
  });

  it('#6 expiry: created_at + relative expiry (7200 by default), the last second still good', () => {
    expect(reason(check(inv({ createdAt: NOW - 7200 })))).toBe('ok');
    expect(reason(check(inv({ createdAt: NOW - 7201 })))).toBe('Expired invoice');
    expect(reason(check(inv({ createdAt: NOW - 61, relExpiry: 60 })))).toBe('Expired invoice');
    expect(reason(check(inv({ createdAt: NOW - 7300, relExpiry: 8000 })))).toBe('ok');
  });

  it('#7 #8 paths and payinfo', () => {
    expect(reason(check(inv({ drop: 160 })))).toBe('Missing invoice_paths');
    expect(reason(check(inv({ drop: 162 })))).toBe('Missing invoice_blindedpay');
    expect(reason(check(inv({ payinfoFeatures: Uint8Array.of(0x04) })))).toBe('Unsupported feature for all paths (2)');
    expect(reason(check(inv({ payinfoFeatures: Uint8Array.of(0x02) })))).toBe('ok');
  });

  it('#10 an inactive request (single-use and paid, or disabled)', () => {
    expect(reason(check(inv(), { row: row({ active: false, used: true }) }))).toBe('invoice_request no longer available');
  });

  it('#11 the signature: missing, or not under invoice_node_id; any key may sign', () => {
    const t = inv();
    expect(reason(check(t.slice(0, t.length - 66)))).toBe('invoice missing signature');
    const bad = Uint8Array.from(t);
    bad[bad.length - 1] ^= 1;
    expect(reason(check(bad))).toBe('invalid invoice signature');
    expect(reason(check(inv({ nodeId: secp.getPublicKey(OTHER_PRIV, true), signerPriv: OTHER_PRIV })))).toBe('ok');
  });

  it('refund_for: only an invoice signed by the refunded invoice\'s payer key', () => {
    const refundKey = bytesToHex(secp.getPublicKey(OTHER_PRIV, true));
    const r = row({ refundPayerKey: refundKey });
    expect(reason(check(inv(), { row: r }))).toBe('invoice not signed by the refund_for payer key');
    expect(reason(check(inv({ nodeId: secp.getPublicKey(OTHER_PRIV, true), signerPriv: OTHER_PRIV }), { row: r }))).toBe('ok');
    // the right key named but the signature by another: the signature check comes first
    expect(reason(check(inv({ nodeId: secp.getPublicKey(OTHER_PRIV, true) }), { row: r }))).toBe('invalid invoice signature');
  });

  it('#12 amount: above invreq_amount is too large (CLN); below it too small (BOLT 12 MUST, the device\'s rule 5)', () => {
    expect(reason(check(inv({}, 10_001n)))).toBe('invoice amount is too large');
    expect(reason(check(inv({}, 9_999n)))).toBe('invoice amount is too small');
  });

  it('a stored request without invreq_amount is an internal error (Internal error on the wire)', () => {
    const noAmount = request(() => new Uint8Array(), [desc], [rec(89, ascii('x'))], { payerPriv: PAYER_PRIV });
    const r = row({ invreqId: bytesToHex(invreqId(stream(noAmount.recs))), bolt12: encodeBolt12String('lnr', stream([...noAmount.recs, rec(240, noAmount.signature)])) });
    const c = check(invoice(noAmount, 10_000n, {}, NOW).tlv, { row: r })!;
    expect(c).toMatchObject({ ok: false, internal: true });
    expect(sentInvoiceErrorText(c as Extract<SentInvoiceCheck, { ok: false }>)).toBe('Internal error');
  });

  it('the text names the invoice: Failed invoice <lni1…>: <reason>', () => {
    const t = inv({ createdAt: NOW - 9000 });
    const c = check(t) as Extract<SentInvoiceCheck, { ok: false }>;
    expect(sentInvoiceErrorText(c)).toBe(`Failed invoice ${encodeBolt12String('lni', t)}: Expired invoice`);
  });
});

describe('KeyedQueue (one invreq_id at a time)', () => {
  it('runs one key\'s tasks one after the other, other keys alongside, and goes on after a failure', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string, ms: number, fail = false) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const a1 = q.run('a', task('a1', 30, true));
    const a2 = q.run('a', task('a2', 5));
    const b1 = q.run('b', task('b1', 5));
    await expect(a1).rejects.toThrow('a1');
    expect(await a2).toBe('a2');
    expect(await b1).toBe('b1');
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    await new Promise((r) => setTimeout(r, 0));
    expect(q.size).toBe(0);
  });
});

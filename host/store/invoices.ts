// The invoices table: invoices we issued for invoice_requests to our offers
// (docs/host/merchant.md). Every method is one IMMEDIATE transaction; a state
// change is committed before anyone is told about it (the hook answer, a
// waiter). `status` 'expired' is derived at read time from expires_at, as CLN
// reports an unpaid invoice past its expiry.
import { EventEmitter } from 'node:events';
import type { Db } from './db.js';

export type InvoiceStatus = 'unpaid' | 'paid' | 'expired';
export type KeyModeName = 'device' | 'node';

/** What the merchant flow knows when it stores an invoice. */
export interface NewInvoice {
  label: string;
  bolt12: string;
  paymentHash: string;
  pathId: string;
  amountMsat: bigint;
  description?: string;
  createdAt: number;
  relativeExpiry: number;
  /** The offer it answers; absent for sendinvoice's invoices (someone's bare invoice_request). */
  localOfferId?: string;
  invreqPayerNote?: string;
  recurrenceCounter?: number;
  recurrenceStart?: number;
  recurrenceBasetime?: bigint;
  keyMode: KeyModeName;
}

/** A stored invoice: what it was stored with, plus its indexes and state. */
export interface InvoiceRecord extends NewInvoice {
  createdIndex: number;
  status: InvoiceStatus;
  expiresAt: number;
  paidAt?: number;
  amountReceivedMsat?: bigint;
  paymentPreimage?: string;
  payIndex?: number;
  updatedIndex?: number;
}

export interface InvoiceQuery {
  label?: string;
  bolt12?: string;
  paymentHash?: string;
  offerId?: string;
  index?: 'created' | 'updated';
  start?: number;
  limit?: number;
}

const hex32 = (h: string, what: string) => {
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`${what} must be 64 lower-case hex characters: ${h}`);
  return Buffer.from(h, 'hex');
};
const now = () => Math.floor(Date.now() / 1000);

function toRecord(r: any, at: number): InvoiceRecord {
  const rec: InvoiceRecord = {
    createdIndex: Number(r.id),
    label: r.label,
    bolt12: r.bolt12,
    paymentHash: r.payment_hash.toString('hex'),
    pathId: r.path_id.toString('hex'),
    amountMsat: BigInt(r.amount_msat),
    status: r.status === 'unpaid' && Number(r.expires_at) <= at ? 'expired' : r.status,
    description: r.description ?? undefined,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    relativeExpiry: Number(r.relative_expiry),
    paidAt: r.paid_at === null ? undefined : Number(r.paid_at),
    amountReceivedMsat: r.amount_received_msat === null ? undefined : BigInt(r.amount_received_msat),
    paymentPreimage: r.payment_preimage === null ? undefined : r.payment_preimage.toString('hex'),
    payIndex: r.pay_index === null ? undefined : Number(r.pay_index),
    updatedIndex: r.updated_index === null ? undefined : Number(r.updated_index),
    localOfferId: r.local_offer_id === null ? undefined : r.local_offer_id.toString('hex'),
    invreqPayerNote: r.invreq_payer_note ?? undefined,
    recurrenceCounter: r.recurrence_counter === null ? undefined : Number(r.recurrence_counter),
    recurrenceStart: r.recurrence_start === null ? undefined : Number(r.recurrence_start),
    recurrenceBasetime: r.recurrence_basetime === null ? undefined : BigInt(r.recurrence_basetime),
    keyMode: r.key_mode,
  };
  for (const k of Object.keys(rec) as (keyof InvoiceRecord)[]) if (rec[k] === undefined) delete rec[k];
  return rec;
}

/** An invreq_recurrence_cancel we accepted (table recurrence_cancels). */
export interface RecurrenceCancel {
  /** <offer_id>-<invreq_payer_id>-<counter>: the label the cancelled period's invoice would have had. */
  label: string;
  localOfferId: string;
  payerId: string;
  recurrenceCounter: number;
  recurrenceStart?: number;
  createdAt: number;
}

export type MarkPaid =
  | { ok: true; record: InvoiceRecord; already: boolean }
  | { ok: false; why: 'unknown' | 'expired' | 'offer used' };

export class InvoiceStore {
  /** 'paid' (record) after the paid state is committed; waitinvoice/waitanyinvoice listen. */
  readonly events = new EventEmitter();

  constructor(private readonly db: Db, private clock: () => number = now) {
    this.events.setMaxListeners(0);
  }

  /** Unix seconds used for `expired` and paid_at (tests supply a clock). */
  setClock(clock: () => number): void {
    this.clock = clock;
  }

  private q(sql: string) {
    return this.db.prepare(sql).safeIntegers(true);
  }

  private row(sql: string, ...args: unknown[]): InvoiceRecord | undefined {
    const r = this.q(sql).get(...args);
    return r === undefined ? undefined : toRecord(r, this.clock());
  }

  byLabel(label: string): InvoiceRecord | undefined {
    return this.row('SELECT * FROM invoices WHERE label = ?', label);
  }

  byHash(paymentHash: string): InvoiceRecord | undefined {
    return this.row('SELECT * FROM invoices WHERE payment_hash = ?', hex32(paymentHash, 'payment_hash'));
  }

  /**
   * Records an invreq_recurrence_cancel for `label` (idempotent: a repeated
   * cancel keeps the first record). Returns whether it was new.
   */
  recordCancel(c: RecurrenceCancel): boolean {
    const info = this.q(
      `INSERT OR IGNORE INTO recurrence_cancels (label, local_offer_id, payer_id, recurrence_counter, recurrence_start, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(c.label, hex32(c.localOfferId, 'offer_id'), Buffer.from(c.payerId, 'hex'), c.recurrenceCounter, c.recurrenceStart ?? null, c.createdAt);
    return Number(info.changes) === 1;
  }

  /** The cancel recorded for `label`, if any. */
  cancelled(label: string): RecurrenceCancel | undefined {
    const r = this.q('SELECT * FROM recurrence_cancels WHERE label = ?').get(label) as any;
    if (!r) return undefined;
    return {
      label: r.label, localOfferId: r.local_offer_id.toString('hex'), payerId: r.payer_id.toString('hex'),
      recurrenceCounter: Number(r.recurrence_counter), recurrenceStart: r.recurrence_start === null ? undefined : Number(r.recurrence_start),
      createdAt: Number(r.created_at),
    };
  }

  /**
   * Stores a new invoice unless one with the label exists (CLN createinvoice
   * 900 "Duplicate label"): an unpaid one is returned as is (a repeat request
   * gets the stored invoice); an expired one whose relative expiry was not 0
   * is deleted and replaced (CLN: delinvoice and retry); a paid one or a
   * cancelled one is returned with `existing`.
   */
  insertOrGet(n: NewInvoice): { record: InvoiceRecord; created: boolean } {
    return this.db.transaction(() => {
      const old = this.byLabel(n.label);
      if (old) {
        if (old.status !== 'expired' || old.relativeExpiry === 0) return { record: old, created: false };
        this.q('DELETE FROM invoices WHERE label = ?').run(n.label);
      }
      const info = this.q(
        `INSERT INTO invoices (label, bolt12, payment_hash, path_id, amount_msat, status, description, created_at, expires_at,
           relative_expiry, local_offer_id, invreq_payer_note, recurrence_counter, recurrence_start, recurrence_basetime, key_mode)
         VALUES (?, ?, ?, ?, ?, 'unpaid', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        n.label, n.bolt12, hex32(n.paymentHash, 'payment_hash'), hex32(n.pathId, 'path_id'), n.amountMsat, n.description ?? null, n.createdAt,
        n.createdAt + n.relativeExpiry, n.relativeExpiry, n.localOfferId === undefined ? null : hex32(n.localOfferId, 'offer_id'), n.invreqPayerNote ?? null,
        n.recurrenceCounter ?? null, n.recurrenceStart ?? null, n.recurrenceBasetime ?? null, n.keyMode,
      );
      return { record: this.row('SELECT * FROM invoices WHERE id = ?', info.lastInsertRowid)!, created: true };
    }).immediate();
  }

  /**
   * unpaid -> paid with the released preimage, in one transaction that also
   * marks the offer used (a single-use offer becomes inactive). Paying a paid
   * invoice again returns it (`already`: the settlement is idempotent, the
   * HTLCs are resolved with the stored preimage); an expired one is refused.
   */
  markPaid(paymentHash: string, amountReceivedMsat: bigint, preimage: string, at = this.clock()): MarkPaid {
    const res = this.db.transaction((): MarkPaid => {
      const h = hex32(paymentHash, 'payment_hash');
      const cur = this.byHash(paymentHash);
      if (!cur) return { ok: false, why: 'unknown' };
      if (cur.status === 'paid') return { ok: true, record: cur, already: true };
      if (cur.expiresAt <= at) return { ok: false, why: 'expired' };
      // A single-use offer is spent by its first paid invoice: another of its
      // invoices is not paid (CLN invoice_check_payment refuses an used offer).
      const o = cur.localOfferId === undefined ? undefined : this.q('SELECT single_use, used FROM offers WHERE offer_id = ?').get(Buffer.from(cur.localOfferId, 'hex')) as { single_use: number | bigint; used: number | bigint } | undefined;
      if (o && Number(o.single_use) === 1 && Number(o.used) === 1) return { ok: false, why: 'offer used' };
      const next = (col: string) => Number((this.q(`SELECT MAX(${col}) AS m FROM invoices`).get() as { m: bigint | null }).m ?? 0n) + 1;
      this.q(
        `UPDATE invoices SET status = 'paid', paid_at = ?, amount_received_msat = ?, payment_preimage = ?, pay_index = ?, updated_index = ?
         WHERE payment_hash = ? AND status = 'unpaid'`,
      ).run(at, amountReceivedMsat, hex32(preimage, 'preimage'), next('pay_index'), next('updated_index'), h);
      if (cur.localOfferId !== undefined) {
        this.q(
          `UPDATE offers SET used = 1, active = CASE single_use WHEN 1 THEN 0 ELSE active END WHERE offer_id = ?`,
        ).run(Buffer.from(cur.localOfferId, 'hex'));
      }
      return { ok: true, record: this.byHash(paymentHash)!, already: false };
    }).immediate();
    if (res.ok && !res.already) this.events.emit('paid', res.record);
    return res;
  }

  /** listinvoices: ordered by created_index (or updated_index). */
  list(q: InvoiceQuery = {}): InvoiceRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.label !== undefined) { where.push('label = ?'); args.push(q.label); }
    if (q.bolt12 !== undefined) { where.push('bolt12 = ?'); args.push(q.bolt12); }
    if (q.paymentHash !== undefined) { where.push('payment_hash = ?'); args.push(hex32(q.paymentHash, 'payment_hash')); }
    if (q.offerId !== undefined) { where.push('local_offer_id = ?'); args.push(hex32(q.offerId, 'offer_id')); }
    let order = 'id';
    if (q.index === 'updated') {
      order = 'updated_index';
      where.push('updated_index IS NOT NULL AND updated_index >= ?');
      args.push(q.start ?? 0);
    } else if (q.index === 'created') {
      where.push('id >= ?');
      args.push(q.start ?? 0);
    }
    let sql = `SELECT * FROM invoices${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY ${order}`;
    if (q.limit !== undefined) { sql += ' LIMIT ?'; args.push(q.limit); }
    const at = this.clock();
    return this.q(sql).all(...args).map((r) => toRecord(r, at));
  }

  /** The paid invoice with the smallest pay_index > lastpayIndex (waitanyinvoice). */
  paidAfter(lastpayIndex: number): InvoiceRecord | undefined {
    return this.row('SELECT * FROM invoices WHERE pay_index > ? ORDER BY pay_index LIMIT 1', lastpayIndex);
  }
}

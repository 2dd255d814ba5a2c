// The invoice_requests table (invoicerequest / offerout): insert, list,
// disable, and "paid" (a single-use request becomes inactive). One SQLite
// transaction per method.
import type { Db } from './db.js';
import { bit, idBytes, nowSeconds, statusFields, type StatusRow } from './status-rows.js';

export interface InvoiceRequestRecord {
  invreqId: string;
  bolt12: string;
  label?: string;
  active: boolean;
  singleUse: boolean;
  used: boolean;
  /** offerout refund_for: hex of the payer key invoices must be signed by. */
  refundPayerKey?: string;
  createdAt: number;
}

export interface NewInvoiceRequest {
  invreqId: string;
  bolt12: string;
  label?: string;
  singleUse: boolean;
  refundPayerKey?: string;
  createdAt?: number;
}

export type InvreqStatusChange =
  | { ok: true; record: InvoiceRequestRecord }
  | { ok: false; why: 'unknown' | 'not-active' };

interface Row extends StatusRow {
  invreq_id: Buffer;
  refund_payer_key: Buffer | null;
}

const toRecord = (r: Row): InvoiceRequestRecord => ({
  invreqId: r.invreq_id.toString('hex'),
  ...statusFields(r),
  ...(r.refund_payer_key === null ? {} : { refundPayerKey: r.refund_payer_key.toString('hex') }),
});

const idOf = (hex: string) => idBytes(hex, 'invreq_id');

export class InvoiceRequestStore {
  private readonly insert;
  private readonly byId;
  private readonly all;
  private readonly allActive;
  private readonly setFlags;
  private readonly counter;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO invoice_requests (invreq_id, bolt12, label, active, single_use, used, refund_payer_key, created_at)
       VALUES (?, ?, ?, 1, ?, 0, ?, ?)`,
    );
    this.byId = db.prepare('SELECT * FROM invoice_requests WHERE invreq_id = ?');
    this.all = db.prepare('SELECT * FROM invoice_requests ORDER BY invreq_id');
    this.allActive = db.prepare('SELECT * FROM invoice_requests WHERE active = 1 ORDER BY invreq_id');
    this.setFlags = db.prepare('UPDATE invoice_requests SET active = ?, used = ? WHERE invreq_id = ?');
    this.counter = db.prepare('SELECT count(*) AS total, coalesce(sum(active), 0) AS active FROM invoice_requests');
  }

  /** Stores a new request (committed when this returns). Throws if the id exists. */
  create(r: NewInvoiceRequest): InvoiceRequestRecord {
    return this.db.transaction(() => {
      const id = idOf(r.invreqId);
      this.insert.run(
        id,
        r.bolt12,
        r.label ?? null,
        bit(r.singleUse),
        r.refundPayerKey === undefined ? null : Buffer.from(r.refundPayerKey, 'hex'),
        r.createdAt ?? nowSeconds(),
      );
      return toRecord(this.byId.get(id) as Row);
    }).immediate();
  }

  get(invreqId: string): InvoiceRequestRecord | undefined {
    const row = this.byId.get(idOf(invreqId)) as Row | undefined;
    return row && toRecord(row);
  }

  list(opts: { invreqId?: string; activeOnly?: boolean } = {}): InvoiceRequestRecord[] {
    if (opts.invreqId !== undefined) {
      const r = this.get(opts.invreqId);
      return r && (!opts.activeOnly || r.active) ? [r] : [];
    }
    return ((opts.activeOnly ? this.allActive : this.all).all() as Row[]).map(toRecord);
  }

  disable(invreqId: string): InvreqStatusChange {
    return this.db.transaction((): InvreqStatusChange => {
      const id = idOf(invreqId);
      const row = this.byId.get(id) as Row | undefined;
      if (!row) return { ok: false, why: 'unknown' };
      if (row.active !== 1) return { ok: false, why: 'not-active' };
      this.setFlags.run(0, row.used, id);
      return { ok: true, record: toRecord(this.byId.get(id) as Row) };
    }).immediate();
  }

  /** We paid an invoice for it: used; a single-use request becomes inactive. */
  markUsed(invreqId: string): InvreqStatusChange {
    return this.db.transaction((): InvreqStatusChange => {
      const id = idOf(invreqId);
      const row = this.byId.get(id) as Row | undefined;
      if (!row) return { ok: false, why: 'unknown' };
      this.setFlags.run(row.single_use === 1 ? 0 : row.active, 1, id);
      return { ok: true, record: toRecord(this.byId.get(id) as Row) };
    }).immediate();
  }

  counts(): { total: number; active: number } {
    return this.counter.get() as { total: number; active: number };
  }
}

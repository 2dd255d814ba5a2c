// The payer_requests table (docs/host/payer.md): every invoice_request that
// fetchinvoice or cancelrecurringinvoice signed and sent, keyed by invreq_id
// (SHA256 of its records 0..159 and 1000000000..2999999999, which the
// invoice copies, so an invoice finds its request), with the reply secret it
// was sent with and what became of it. `pay` reads the signed request here to
// give the device the invreq signature. One SQLite transaction per method.
import type { Db } from './db.js';
import { idBytes, nowSeconds } from './status-rows.js';

export type PayerRequestStatus = 'pending' | 'answered' | 'failed' | 'timeout' | 'unsent' | 'cancel';

export interface PayerRequestRecord {
  invreqId: string;
  offerId: string;
  /** The signed invoice_request (`lnr1…`, with its signature 240). */
  bolt12: string;
  label?: string;
  recurrenceCounter?: number;
  recurrenceStart?: number;
  recurrenceLabel?: string;
  /** Hex of the 32-byte path_id of the reply path it was sent with. */
  replySecret: string;
  createdAt: number;
  status: PayerRequestStatus;
  /** The invoice that answered it (`lni1…`), once answered. */
  invoice?: string;
}

export type NewPayerRequest = Omit<PayerRequestRecord, 'createdAt' | 'status' | 'invoice'> & { createdAt?: number; status?: 'pending' | 'cancel' };

interface Row {
  invreq_id: Buffer;
  offer_id: Buffer;
  bolt12: string;
  label: string | null;
  recurrence_counter: number | null;
  recurrence_start: number | null;
  recurrence_label: string | null;
  reply_secret: string;
  created_at: number;
  status: PayerRequestStatus;
  invoice: string | null;
}

const toRecord = (r: Row): PayerRequestRecord => ({
  invreqId: r.invreq_id.toString('hex'),
  offerId: r.offer_id.toString('hex'),
  bolt12: r.bolt12,
  ...(r.label === null ? {} : { label: r.label }),
  ...(r.recurrence_counter === null ? {} : { recurrenceCounter: r.recurrence_counter }),
  ...(r.recurrence_start === null ? {} : { recurrenceStart: r.recurrence_start }),
  ...(r.recurrence_label === null ? {} : { recurrenceLabel: r.recurrence_label }),
  replySecret: r.reply_secret,
  createdAt: r.created_at,
  status: r.status,
  ...(r.invoice === null ? {} : { invoice: r.invoice }),
});

export class PayerRequestStore {
  private readonly insert;
  private readonly byId;
  private readonly byOffer;
  private readonly update;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO payer_requests (invreq_id, offer_id, bolt12, label, recurrence_counter, recurrence_start, recurrence_label, reply_secret, created_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (invreq_id) DO UPDATE SET reply_secret = excluded.reply_secret, status = excluded.status,
         invoice = NULL, created_at = excluded.created_at`,
    );
    this.byId = db.prepare('SELECT * FROM payer_requests WHERE invreq_id = ?');
    this.byOffer = db.prepare('SELECT * FROM payer_requests WHERE offer_id = ? ORDER BY created_at, rowid');
    this.update = db.prepare('UPDATE payer_requests SET status = ?, invoice = ? WHERE invreq_id = ?');
  }

  /**
   * Stores a request about to be sent (committed when this returns). The same
   * request sent again (a recurring period's metadata is derived, so a retry
   * of one period is byte for byte the same request) gets the new reply
   * secret and status.
   */
  create(r: NewPayerRequest): PayerRequestRecord {
    return this.db.transaction(() => {
      const id = idBytes(r.invreqId, 'invreq_id');
      this.insert.run(
        id,
        idBytes(r.offerId, 'offer_id'),
        r.bolt12,
        r.label ?? null,
        r.recurrenceCounter ?? null,
        r.recurrenceStart ?? null,
        r.recurrenceLabel ?? null,
        r.replySecret,
        r.createdAt ?? nowSeconds(),
        r.status ?? 'pending',
      );
      return toRecord(this.byId.get(id) as Row);
    }).immediate();
  }

  get(invreqId: string): PayerRequestRecord | undefined {
    if (!/^[0-9a-f]{64}$/.test(invreqId)) return undefined;
    const r = this.byId.get(Buffer.from(invreqId, 'hex')) as Row | undefined;
    return r && toRecord(r);
  }

  /** The requests sent for one offer, oldest first. */
  forOffer(offerId: string): PayerRequestRecord[] {
    return (this.byOffer.all(idBytes(offerId, 'offer_id')) as Row[]).map(toRecord);
  }

  /** What became of a request; `invoice` exactly when answered. */
  setStatus(invreqId: string, status: Exclude<PayerRequestStatus, 'answered'>): void;
  setStatus(invreqId: string, status: 'answered', invoice: string): void;
  setStatus(invreqId: string, status: PayerRequestStatus, invoice?: string): void {
    this.db.transaction(() => {
      this.update.run(status, status === 'answered' ? invoice! : null, idBytes(invreqId, 'invreq_id'));
    }).immediate();
  }
}

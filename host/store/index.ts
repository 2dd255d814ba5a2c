// The daemon's store: one SQLite file in the data directory holding offers,
// invoice_requests and a little metadata (which network the data belongs to).
import { openDatabase, StoreError, type Db, type OpenOptions } from './db.js';
import { InvoiceRequestStore } from './invoice-requests.js';
import { InvoiceStore } from './invoices.js';
import { OfferStore } from './offers.js';
import { PaymentStore } from './payments.js';
import { PayerRequestStore, type PayerRequestRecord } from './payer-requests.js';

export { StoreError } from './db.js';
export type { OfferRecord, NewOffer } from './offers.js';
export type { InvoiceRequestRecord, NewInvoiceRequest } from './invoice-requests.js';
export type { InvoiceRecord, NewInvoice, InvoiceStatus, InvoiceQuery, MarkPaid, RecurrenceCancel } from './invoices.js';
export type { PaymentRecord, NewPayment, PaymentFailure, PaymentStatus, PaymentStage } from './payments.js';
export type { PayerRequestRecord, NewPayerRequest, PayerRequestStatus } from './payer-requests.js';

export const STORE_FILE = 'lnsigner.sqlite3';

export class Store {
  readonly offers: OfferStore;
  readonly invoiceRequests: InvoiceRequestStore;
  readonly payments: PaymentStore;
  readonly invoices: InvoiceStore;
  /** Invoice requests we sent for other people's offers (fetchinvoice; docs/host/payer.md). */
  readonly payerRequests: PayerRequestStore;
  private readonly getMeta;
  private readonly putMeta;

  private constructor(readonly db: Db) {
    this.offers = new OfferStore(db);
    this.invoiceRequests = new InvoiceRequestStore(db);
    this.payments = new PaymentStore(db);
    this.invoices = new InvoiceStore(db);
    this.payerRequests = new PayerRequestStore(db);
    this.getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.putMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  }

  static open(path: string, opts?: OpenOptions): Store {
    return new Store(openDatabase(path, opts));
  }

  meta(key: string): string | undefined {
    return (this.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  /**
   * Records `value` under `key` the first time; later calls must agree (a data
   * directory made for regtest must not be reopened as mainnet).
   */
  bindMeta(key: string, value: string): void {
    this.db.transaction(() => {
      const have = this.meta(key);
      if (have === undefined) this.putMeta.run(key, value);
      else if (have !== value) throw new StoreError(`this store belongs to ${key} '${have}', not '${value}'`);
    }).immediate();
  }

  /**
   * An invoice for one of our offers was paid (the payment flow calls this):
   * the offer is marked used, and a single_use offer becomes inactive for
   * good (enableoffer then answers 1007). One transaction.
   */
  markOfferPaid(offerId: string) {
    return this.offers.markUsed(offerId);
  }

  /** We paid an invoice for one of our invoice_requests: used; single_use => inactive. */
  markInvoiceRequestPaid(invreqId: string) {
    return this.invoiceRequests.markUsed(invreqId);
  }

  /**
   * The invoice_request we sent (fetchinvoice) whose invreq_id is `id` (hex):
   * the id an invoice's records 0..159 and 1000000000..2999999999 hash to.
   * `pay` takes the request's signature (240) from its `bolt12`.
   */
  payerRequestByInvreqId(id: string): PayerRequestRecord | undefined {
    return this.payerRequests.get(id);
  }

  counts() {
    return { offers: this.offers.counts(), invoice_requests: this.invoiceRequests.counts() };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

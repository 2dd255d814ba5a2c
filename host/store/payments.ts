// The payments table: one row per sendpay part, keyed by (payment_hash,
// groupid, partid) as Core Lightning's sendpays (cln-rpc-digest §5.3). Every
// method is one IMMEDIATE transaction; `reserve` runs the caller's rules on the
// hash's rows and inserts in the same transaction, so two concurrent sendpays
// cannot both pass the MPP checks.
import type { Db } from './db.js';

export type PaymentStatus = 'pending' | 'complete' | 'failed';
/** How far the part got: see migration 2 and docs/host/payments.md. */
export type PaymentStage = 'reserved' | 'onion' | 'sent' | 'unsent';

export interface PaymentFailure {
  /** JSON-RPC code waitsendpay reports: 202, 203, 204 (209 when unknown). */
  code: number;
  message: string;
  erringIndex?: number;
  failcode?: number;
  failcodename?: string;
  erringNode?: string;
  erringChannel?: string;
  erringDirection?: number;
  rawMessage?: string;
  erroronion?: string;
}

export interface PaymentRecord {
  id: number;
  paymentHash: string;
  groupid: bigint;
  partid: bigint;
  status: PaymentStatus;
  stage: PaymentStage;
  amountMsat: bigint;
  totalMsat: bigint;
  amountSentMsat: bigint;
  destination?: string;
  routeNodes: string[];
  routeChannels: string[];
  sharedSecrets?: string[];
  label?: string;
  bolt11?: string;
  bolt12?: string;
  description?: string;
  createdAt: number;
  completedAt?: number;
  updatedIndex?: number;
  paymentPreimage?: string;
  /** sendpay localinvreqid: one of our invoice_requests this pays an invoice for. */
  localinvreqid?: string;
  /** pay (BOLT 12): the device's part ref (pay_invoice reply), hex. */
  partRef?: string;
  /** pay (BOLT 12): the pay_invoice payload the part was built from (hex): pay_failed sends it back. */
  payRequest?: string;
  /** pay (BOLT 12): the onion the device built (hex), kept to resend an unsent part. */
  onion?: string;
  /** pay (BOLT 12): the device was told the part failed (pay_failed), or it was superseded. */
  partReleased?: boolean;
  /** pay (BOLT 12): the first hop's absolute cltv_expiry the onion was built for. */
  firstCltv?: number;
  failure?: PaymentFailure;
}

export interface NewPayment {
  paymentHash: string;
  groupid: bigint;
  partid: bigint;
  amountMsat: bigint;
  totalMsat: bigint;
  amountSentMsat: bigint;
  destination?: string;
  routeNodes: string[];
  routeChannels: string[];
  label?: string;
  bolt11?: string;
  bolt12?: string;
  description?: string;
  localinvreqid?: string;
  createdAt?: number;
}

const U64 = (v: bigint) => BigInt.asIntN(64, v);
const fromU64 = (v: bigint | number) => BigInt.asUintN(64, BigInt(v));
const hexOrU = (b: Buffer | null) => (b === null ? undefined : b.toString('hex'));
const chunks = (b: Buffer, n: number) => {
  const out: string[] = [];
  for (let i = 0; i + n <= b.length; i += n) out.push(b.subarray(i, i + n).toString('hex'));
  return out;
};
const num = (v: bigint | number | null) => (v === null ? undefined : Number(v));

function toRecord(r: any): PaymentRecord {
  const rec: PaymentRecord = {
    id: Number(r.id),
    paymentHash: r.payment_hash.toString('hex'),
    groupid: fromU64(r.groupid),
    partid: fromU64(r.partid),
    status: r.status,
    stage: r.stage,
    amountMsat: BigInt(r.amount_msat),
    totalMsat: BigInt(r.total_msat),
    amountSentMsat: BigInt(r.amount_sent_msat),
    destination: hexOrU(r.destination),
    routeNodes: chunks(r.route_nodes, 33),
    routeChannels: JSON.parse(r.route_channels),
    sharedSecrets: r.shared_secrets === null ? undefined : chunks(r.shared_secrets, 32),
    label: r.label ?? undefined,
    bolt11: r.bolt11 ?? undefined,
    bolt12: r.bolt12 ?? undefined,
    description: r.description ?? undefined,
    createdAt: Number(r.created_at),
    completedAt: num(r.completed_at),
    updatedIndex: num(r.updated_index),
    paymentPreimage: hexOrU(r.payment_preimage),
    localinvreqid: hexOrU(r.localinvreqid),
    partRef: hexOrU(r.part_ref ?? null),
    payRequest: hexOrU(r.pay_request ?? null),
    onion: hexOrU(r.onion ?? null),
    firstCltv: num(r.first_cltv ?? null),
    partReleased: r.part_released === undefined || r.part_released === null ? undefined : Number(r.part_released) === 1 ? true : undefined,
  };
  if (r.status === 'failed' && r.fail_code !== null) {
    rec.failure = {
      code: Number(r.fail_code),
      message: r.fail_message ?? '',
      erringIndex: num(r.erring_index),
      failcode: num(r.failcode),
      failcodename: r.failcodename ?? undefined,
      erringNode: hexOrU(r.erring_node),
      erringChannel: r.erring_channel ?? undefined,
      erringDirection: num(r.erring_direction),
      rawMessage: hexOrU(r.raw_message),
      erroronion: hexOrU(r.erroronion),
    };
  }
  for (const k of Object.keys(rec) as (keyof PaymentRecord)[]) if (rec[k] === undefined) delete rec[k];
  return rec;
}

const hashBytes = (hex: string) => {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`payment_hash must be 64 lower-case hex characters: ${hex}`);
  return Buffer.from(hex, 'hex');
};
const optBuf = (hex: string | undefined) => (hex === undefined ? null : Buffer.from(hex, 'hex'));

export interface ListQuery {
  paymentHash?: string;
  status?: PaymentStatus;
  index?: 'created' | 'updated';
  start?: bigint;
  limit?: number;
}

export class PaymentStore {
  constructor(private readonly db: Db) {}

  private q(sql: string) {
    return this.db.prepare(sql).safeIntegers(true);
  }

  private nextUpdatedIndex(): number {
    const r = this.q('SELECT MAX(updated_index) AS m FROM payments').get() as { m: bigint | null };
    return r.m === null ? 1 : Number(r.m) + 1;
  }

  byHash(paymentHash: string): PaymentRecord[] {
    return this.q('SELECT * FROM payments WHERE payment_hash = ? ORDER BY id').all(hashBytes(paymentHash)).map(toRecord);
  }

  byId(id: number): PaymentRecord | undefined {
    const r = this.q('SELECT * FROM payments WHERE id = ?').get(id);
    return r === undefined ? undefined : toRecord(r);
  }

  /**
   * In one transaction: `decide` sees every part of the hash (oldest first) and
   * either returns a NewPayment to insert (its groupid may be computed from
   * the rows) or anything else, which is returned as is (an existing part).
   * It throws to refuse. Returns `{ inserted: record }` or `{ existing: value }`.
   */
  reserve<T>(paymentHash: string, decide: (rows: PaymentRecord[]) => { insert: NewPayment } | { existing: T }):
    { inserted: PaymentRecord } | { existing: T } {
    return this.db.transaction(() => {
      const d = decide(this.byHash(paymentHash));
      if ('existing' in d) return d;
      const p = d.insert;
      const info = this.q(
        `INSERT INTO payments (payment_hash, groupid, partid, status, stage, amount_msat, total_msat,
           amount_sent_msat, destination, route_nodes, route_channels, label, bolt11, bolt12, description, created_at, localinvreqid)
         VALUES (?, ?, ?, 'pending', 'reserved', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        hashBytes(p.paymentHash), U64(p.groupid), U64(p.partid), p.amountMsat, p.totalMsat, p.amountSentMsat,
        optBuf(p.destination), Buffer.concat(p.routeNodes.map((n) => Buffer.from(n, 'hex'))),
        JSON.stringify(p.routeChannels), p.label ?? null, p.bolt11 ?? null, p.bolt12 ?? null, p.description ?? null,
        p.createdAt ?? Math.floor(Date.now() / 1000), optBuf(p.localinvreqid),
      );
      return { inserted: this.byId(Number(info.lastInsertRowid))! };
    }).immediate();
  }

  /** The onion was built: its shared secrets are durable before it is sent. */
  setOnion(id: number, sharedSecrets: string[]): void {
    this.db.transaction(() => {
      const r = this.q(`UPDATE payments SET stage = 'onion', shared_secrets = ? WHERE id = ? AND stage = 'reserved' AND status = 'pending'`)
        .run(Buffer.concat(sharedSecrets.map((s) => Buffer.from(s, 'hex'))), id);
      if (r.changes !== 1) throw new Error(`payment ${id} is not a reserved pending part`);
    }).immediate();
  }

  /** pay (BOLT 12): the device's part ref, the pay_invoice payload and the onion, before sendonion
   *  (no shared secrets: they never leave the device). */
  setDevicePart(id: number, partRef: string, payRequest: string, onion: string, firstCltv: number): void {
    this.db.transaction(() => {
      const r = this.q(`UPDATE payments SET stage = 'onion', part_ref = ?, pay_request = ?, onion = ?, first_cltv = ? WHERE id = ? AND stage = 'reserved' AND status = 'pending'`)
        .run(Buffer.from(partRef, 'hex'), Buffer.from(payRequest, 'hex'), Buffer.from(onion, 'hex'), firstCltv, id);
      if (r.changes !== 1) throw new Error(`payment ${id} is not a reserved pending part`);
    }).immediate();
  }

  /** pay (BOLT 12): the device was told this part failed (pay_failed), or it was sent again as another part. */
  markReleased(id: number): void {
    this.db.transaction(() => {
      this.q(`UPDATE payments SET part_released = 1 WHERE id = ?`).run(id);
    }).immediate();
  }

  /** Every part recorded for a BOLT 12 invoice string (pay), oldest first. */
  byBolt12(bolt12: string): PaymentRecord[] {
    return this.q('SELECT * FROM payments WHERE bolt12 = ? ORDER BY id').all(bolt12).map(toRecord);
  }

  /** The node accepted sendonion (or reconciliation found the part on the node). */
  markSent(id: number): void {
    this.db.transaction(() => {
      this.q(`UPDATE payments SET stage = 'sent' WHERE id = ? AND status = 'pending'`).run(id);
    }).immediate();
  }

  /** A part that never got an onion (device refused): removed, as CLN keeps no record of a part it never sent. */
  removeReserved(id: number): void {
    this.db.transaction(() => {
      this.q(`DELETE FROM payments WHERE id = ? AND stage = 'reserved' AND status = 'pending'`).run(id);
    }).immediate();
  }

  /** A part the node refused before storing anything (CLN keeps no record): gone, onion and all. */
  removeUnsent(id: number): void {
    this.db.transaction(() => {
      this.q(`DELETE FROM payments WHERE id = ? AND stage IN ('reserved', 'onion') AND status = 'pending'`).run(id);
    }).immediate();
  }

  /** Parts that pay invoices for our invoice_request `invreqId` (§5.5). */
  byInvoiceRequest(invreqId: string): PaymentRecord[] {
    return this.q('SELECT * FROM payments WHERE localinvreqid = ? ORDER BY id').all(hashBytes(invreqId)).map(toRecord);
  }

  /** pending -> complete; false if the part was not pending. A part paying for
   *  one of our invoice_requests marks it used in the same transaction (§5.5:
   *  a single-use request becomes inactive). */
  complete(id: number, preimage: string, at = Math.floor(Date.now() / 1000)): boolean {
    return this.db.transaction(() => {
      const r = this.q(
        `UPDATE payments SET status = 'complete', stage = 'sent', payment_preimage = ?, completed_at = ?, updated_index = ?
         WHERE id = ? AND status = 'pending'`,
      ).run(Buffer.from(preimage, 'hex'), at, this.nextUpdatedIndex(), id);
      if (r.changes === 1) {
        this.q(
          `UPDATE invoice_requests SET used = 1, active = CASE single_use WHEN 1 THEN 0 ELSE active END
           WHERE invreq_id = (SELECT localinvreqid FROM payments WHERE id = ?)`,
        ).run(id);
      }
      return r.changes === 1;
    }).immediate();
  }

  /** pending -> failed with the failure details; `stage` 'unsent' when proved never sent. */
  fail(id: number, f: PaymentFailure, opts: { stage?: PaymentStage; at?: number; released?: boolean } = {}): boolean {
    return this.db.transaction(() => {
      const r = this.q(
        `UPDATE payments SET status = 'failed', stage = COALESCE(?, stage), completed_at = ?, updated_index = ?,
           fail_code = ?, fail_message = ?, erring_index = ?, failcode = ?, failcodename = ?, erring_node = ?,
           erring_channel = ?, erring_direction = ?, raw_message = ?, erroronion = ?${opts.released ? ', part_released = 1' : ''}
         WHERE id = ? AND status = 'pending'`,
      ).run(
        opts.stage ?? null, opts.at ?? Math.floor(Date.now() / 1000), this.nextUpdatedIndex(), f.code, f.message,
        f.erringIndex ?? null, f.failcode ?? null, f.failcodename ?? null, optBuf(f.erringNode), f.erringChannel ?? null,
        f.erringDirection ?? null, optBuf(f.rawMessage), optBuf(f.erroronion), id,
      );
      return r.changes === 1;
    }).immediate();
  }

  /** pay (BOLT 12): a failed part's failure decoded later by the device (pay_failed, after the
   *  device was unreachable when it came back): its fields replace the undecoded ones and the
   *  part is released, in one transaction. */
  setDecodedFailure(id: number, f: PaymentFailure): boolean {
    return this.db.transaction(() => {
      const r = this.q(
        `UPDATE payments SET updated_index = ?, fail_code = ?, fail_message = ?, erring_index = ?, failcode = ?, failcodename = ?,
           erring_node = ?, erring_channel = ?, erring_direction = ?, raw_message = ?, erroronion = ?, part_released = 1
         WHERE id = ? AND status = 'failed'`,
      ).run(
        this.nextUpdatedIndex(), f.code, f.message, f.erringIndex ?? null, f.failcode ?? null, f.failcodename ?? null,
        optBuf(f.erringNode), f.erringChannel ?? null, f.erringDirection ?? null, optBuf(f.rawMessage), optBuf(f.erroronion), id,
      );
      return r.changes === 1;
    }).immediate();
  }

  /** Pending parts whose fate the node must confirm (stage reserved or onion). */
  inDoubt(): PaymentRecord[] {
    return this.q(`SELECT * FROM payments WHERE status = 'pending' AND stage IN ('reserved', 'onion') ORDER BY id`).all().map(toRecord);
  }

  /** Pending parts the node accepted: to be tracked until they resolve. */
  inFlight(): PaymentRecord[] {
    return this.q(`SELECT * FROM payments WHERE status = 'pending' AND stage = 'sent' ORDER BY id`).all().map(toRecord);
  }

  /** listsendpays (§1.16): by hash (status ignored by the caller), or by status/index. Ordered by id. */
  list(q: ListQuery = {}): PaymentRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.paymentHash !== undefined) { where.push('payment_hash = ?'); args.push(hashBytes(q.paymentHash)); }
    if (q.status !== undefined) { where.push('status = ?'); args.push(q.status); }
    let order = 'id';
    if (q.index === 'updated') {
      order = 'updated_index';
      where.push('updated_index IS NOT NULL AND updated_index >= ?');
      args.push(q.start ?? 0n);
    } else if (q.index === 'created') {
      where.push('id >= ?');
      args.push(q.start ?? 0n);
    }
    let sql = `SELECT * FROM payments${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY ${order}`;
    if (q.limit !== undefined) { sql += ' LIMIT ?'; args.push(q.limit); }
    return this.q(sql).all(...args).map(toRecord);
  }

  counts() {
    const rows = this.q('SELECT status, COUNT(*) AS n FROM payments GROUP BY status').all() as { status: string; n: bigint }[];
    const c = { pending: 0, complete: 0, failed: 0 };
    for (const r of rows) c[r.status as PaymentStatus] = Number(r.n);
    return c;
  }
}

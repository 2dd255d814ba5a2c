// The offers table: create-or-return (idempotent by offer_id), list, and the
// status changes of disableoffer / enableoffer / a paid single-use offer. Every
// method is one SQLite transaction; better-sqlite3 is synchronous, so nothing
// else runs on the daemon between a method's read and its write.
import type { Db } from './db.js';
import { bit, idBytes, nowSeconds, statusFields, type StatusRow } from './status-rows.js';

export interface OfferRecord {
  offerId: string;
  bolt12: string;
  label?: string;
  description?: string;
  active: boolean;
  singleUse: boolean;
  used: boolean;
  forcePaths: boolean;
  /** recurrence_base was given with `@`: the payer must start at period 0. */
  startAtPeriodZero: boolean;
  /** Seed 001's quantity_min (not encoded in the offer): see quantityMinRefusal. */
  quantityMin?: bigint;
  /** `offer` fronting_nodes (node ids, hex), when given. */
  frontingNodes?: string[];
  /** Unix seconds. */
  createdAt: number;
  /** Which key issued it: a device-derived offer key or the node id. */
  keyMode: 'device' | 'node';
}

export interface NewOffer {
  offerId: string;
  bolt12: string;
  label?: string;
  description?: string;
  singleUse: boolean;
  forcePaths?: boolean;
  startAtPeriodZero?: boolean;
  quantityMin?: bigint;
  frontingNodes?: string[];
  createdAt?: number;
  /** Default 'node' (offers before key modes were node-key offers). */
  keyMode?: 'device' | 'node';
}

/** Why a status change was refused. */
export type StatusChange =
  | { ok: true; record: OfferRecord }
  | { ok: false; why: 'unknown' | 'not-active' | 'already-active' | 'used-single-use' };

interface Row extends StatusRow {
  offer_id: Buffer;
  description: string | null;
  force_paths: number;
  recurrence_start_period0: number;
  created_at: number;
  key_mode: 'device' | 'node';
  quantity_min: string | null;
  fronting_nodes: string | null;
}

const toRecord = (r: Row): OfferRecord => ({
  offerId: r.offer_id.toString('hex'),
  ...statusFields(r),
  ...(r.description === null ? {} : { description: r.description }),
  forcePaths: r.force_paths === 1,
  startAtPeriodZero: r.recurrence_start_period0 === 1,
  createdAt: r.created_at,
  keyMode: r.key_mode,
  ...(r.quantity_min === null ? {} : { quantityMin: BigInt(r.quantity_min) }),
  ...(r.fronting_nodes === null ? {} : { frontingNodes: JSON.parse(r.fronting_nodes) as string[] }),
});

const idOf = (hex: string) => idBytes(hex, 'offer_id');

/**
 * Seed 001's quantity_min, which BOLT 12 no longer encodes: the issuer checks
 * it when answering an invoice_request (host/merchant). Returns why
 * `quantity` (invreq_quantity; undefined when absent) is refused, or undefined.
 */
export function quantityMinRefusal(offer: Pick<OfferRecord, 'quantityMin'>, quantity: bigint | undefined): string | undefined {
  if (offer.quantityMin === undefined) return undefined;
  if (quantity === undefined) return `invreq_quantity is missing: the offer needs at least ${offer.quantityMin}`;
  if (quantity < offer.quantityMin) return `invreq_quantity ${quantity} is below the offer's quantity_min ${offer.quantityMin}`;
  return undefined;
}

export class OfferStore {
  private readonly insert;
  private readonly byId;
  private readonly all;
  private readonly allActive;
  private readonly setFlags;
  private readonly counter;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO offers (offer_id, bolt12, label, description, active, single_use, used, force_paths,
                           recurrence_start_period0, quantity_min, fronting_nodes, created_at, key_mode)
       VALUES (?, ?, ?, ?, 1, ?, 0, ?, ?, ?, ?, ?, ?) ON CONFLICT (offer_id) DO NOTHING`,
    );
    this.byId = db.prepare('SELECT * FROM offers WHERE offer_id = ?');
    // CLN has no ORDER BY; SQLite returns rows by primary key, i.e. offer_id bytes.
    this.all = db.prepare('SELECT * FROM offers ORDER BY offer_id');
    this.allActive = db.prepare('SELECT * FROM offers WHERE active = 1 ORDER BY offer_id');
    this.setFlags = db.prepare('UPDATE offers SET active = ?, used = ? WHERE offer_id = ?');
    this.counter = db.prepare('SELECT count(*) AS total, coalesce(sum(active), 0) AS active FROM offers');
  }

  /**
   * Stores a new offer, or returns the stored one with the same offer_id
   * (`created: false`; its stored label and single_use win over the new ones,
   * as CLN's createoffer does).
   */
  createOrGet(o: NewOffer): { record: OfferRecord; created: boolean } {
    return this.db.transaction(() => {
      const id = idOf(o.offerId);
      const info = this.insert.run(
        id,
        o.bolt12,
        o.label ?? null,
        o.description ?? null,
        bit(o.singleUse),
        bit(o.forcePaths),
        bit(o.startAtPeriodZero),
        o.quantityMin === undefined ? null : o.quantityMin.toString(),
        o.frontingNodes === undefined ? null : JSON.stringify(o.frontingNodes),
        o.createdAt ?? nowSeconds(),
        o.keyMode ?? 'node',
      );
      const row = this.byId.get(id) as Row;
      return { record: toRecord(row), created: info.changes === 1 };
    }).immediate();
  }

  get(offerId: string): OfferRecord | undefined {
    const row = this.byId.get(idOf(offerId)) as Row | undefined;
    return row && toRecord(row);
  }

  list(opts: { offerId?: string; activeOnly?: boolean } = {}): OfferRecord[] {
    if (opts.offerId !== undefined) {
      const r = this.get(opts.offerId);
      return r && (!opts.activeOnly || r.active) ? [r] : [];
    }
    const rows = (opts.activeOnly ? this.allActive : this.all).all() as Row[];
    return rows.map(toRecord);
  }

  /** disableoffer: an active offer becomes inactive. */
  disable(offerId: string): StatusChange {
    return this.change(offerId, (r) => (r.active ? { active: false, used: r.used } : 'not-active'));
  }

  /** enableoffer: an inactive offer becomes active, unless it is a used single-use one. */
  enable(offerId: string): StatusChange {
    return this.change(offerId, (r) =>
      r.active ? 'already-active' : r.singleUse && r.used ? 'used-single-use' : { active: true, used: r.used },
    );
  }

  /** An invoice for the offer was paid: mark it used; a single-use offer becomes inactive. */
  markUsed(offerId: string): StatusChange {
    return this.change(offerId, (r) => ({ active: r.singleUse ? false : r.active, used: true }));
  }

  counts(): { total: number; active: number } {
    return this.counter.get() as { total: number; active: number };
  }

  private change(
    offerId: string,
    decide: (r: OfferRecord) => { active: boolean; used: boolean } | Exclude<Extract<StatusChange, { ok: false }>['why'], 'unknown'>,
  ): StatusChange {
    return this.db.transaction((): StatusChange => {
      const id = idOf(offerId);
      const row = this.byId.get(id) as Row | undefined;
      if (!row) return { ok: false, why: 'unknown' };
      const next = decide(toRecord(row));
      if (typeof next === 'string') return { ok: false, why: next };
      this.setFlags.run(next.active ? 1 : 0, next.used ? 1 : 0, id);
      return { ok: true, record: toRecord(this.byId.get(id) as Row) };
    }).immediate();
  }
}

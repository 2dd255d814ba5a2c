// The offers table: create-or-return (idempotent by offer_id), list, and the
// status changes of disableoffer / enableoffer / a paid single-use offer. Every
// method is one SQLite transaction; better-sqlite3 is synchronous, so nothing
// else runs on the daemon between a method's read and its write.
import type { Db } from './db.js';

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
  createdAt?: number;
  /** Default 'node' (offers before key modes were node-key offers). */
  keyMode?: 'device' | 'node';
}

/** Why a status change was refused. */
export type StatusChange =
  | { ok: true; record: OfferRecord }
  | { ok: false; why: 'unknown' | 'not-active' | 'already-active' | 'used-single-use' };

interface Row {
  offer_id: Buffer;
  bolt12: string;
  label: string | null;
  description: string | null;
  active: number;
  single_use: number;
  used: number;
  force_paths: number;
  recurrence_start_period0: number;
  created_at: number;
  key_mode: 'device' | 'node';
}

const toRecord = (r: Row): OfferRecord => ({
  offerId: r.offer_id.toString('hex'),
  bolt12: r.bolt12,
  ...(r.label === null ? {} : { label: r.label }),
  ...(r.description === null ? {} : { description: r.description }),
  active: r.active === 1,
  singleUse: r.single_use === 1,
  used: r.used === 1,
  forcePaths: r.force_paths === 1,
  startAtPeriodZero: r.recurrence_start_period0 === 1,
  createdAt: r.created_at,
  keyMode: r.key_mode,
});

const idBytes = (hex: string) => {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`offer_id must be 64 lower-case hex characters: ${hex}`);
  return Buffer.from(hex, 'hex');
};

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
                           recurrence_start_period0, created_at, key_mode)
       VALUES (?, ?, ?, ?, 1, ?, 0, ?, ?, ?, ?) ON CONFLICT (offer_id) DO NOTHING`,
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
      const id = idBytes(o.offerId);
      const info = this.insert.run(
        id,
        o.bolt12,
        o.label ?? null,
        o.description ?? null,
        o.singleUse ? 1 : 0,
        o.forcePaths ? 1 : 0,
        o.startAtPeriodZero ? 1 : 0,
        o.createdAt ?? Math.floor(Date.now() / 1000),
        o.keyMode ?? 'node',
      );
      const row = this.byId.get(id) as Row;
      return { record: toRecord(row), created: info.changes === 1 };
    }).immediate();
  }

  get(offerId: string): OfferRecord | undefined {
    const row = this.byId.get(idBytes(offerId)) as Row | undefined;
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
      const id = idBytes(offerId);
      const row = this.byId.get(id) as Row | undefined;
      if (!row) return { ok: false, why: 'unknown' };
      const next = decide(toRecord(row));
      if (typeof next === 'string') return { ok: false, why: next };
      this.setFlags.run(next.active ? 1 : 0, next.used ? 1 : 0, id);
      return { ok: true, record: toRecord(this.byId.get(id) as Row) };
    }).immediate();
  }
}

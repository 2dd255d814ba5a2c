// The SQLite store: WAL, versioned migrations, offer / invoice_request
// records and their status rules (cln-rpc-digest §1.4-1.6, §1.9-1.10, §3.3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion, StoreError } from '../host/store/db.js';
import { MIGRATIONS } from '../host/store/migrations.js';
import { Store } from '../host/store/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lns-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const id = (n: number) => n.toString(16).padStart(64, '0');

describe('migrations', () => {
  it('a new database is migrated to the latest version, in WAL mode', () => {
    const applied: number[] = [];
    const db = openDatabase(join(dir, 'a.db'), { onMigrate: (v) => applied.push(v) });
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(applied).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    db.close();
    // Reopening applies nothing.
    const again: number[] = [];
    openDatabase(join(dir, 'a.db'), { onMigrate: (v) => again.push(v) }).close();
    expect(again).toEqual([]);
  });

  it('an older database is brought forward step by step', () => {
    const extra = [...MIGRATIONS, { name: 'test: extra table', sql: 'CREATE TABLE extra (x INTEGER) STRICT;' }];
    openDatabase(join(dir, 'b.db')).close();
    const db = openDatabase(join(dir, 'b.db'), { migrations: extra });
    expect(schemaVersion(db)).toBe(extra.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get()).toBeTruthy();
    db.close();
  });

  it('a failing migration leaves the database at the previous version', () => {
    const broken = [...MIGRATIONS, { name: 'test: broken', sql: 'CREATE TABLE half (x INTEGER); THIS IS NOT SQL;' }];
    expect(() => openDatabase(join(dir, 'c.db'), { migrations: broken })).toThrow();
    const db = new Database(join(dir, 'c.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });

  it('a database from a newer version is refused', () => {
    const db = new Database(join(dir, 'd.db'));
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(join(dir, 'd.db'))).toThrow(StoreError);
  });
});

describe('offers', () => {
  let store: Store;
  beforeEach(() => {
    store = Store.open(join(dir, 'o.db'));
  });
  afterEach(() => store.close());

  it('create-or-get is idempotent; the stored label and single_use win', () => {
    const a = store.offers.createOrGet({ offerId: id(1), bolt12: 'lno1aa', label: 'first', singleUse: false, description: 'd' });
    expect(a.created).toBe(true);
    expect(a.record).toMatchObject({ offerId: id(1), label: 'first', active: true, singleUse: false, used: false, description: 'd' });
    const b = store.offers.createOrGet({ offerId: id(1), bolt12: 'lno1aa', label: 'second', singleUse: true });
    expect(b.created).toBe(false);
    expect(b.record).toMatchObject({ label: 'first', singleUse: false });
    expect(store.offers.counts()).toEqual({ total: 1, active: 1 });
  });

  it('lists by offer_id bytes, filters active_only, unknown id gives nothing', () => {
    for (const n of [3, 1, 2]) store.offers.createOrGet({ offerId: id(n), bolt12: `lno1${n}`, singleUse: false });
    expect(store.offers.disable(id(2)).ok).toBe(true);
    expect(store.offers.list().map((r) => r.offerId)).toEqual([id(1), id(2), id(3)]);
    expect(store.offers.list({ activeOnly: true }).map((r) => r.offerId)).toEqual([id(1), id(3)]);
    expect(store.offers.list({ offerId: id(2), activeOnly: true })).toEqual([]);
    expect(store.offers.list({ offerId: id(9) })).toEqual([]);
  });

  it('disable / enable / used single-use follow CLN status rules', () => {
    store.offers.createOrGet({ offerId: id(1), bolt12: 'lno1a', singleUse: false });
    store.offers.createOrGet({ offerId: id(2), bolt12: 'lno1b', singleUse: true });
    expect(store.offers.disable(id(9))).toEqual({ ok: false, why: 'unknown' });
    expect(store.offers.enable(id(1))).toEqual({ ok: false, why: 'already-active' });
    expect(store.offers.disable(id(1))).toMatchObject({ ok: true, record: { active: false } });
    expect(store.offers.disable(id(1))).toEqual({ ok: false, why: 'not-active' });
    expect(store.offers.enable(id(1))).toMatchObject({ ok: true, record: { active: true } });
    // A paid single-use offer becomes inactive and can never be enabled again.
    expect(store.offers.markUsed(id(2))).toMatchObject({ ok: true, record: { active: false, used: true } });
    expect(store.offers.enable(id(2))).toEqual({ ok: false, why: 'used-single-use' });
    // A paid multi-use offer stays active.
    expect(store.offers.markUsed(id(1))).toMatchObject({ ok: true, record: { active: true, used: true } });
  });

  it('the schema itself refuses malformed rows', () => {
    const ins = store.db.prepare('INSERT INTO offers (offer_id, bolt12, active, single_use, used, created_at) VALUES (?, ?, ?, ?, ?, 0)');
    expect(() => ins.run(Buffer.alloc(31), 'lno1x', 1, 0, 0)).toThrow(/CHECK/);
    expect(() => ins.run(Buffer.alloc(32), 'lnr1x', 1, 0, 0)).toThrow(/CHECK/);
    expect(() => ins.run(Buffer.alloc(32), 'lno1x', 1, 1, 1)).toThrow(/CHECK/);
    expect(() => ins.run(Buffer.alloc(32), 'lno1x', 2, 0, 0)).toThrow(/CHECK/);
  });
});

describe('invoice_requests', () => {
  it('create, list, disable, paid', () => {
    const store = Store.open(join(dir, 'r.db'));
    const r = store.invoiceRequests.create({ invreqId: id(5), bolt12: 'lnr1x', singleUse: true, label: 'refund' });
    expect(r).toMatchObject({ invreqId: id(5), active: true, singleUse: true, used: false, label: 'refund' });
    expect(() => store.invoiceRequests.create({ invreqId: id(5), bolt12: 'lnr1y', singleUse: true })).toThrow();
    expect(store.invoiceRequests.list({ invreqId: id(6) })).toEqual([]);
    expect(store.invoiceRequests.disable(id(6))).toEqual({ ok: false, why: 'unknown' });
    expect(store.invoiceRequests.disable(id(5))).toMatchObject({ ok: true, record: { active: false } });
    expect(store.invoiceRequests.disable(id(5))).toEqual({ ok: false, why: 'not-active' });
    expect(store.invoiceRequests.markUsed(id(5))).toMatchObject({ ok: true, record: { used: true, active: false } });
    store.close();
  });
});

describe('store metadata', () => {
  it('a store is bound to one network', () => {
    const s = Store.open(join(dir, 'm.db'));
    s.bindMeta('network', 'regtest');
    s.bindMeta('network', 'regtest');
    expect(() => s.bindMeta('network', 'bitcoin')).toThrow("this store belongs to network 'regtest', not 'bitcoin'");
    s.close();
  });
});

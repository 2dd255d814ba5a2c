// The invoices table for sendinvoice (docs/host/sendinvoice.md): migration
// "invoices.local_offer_id nullable" rebuilds the table keeping every row, the
// indexes and the AUTOINCREMENT counter (created_index never goes back); an
// invoice without an offer is stored, listed without local_offer_id and paid
// (markPaid touches no offer).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../host/store/db.js';
import { MIGRATIONS } from '../host/store/migrations.js';
import { Store } from '../host/store/index.js';
import { InvoiceStore, type NewInvoice } from '../host/store/invoices.js';
import { invoiceEntry } from '../host/commands/invoice-format.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lns-sinv-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const h = (n: number) => n.toString(16).padStart(64, '0');
const NOW = Math.floor(Date.now() / 1000);
const inv = (n: number, localOfferId?: string): NewInvoice => ({
  label: `inv-${n}`, bolt12: `lni1${n}`, paymentHash: h(100 + n), pathId: h(200 + n), amountMsat: 1000n * BigInt(n), createdAt: NOW,
  relativeExpiry: 3600, localOfferId, keyMode: 'node',
});

describe('invoices.local_offer_id nullable', () => {
  it('the rebuild keeps rows, indexes and the created_index counter', () => {
    const at = MIGRATIONS.findIndex((m) => m.name.startsWith('invoices.local_offer_id nullable'));
    expect(at).toBeGreaterThan(0);
    const file = join(dir, 's.db');
    const old = openDatabase(file, { migrations: MIGRATIONS.slice(0, at) });
    const oldStore = new InvoiceStore(old);
    for (const n of [1, 2, 3]) oldStore.insertOrGet(inv(n, h(7)));
    old.prepare("DELETE FROM invoices WHERE label = 'inv-3'").run();
    expect(() => oldStore.insertOrGet(inv(9))).toThrow(); // NOT NULL before the migration
    old.close();

    const store = Store.open(file);
    expect(schemaVersion(store.db)).toBe(MIGRATIONS.length);
    expect(store.invoices.list().map((r) => [r.createdIndex, r.label, r.localOfferId])).toEqual([[1, 'inv-1', h(7)], [2, 'inv-2', h(7)]]);
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'invoices_offer'").get()).toBeTruthy();
    // created_index 3 was used once: the next one is 4.
    const r = store.invoices.insertOrGet(inv(4));
    expect(r.record.createdIndex).toBe(4);
    expect(r.record.localOfferId).toBeUndefined();
    expect('local_offer_id' in JSON.parse(JSON.stringify(invoiceEntry(r.record), (_, v) => (typeof v === 'bigint' ? Number(v) : v)))).toBe(false);
    // Paid without an offer: no offer row is touched, the paid event fires.
    const paid: string[] = [];
    store.invoices.events.on('paid', (x) => paid.push(x.label));
    const m = store.invoices.markPaid(h(104), 4000n, h(300), NOW + 1);
    expect(m.ok && m.record.status).toBe('paid');
    expect(paid).toEqual(['inv-4']);
    expect(store.invoices.list({ offerId: h(7) }).map((x) => x.label)).toEqual(['inv-1', 'inv-2']);
    store.close();
  });
});

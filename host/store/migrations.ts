// Schema migrations, applied in order; `PRAGMA user_version` records how many
// have been applied. Never edit a released migration: append a new one.

export interface Migration {
  /** What it does, for the log. */
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'offers, invoice_requests and store metadata',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      -- One row per offer we issued. CLN keeps a status bit set
      -- (active 1, single_use 2, used 4); we keep the three bits as columns.
      CREATE TABLE offers (
        offer_id    BLOB PRIMARY KEY CHECK (length(offer_id) = 32),
        bolt12      TEXT NOT NULL CHECK (bolt12 LIKE 'lno1%'),
        label       TEXT,
        -- offer_description copied out of the bolt12 for listoffers (NULL: none).
        description TEXT,
        active      INTEGER NOT NULL CHECK (active IN (0, 1)),
        single_use  INTEGER NOT NULL CHECK (single_use IN (0, 1)),
        used        INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
        force_paths INTEGER NOT NULL DEFAULT 0 CHECK (force_paths IN (0, 1)),
        -- recurrence_base given with '@': the payer must start at period 0.
        recurrence_start_period0 INTEGER NOT NULL DEFAULT 0 CHECK (recurrence_start_period0 IN (0, 1)),
        created_at  INTEGER NOT NULL,
        -- A used single-use offer can never be active again.
        CHECK (NOT (single_use = 1 AND used = 1 AND active = 1))
      ) STRICT, WITHOUT ROWID;

      -- One row per invoice_request we created (invoicerequest / offerout).
      CREATE TABLE invoice_requests (
        invreq_id   BLOB PRIMARY KEY CHECK (length(invreq_id) = 32),
        bolt12      TEXT NOT NULL CHECK (bolt12 LIKE 'lnr1%'),
        label       TEXT,
        active      INTEGER NOT NULL CHECK (active IN (0, 1)),
        single_use  INTEGER NOT NULL CHECK (single_use IN (0, 1)),
        used        INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
        -- offerout refund_for: only invoices signed by this payer key (33 bytes) are accepted.
        refund_payer_key BLOB CHECK (refund_payer_key IS NULL OR length(refund_payer_key) = 33),
        created_at  INTEGER NOT NULL,
        CHECK (NOT (single_use = 1 AND used = 1 AND active = 1))
      ) STRICT, WITHOUT ROWID;
    `,
  },
];

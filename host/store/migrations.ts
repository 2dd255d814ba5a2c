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
  {
    name: 'payments (sendpay parts)',
    sql: `
      -- One row per payment part (Core Lightning's "sendpays"): the key is
      -- (payment_hash, groupid, partid). A row is written (status pending)
      -- before the device builds the onion and before the node sees it; the
      -- onion's shared secrets are added before sendonion, so a failure can be
      -- decoded after a restart. u64 values (groupid, partid) are stored as
      -- their two's-complement int64; msat amounts fit int64.
      CREATE TABLE payments (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,  -- created_index
        payment_hash     BLOB NOT NULL CHECK (length(payment_hash) = 32),
        groupid          INTEGER NOT NULL,
        partid           INTEGER NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('pending', 'complete', 'failed')),
        -- What the node knows: 'reserved' (row written, no onion yet),
        -- 'onion' (shared secrets stored, sendonion may be in flight),
        -- 'sent' (the node accepted sendonion), 'unsent' (proved never sent).
        stage            TEXT NOT NULL CHECK (stage IN ('reserved', 'onion', 'sent', 'unsent')),
        amount_msat      INTEGER NOT NULL,   -- this part's final amount
        total_msat       INTEGER NOT NULL,   -- MPP total (0 when not given)
        amount_sent_msat INTEGER NOT NULL,   -- route[0] amount
        destination      BLOB CHECK (destination IS NULL OR length(destination) = 33),
        route_nodes      BLOB NOT NULL,      -- n * 33 bytes
        route_channels   TEXT NOT NULL,      -- JSON array of scids
        shared_secrets   BLOB,               -- n * 32 bytes
        label            TEXT,
        bolt11           TEXT,
        bolt12           TEXT,
        description      TEXT,
        created_at       INTEGER NOT NULL,
        completed_at     INTEGER,
        updated_index    INTEGER,
        payment_preimage BLOB CHECK (payment_preimage IS NULL OR length(payment_preimage) = 32),
        -- Failure (waitsendpay 202/203/204 and its data).
        fail_code        INTEGER,
        fail_message     TEXT,
        erring_index     INTEGER,
        failcode         INTEGER,
        failcodename     TEXT,
        erring_node      BLOB,
        erring_channel   TEXT,
        erring_direction INTEGER,
        raw_message      BLOB,
        erroronion       BLOB,
        UNIQUE (payment_hash, groupid, partid),
        CHECK ((status = 'complete') = (payment_preimage IS NOT NULL)),
        CHECK (status = 'pending' OR completed_at IS NOT NULL)
      ) STRICT;
      CREATE INDEX payments_status ON payments (status);
    `,
  },
  {
    name: 'payments.localinvreqid (sendpay of an invoice for our invoice_request)',
    sql: `
      ALTER TABLE payments ADD COLUMN localinvreqid BLOB CHECK (localinvreqid IS NULL OR length(localinvreqid) = 32);
      CREATE INDEX payments_localinvreqid ON payments (localinvreqid) WHERE localinvreqid IS NOT NULL;
    `,
  },
  {
    name: 'invoices (merchant flow) and offers.key_mode',
    sql: `
      -- Which key issued the offer (docs/host/merchant.md): 'device' = an
      -- offer key derived on the device, 'node' = the node id. Offers made
      -- before this migration were node-key offers.
      ALTER TABLE offers ADD COLUMN key_mode TEXT NOT NULL DEFAULT 'node' CHECK (key_mode IN ('device', 'node'));

      -- One row per invoice we issued for an invoice_request to one of our
      -- offers. label = <offer_id>-<invreq_payer_id>-<counter or 0> as CLN's
      -- offers plugin. status 'expired' is derived at read time from
      -- expires_at; the row keeps 'unpaid'. The preimage is NULL until the
      -- device releases it at settlement.
      CREATE TABLE invoices (
        id                   INTEGER PRIMARY KEY AUTOINCREMENT,  -- created_index
        label                TEXT NOT NULL UNIQUE,
        bolt12               TEXT NOT NULL CHECK (bolt12 LIKE 'lni1%'),
        payment_hash         BLOB NOT NULL UNIQUE CHECK (length(payment_hash) = 32),
        -- path_id of every payment path's final hop (the HTLC's payment_secret).
        path_id              BLOB NOT NULL CHECK (length(path_id) = 32),
        amount_msat          INTEGER NOT NULL,
        status               TEXT NOT NULL CHECK (status IN ('unpaid', 'paid')),
        description          TEXT,
        created_at           INTEGER NOT NULL,
        expires_at           INTEGER NOT NULL,
        relative_expiry      INTEGER NOT NULL,
        paid_at              INTEGER,
        amount_received_msat INTEGER,
        payment_preimage     BLOB CHECK (payment_preimage IS NULL OR length(payment_preimage) = 32),
        pay_index            INTEGER UNIQUE,
        updated_index        INTEGER,
        local_offer_id       BLOB NOT NULL CHECK (length(local_offer_id) = 32),
        invreq_payer_note    TEXT,
        recurrence_counter   INTEGER,
        recurrence_start     INTEGER,
        recurrence_basetime  INTEGER,
        key_mode             TEXT NOT NULL CHECK (key_mode IN ('device', 'node')),
        CHECK ((status = 'paid') = (payment_preimage IS NOT NULL)),
        CHECK ((status = 'paid') = (paid_at IS NOT NULL AND amount_received_msat IS NOT NULL AND pay_index IS NOT NULL))
      ) STRICT;
      CREATE INDEX invoices_offer ON invoices (local_offer_id);
    `,
  },
  {
    // Seed 001's quantity_min (BOLT 12 no longer encodes it: checked by the
    // issuer against invreq_quantity, decimal u64 text) and CLN's
    // fronting_nodes (JSON array of node ids) are kept with the offer.
    name: 'offers.quantity_min and offers.fronting_nodes',
    sql: `
      ALTER TABLE offers ADD COLUMN quantity_min TEXT CHECK (quantity_min IS NULL OR (quantity_min GLOB '[1-9]*' AND quantity_min NOT GLOB '*[^0-9]*'));
      ALTER TABLE offers ADD COLUMN fronting_nodes TEXT CHECK (fronting_nodes IS NULL OR json_valid(fronting_nodes));
    `,
  },
  {
    // invreq_recurrence_cancel (docs/host/merchant.md "Recurrence cancel"):
    // CLN stores an invoice with relative expiry 0 under the period's label
    // and sends nothing. The device will not sign an invoice that drops the
    // request's cancel record, so the cancel is kept here under the same
    // label (<offer_id>-<invreq_payer_id>-<counter>) instead.
    name: 'recurrence_cancels',
    sql: `
      CREATE TABLE recurrence_cancels (
        label              TEXT PRIMARY KEY,
        local_offer_id     BLOB NOT NULL CHECK (length(local_offer_id) = 32),
        payer_id           BLOB NOT NULL CHECK (length(payer_id) = 33),
        recurrence_counter INTEGER NOT NULL CHECK (recurrence_counter > 0),
        recurrence_start   INTEGER,
        created_at         INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // Issue 12 (docs/host/payer.md): every invoice_request fetchinvoice /
    // cancelrecurringinvoice signed and sent (the signed lnr bytes: `pay`
    // gives the device the request's signature, which the invoice does not
    // carry), with its reply secret and what became of it.
    name: 'payer_requests',
    sql: `
      CREATE TABLE payer_requests (
        invreq_id          BLOB PRIMARY KEY CHECK (length(invreq_id) = 32),
        offer_id           BLOB NOT NULL CHECK (length(offer_id) = 32),
        bolt12             TEXT NOT NULL CHECK (bolt12 LIKE 'lnr1%'),
        label              TEXT,
        recurrence_counter INTEGER,
        recurrence_start   INTEGER,
        recurrence_label   TEXT,
        reply_secret       TEXT NOT NULL CHECK (length(reply_secret) = 64 AND reply_secret NOT GLOB '*[^0-9a-f]*'),
        created_at         INTEGER NOT NULL,
        -- pending: remembered before it is sent; answered: a valid invoice
        -- came back (invoice set); failed: invoice_error or a refused invoice;
        -- timeout: no answer in time; unsent: no route, no connection;
        -- cancel: a recurrence cancel that was sent (never answered).
        status             TEXT NOT NULL CHECK (status IN ('pending', 'answered', 'failed', 'timeout', 'unsent', 'cancel')),
        invoice            TEXT CHECK (invoice IS NULL OR invoice LIKE 'lni1%'),
        CHECK ((status = 'answered') = (invoice IS NOT NULL))
      ) STRICT;
      CREATE INDEX payer_requests_offer ON payer_requests (offer_id);
    `,
  },
  {
    // sendinvoice (docs/host/sendinvoice.md): an invoice answering someone's
    // bare invoice_request has no offer of ours, so local_offer_id may be
    // NULL (CLN lists such invoices without local_offer_id). SQLite cannot
    // drop a NOT NULL: the table is rebuilt with the same rows, indexes and
    // AUTOINCREMENT counter (created_index never goes back).
    name: 'invoices.local_offer_id nullable (sendinvoice)',
    sql: `
      CREATE TABLE invoices_rebuilt (
        id                   INTEGER PRIMARY KEY AUTOINCREMENT,
        label                TEXT NOT NULL UNIQUE,
        bolt12               TEXT NOT NULL CHECK (bolt12 LIKE 'lni1%'),
        payment_hash         BLOB NOT NULL UNIQUE CHECK (length(payment_hash) = 32),
        path_id              BLOB NOT NULL CHECK (length(path_id) = 32),
        amount_msat          INTEGER NOT NULL,
        status               TEXT NOT NULL CHECK (status IN ('unpaid', 'paid')),
        description          TEXT,
        created_at           INTEGER NOT NULL,
        expires_at           INTEGER NOT NULL,
        relative_expiry      INTEGER NOT NULL,
        paid_at              INTEGER,
        amount_received_msat INTEGER,
        payment_preimage     BLOB CHECK (payment_preimage IS NULL OR length(payment_preimage) = 32),
        pay_index            INTEGER UNIQUE,
        updated_index        INTEGER,
        local_offer_id       BLOB CHECK (local_offer_id IS NULL OR length(local_offer_id) = 32),
        invreq_payer_note    TEXT,
        recurrence_counter   INTEGER,
        recurrence_start     INTEGER,
        recurrence_basetime  INTEGER,
        key_mode             TEXT NOT NULL CHECK (key_mode IN ('device', 'node')),
        CHECK ((status = 'paid') = (payment_preimage IS NOT NULL)),
        CHECK ((status = 'paid') = (paid_at IS NOT NULL AND amount_received_msat IS NOT NULL AND pay_index IS NOT NULL))
      ) STRICT;
      INSERT INTO invoices_rebuilt SELECT * FROM invoices;
      CREATE TEMP TABLE invoices_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'invoices';
      DROP TABLE invoices;
      ALTER TABLE invoices_rebuilt RENAME TO invoices;
      DELETE FROM sqlite_sequence WHERE name = 'invoices';
      INSERT INTO sqlite_sequence (name, seq)
        SELECT 'invoices', MAX(COALESCE((SELECT seq FROM invoices_seq), 0), COALESCE((SELECT MAX(id) FROM invoices), 0));
      DROP TABLE invoices_seq;
      CREATE INDEX invoices_offer ON invoices (local_offer_id);
    `,
  },
  {
    // pay (BOLT 12, docs/host/pay.md): each part the device built with
    // pay_invoice keeps the device's part ref, the pay_invoice payload (what
    // pay_failed sends back, with the node's onionreply: the device alone
    // holds the part's shared secrets), the onion itself (a part the daemon
    // died before sending is sent again with these very bytes: the device
    // already counts it), and whether the device has been told the part
    // failed (or the part was superseded).
    name: 'payments.part_ref, onion, part_released (pay of BOLT 12 invoices)',
    sql: `
      ALTER TABLE payments ADD COLUMN part_ref BLOB CHECK (part_ref IS NULL OR length(part_ref) = 16);
      ALTER TABLE payments ADD COLUMN pay_request BLOB;
      ALTER TABLE payments ADD COLUMN onion BLOB;
      ALTER TABLE payments ADD COLUMN part_released INTEGER NOT NULL DEFAULT 0 CHECK (part_released IN (0, 1));
      -- The absolute cltv_expiry the onion was built for (first hop), to resend it unchanged.
      ALTER TABLE payments ADD COLUMN first_cltv INTEGER;
    `,
  },
];

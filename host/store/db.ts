// Opens the daemon's SQLite database: WAL journal, full fsync on commit (a
// result is only returned after its record is durable), foreign keys on, and
// the schema migrated to the latest version in one transaction per step.
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface OpenOptions {
  /** Migrations to apply (tests pass a prefix of the list). */
  migrations?: readonly Migration[];
  /** Called once per applied migration. */
  onMigrate?: (version: number, m: Migration) => void;
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  const migrations = opts.migrations ?? MIGRATIONS;
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // FULL: every commit is fsynced before it returns (NORMAL could lose the
    // last commits on power loss, after we already answered the client).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const mode = db.pragma('journal_mode', { simple: true });
    if (mode !== 'wal') throw new StoreError(`${path}: could not enable WAL (journal_mode is ${String(mode)})`);
    migrate(db, migrations, opts.onMigrate);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, migrations: readonly Migration[], onMigrate?: OpenOptions['onMigrate']): void {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new StoreError(
      `database schema version ${current} is newer than this program knows (${migrations.length}); refusing to open it`,
    );
  }
  for (let v = current; v < migrations.length; v++) {
    const m = migrations[v];
    // Each step and its version bump commit together, or not at all.
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
    onMigrate?.(v + 1, m);
  }
}

/**
 * Ordered schema migrations of the SQLite store. `migrate` applies the missing ones, each in
 * its own transaction together with its `schema_migrations` row, so it is idempotent and safe
 * to run at every start. Never edit a released migration: append a new one.
 *
 * Layout notes (every index costs a page write per commit):
 * - `event` is a rowid table (appends stay sequential, payloads stay out of index pages); reads
 *   in order go through the unique (execution_id, seq) index, idempotency through
 *   unique (execution_id, event_id).
 * - `command` has one partial index over the open statuses, which serves the reaper and
 *   `resume` (open commands of an execution); commands are not indexed by execution otherwise.
 */
import type Database from "better-sqlite3";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE catalog (
  catalog_id INTEGER PRIMARY KEY AUTOINCREMENT,
  path TEXT NOT NULL,
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (path, version)
);
CREATE TABLE execution (
  execution_id TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  catalog_version INTEGER,
  status TEXT NOT NULL,
  parent_execution_id TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  result TEXT,
  error TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX execution_started ON execution(started_at DESC);
CREATE INDEX execution_parent ON execution(parent_execution_id) WHERE parent_execution_id IS NOT NULL;
CREATE TABLE event (
  execution_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  step TEXT,
  at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  cause TEXT,
  PRIMARY KEY (execution_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX event_id ON event(execution_id, event_id);
CREATE TABLE command (
  command_id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL,
  step TEXT NOT NULL,
  pool TEXT NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  worker_id TEXT,
  lease_until INTEGER,
  claimed_at INTEGER,
  completed_at INTEGER,
  claims INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE result (
  ref TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL,
  name TEXT NOT NULL,
  data TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE credential (
  name TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  data_encrypted TEXT NOT NULL,
  description TEXT,
  tags TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`,
  },
];

/** Apply the migrations not yet recorded in `schema_migrations`, in version order. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  const applied = new Set(db.prepare("SELECT version FROM schema_migrations").pluck().all() as number[]);
  const record = db.prepare("INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)");
  const isApplied = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").pluck();
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      if (isApplied.get(m.version) !== undefined) return; // another process got there first
      db.exec(m.sql);
      record.run(m.version, Date.now());
      done.push(m.version);
    }).immediate();
  }
  return done;
}

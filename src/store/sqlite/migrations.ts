/**
 * Ordered schema migrations of the SQLite store. `migrate` applies the missing ones, each in
 * its own transaction together with its `schema_migrations` row, so it is idempotent and safe
 * to run at every start. Never edit a released migration: append a new one.
 *
 * Layout (migration 2; every b-tree a commit touches is a WAL frame, ~8 µs each):
 * - `execution` is numbered by `xid` (INTEGER PRIMARY KEY, assigned on insert, never reused: rows
 *   are not deleted); `execution_id` is unique.
 * - `event` rows are keyed by `id = xid << 32 | seq`: one execution's events are one contiguous
 *   range of the table, read in seq order by a range seek, and a chain's commit appends at the
 *   table's end, which SQLite does by adding a page (a sorted index or WITHOUT ROWID table
 *   re-balances three siblings instead: migration 1's layout wrote ~5 frames per commit of four
 *   events, this one ~3.5). Idempotency goes through the unique (execution_id, event_id) index.
 * - Migration 3: an event id that is a decimal int64 (the engine's and workers' snowflakes) is
 *   made unique by a row of `event_key` (keyed by that number, so claims append too) and the event
 *   is marked `keyed`; the unique (execution_id, event_id) index covers only the other rows (any
 *   other id, or a number another execution holds). Appending to a sorted index re-balanced three
 *   siblings every few commits: ~1.9 WAL frames per chain commit, now ~1 (see event-writer.ts).
 * - Migration 5: an `event_key` row also holds the seq of the event it guards (`eventSeq` by id).
 * - `command` is keyed by `cid`, the number of its snowflake `command_id` (the engine's ids are
 *   decimal int64): no separate index on the id.
 * - The open commands (reaper, `resume`) are found by scanning `command`; there is no index by
 *   status or by execution (each would be another frame per commit).
 */
import type Database from "better-sqlite3";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** SQL twin of event-writer.ts's `isKeyableId`: the canonical decimal of a positive int64. */
const KEYABLE_EVENT_ID =
  "event_id GLOB '[1-9]*' AND event_id NOT GLOB '*[^0-9]*' AND (length(event_id) < 19 OR (length(event_id) = 19 AND event_id <= '9223372036854775807'))";

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
  {
    version: 2,
    name: "integer keys: numbered executions, events appended by (execution number, seq), commands by snowflake",
    sql: `
CREATE TABLE execution_v2 (
  xid INTEGER PRIMARY KEY,
  execution_id TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  catalog_version INTEGER,
  status TEXT NOT NULL,
  parent_execution_id TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  result TEXT,
  error TEXT
);
INSERT INTO execution_v2(execution_id, path, catalog_version, status, parent_execution_id, started_at,
    ended_at, result, error)
  SELECT execution_id, path, catalog_version, status, parent_execution_id, started_at, ended_at, result, error
  FROM execution ORDER BY started_at, execution_id;
INSERT OR IGNORE INTO execution_v2(execution_id, path, status, started_at)
  SELECT execution_id, '', 'running', MIN(at) FROM event GROUP BY execution_id;
CREATE TABLE event_v2 (
  id INTEGER PRIMARY KEY,
  execution_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  step TEXT,
  at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  cause TEXT
);
INSERT INTO event_v2(id, execution_id, seq, event_id, type, step, at, payload, cause)
  SELECT (x.xid << 32) + e.seq, e.execution_id, e.seq, e.event_id, e.type, e.step, e.at, e.payload, e.cause
  FROM event e JOIN execution_v2 x ON x.execution_id = e.execution_id ORDER BY 1;
CREATE TABLE command_v2 (
  cid INTEGER PRIMARY KEY,
  command_id TEXT NOT NULL,
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
INSERT INTO command_v2(cid, command_id, execution_id, step, pool, status, body, worker_id, lease_until,
    claimed_at, completed_at, claims, created_at)
  SELECT command_id, command_id, execution_id, step, pool, status, body, worker_id, lease_until,
    claimed_at, completed_at, claims, created_at
  FROM command ORDER BY rowid;
DROP TABLE event;
DROP TABLE execution;
DROP TABLE command;
ALTER TABLE execution_v2 RENAME TO execution;
ALTER TABLE event_v2 RENAME TO event;
ALTER TABLE command_v2 RENAME TO command;
CREATE INDEX execution_started ON execution(started_at DESC);
CREATE INDEX execution_parent ON execution(parent_execution_id) WHERE parent_execution_id IS NOT NULL;
CREATE UNIQUE INDEX event_id ON event(execution_id, event_id);
`,
  },
  {
    version: 3,
    name: "numeric event ids unique through event_key, an appended table, instead of a sorted index",
    sql: `
ALTER TABLE event ADD COLUMN keyed INTEGER;
CREATE TABLE event_key (
  k INTEGER PRIMARY KEY,
  xid INTEGER NOT NULL
);
INSERT OR IGNORE INTO event_key(k, xid)
  SELECT CAST(event_id AS INTEGER), id >> 32 FROM event
  WHERE ${KEYABLE_EVENT_ID}
  ORDER BY id;
UPDATE event SET keyed = 1
  WHERE ${KEYABLE_EVENT_ID}
    AND (SELECT xid FROM event_key WHERE k = CAST(event.event_id AS INTEGER)) = id >> 32;
DROP INDEX event_id;
CREATE UNIQUE INDEX event_id ON event(execution_id, event_id) WHERE keyed IS NULL;
`,
  },
  {
    version: 4,
    name: "catalog entries can be archived (deleted from the catalog, kept for the executions started from them)",
    sql: `
ALTER TABLE catalog ADD COLUMN archived_at INTEGER;
`,
  },
  {
    version: 5,
    name: "event_key holds the seq of the event it guards (an event's seq by its id, without a scan)",
    sql: `
ALTER TABLE event_key ADD COLUMN seq INTEGER;
UPDATE event_key SET seq = e.seq
  FROM event e
  WHERE e.keyed = 1 AND e.id >> 32 = event_key.xid AND CAST(e.event_id AS INTEGER) = event_key.k;
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

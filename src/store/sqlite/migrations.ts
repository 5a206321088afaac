/** Ordered schema migrations of the SQLite store (applied once each, in a transaction). */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
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
  event_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  step TEXT,
  at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  cause TEXT,
  PRIMARY KEY (execution_id, event_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX event_seq ON event(execution_id, seq);
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
CREATE INDEX command_execution ON command(execution_id);
CREATE INDEX command_open ON command(status, created_at) WHERE status IN ('PENDING','CLAIMED','RUNNING');
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

import type { Migration } from "./migration.ts";

export const V1_INITIAL_SCHEMA: Migration = {
  version: 1,
  name: "initial schema",
  sql: `
CREATE TABLE {schema}.catalog (
  catalog_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  path TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (path, version)
);
CREATE TABLE {schema}.execution (
  execution_id TEXT COLLATE "C" PRIMARY KEY,
  path TEXT COLLATE "C" NOT NULL,
  catalog_version INTEGER,
  status TEXT NOT NULL,
  parent_execution_id TEXT COLLATE "C",
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  result JSON,
  error JSON,
  last_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX execution_started ON {schema}.execution (started_at DESC, execution_id DESC);
CREATE INDEX execution_path ON {schema}.execution (path, started_at DESC);
CREATE INDEX execution_parent ON {schema}.execution (parent_execution_id)
  WHERE parent_execution_id IS NOT NULL;
CREATE TABLE {schema}.event (
  execution_id TEXT COLLATE "C" NOT NULL,
  seq BIGINT NOT NULL,
  event_id TEXT COLLATE "C" NOT NULL,
  type TEXT NOT NULL,
  step TEXT,
  at BIGINT NOT NULL,
  payload JSON NOT NULL,
  cause TEXT,
  PRIMARY KEY (execution_id, seq),
  UNIQUE (execution_id, event_id)
);
CREATE TABLE {schema}.command (
  command_id TEXT COLLATE "C" PRIMARY KEY,
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  execution_id TEXT COLLATE "C" NOT NULL,
  step TEXT NOT NULL,
  pool TEXT NOT NULL,
  status TEXT NOT NULL,
  body JSON NOT NULL,
  worker_id TEXT,
  lease_until BIGINT,
  claimed_at BIGINT,
  completed_at BIGINT,
  claims INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX command_execution ON {schema}.command (execution_id);
CREATE INDEX command_open ON {schema}.command (status, created_at)
  WHERE status IN ('PENDING','CLAIMED','RUNNING');
CREATE INDEX command_lease ON {schema}.command (lease_until)
  WHERE status IN ('CLAIMED','RUNNING');
CREATE TABLE {schema}.result (
  ref TEXT COLLATE "C" PRIMARY KEY,
  execution_id TEXT COLLATE "C" NOT NULL,
  name TEXT NOT NULL,
  data JSON NOT NULL,
  bytes BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX result_execution ON {schema}.result (execution_id);
CREATE TABLE {schema}.credential (
  name TEXT COLLATE "C" PRIMARY KEY,
  type TEXT NOT NULL,
  data_encrypted TEXT NOT NULL,
  description TEXT,
  tags JSON,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE {schema}.kv (key TEXT COLLATE "C" PRIMARY KEY, value JSON NOT NULL);
`,
};

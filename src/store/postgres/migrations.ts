/**
 * Ordered schema migrations of the PostgreSQL store. `migrate` creates the schema and applies
 * the missing migrations in ONE transaction under `pg_advisory_xact_lock`, so servers starting
 * together never race (the second waits, then finds everything applied). Never edit a released
 * migration: append a new one.
 *
 * `{schema}` in the SQL is replaced by the quoted schema name.
 *
 * JSON columns are `json`, not `jsonb`: `json` keeps the exact text (key order, duplicate-free
 * as produced by `JSON.stringify`) and accepts `\u0000` in strings, so every value reads back
 * exactly as the SQLite and memory stores return it. The `->`/`->>` operators work on both.
 * Text keys compared or sorted by the store use `COLLATE "C"` (code-point order, as in JS).
 */
import type { PoolClient } from "pg";

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
  },
];

/** Quote a schema name (validated: letters, digits, `_`; not starting with a digit). */
export function quoteSchema(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema))
    throw new Error(`invalid PostgreSQL schema name: ${schema}`);
  return `"${schema}"`;
}

/**
 * Create the schema and apply the migrations not yet recorded in `schema_migrations`, in
 * version order, in one transaction holding a transaction-level advisory lock keyed by the
 * schema name. Returns the versions applied now.
 */
export async function migrate(
  client: PoolClient,
  schema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const s = quoteSchema(schema);
  const done: number[] = [];
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`noetl.migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
         version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql.replaceAll("{schema}", s));
      await client.query(
        `INSERT INTO ${s}.schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)`,
        [m.version, m.name, Date.now()],
      );
      done.push(m.version);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
  return done;
}

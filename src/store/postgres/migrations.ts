/**
 * Ordered schema migrations of the PostgreSQL store. `migrate` creates the schema and applies
 * the missing migrations in ONE transaction under `pg_advisory_xact_lock`, so servers starting
 * together never race (the second waits, then finds everything applied). Never edit a released
 * migration: append a new one (in `migrations/`, listed in `migrations/index.ts`).
 *
 * `{schema}` in the SQL is replaced by the quoted schema name.
 */
import type { PoolClient } from "pg";
import { MIGRATIONS, type Migration } from "./migrations/index.ts";

export type { Migration } from "./migrations/index.ts";
export { MIGRATIONS } from "./migrations/index.ts";

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

/**
 * The SQL text of the PostgreSQL store: the fixed statements (`SQL`, with `{s}` for the quoted
 * schema) and the builders of the list queries, whose filters vary (`readEventsQuery`, …).
 */
import type { ExecutionId } from "../../kernel/index.ts";
import type { ListCommandsFilter, ListExecutionsFilter, ReadEventsOptions } from "../store.ts";

const TERMINAL = "('COMPLETED','FAILED','CANCELLED')";
/** A claim that is held: CLAIMED/RUNNING with a lease not yet expired (`lease_until >= now`). */
const LIVE = "(status IN ('CLAIMED','RUNNING') AND COALESCE(lease_until, 0) >= $3::bigint)";
const EVENT_COLUMNS = "execution_id, seq, event_id, type, step, at, payload, cause";
const COMMAND_COLUMNS =
  "command_id, body, status, worker_id, lease_until, claimed_at, completed_at, claims, created_at";

/**
 * The claim of the commands `which` selects ($2 worker, $3 now, $4 lease ms): a command not
 * held (or held by this worker) becomes CLAIMED with a new lease; returns the claimed rows with
 * their execution's status.
 */
function claimSql(which: string): string {
  return `WITH c AS (UPDATE {s}.command SET
      status = CASE WHEN ${LIVE} THEN status ELSE 'CLAIMED' END,
      claimed_at = CASE WHEN ${LIVE} THEN claimed_at ELSE $3::bigint END,
      claims = claims + CASE WHEN ${LIVE} THEN 0 ELSE 1 END,
      worker_id = $2::text,
      lease_until = $3::bigint + $4::bigint
    WHERE ${which} AND status NOT IN ${TERMINAL} AND (NOT ${LIVE} OR worker_id = $2::text)
    RETURNING ${COMMAND_COLUMNS}, execution_id)
    SELECT c.*, x.status AS execution_status FROM c
    LEFT JOIN {s}.execution x ON x.execution_id = c.execution_id`;
}

/** The SQL of the store, with `{s}` standing for the quoted schema. */
export const SQL = {
  /**
   * The whole commit (the function as migration 5 left it): `commitParams` ($1–$32), then the
   * hand-off claims ($33–$36: command ids, workers, lease ends, claim times; empty arrays when
   * there are none).
   */
  commit: `SELECT {s}.commit_batch_claim($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],
      $6::json[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::json[], $13::bigint,
      $14::text[], $15::text[], $16::text[], $17::bigint[], $18::text[], $19::bigint[], $20::text, $21::text,
      $22::integer, $23::text, $24::text, $25::bigint, $26::bigint, $27::json, $28::json, $29::bigint,
      $30::text, $31::bigint, $32::text, $33::text[], $34::text[], $35::bigint[], $36::bigint[]) AS seqs`,
  getExecution: "SELECT * FROM {s}.execution WHERE execution_id = $1",
  /** Through the unique (execution_id, event_id) index. */
  eventSeq: "SELECT seq FROM {s}.event WHERE execution_id = $1 AND event_id = $2",
  getCommand: `SELECT ${COMMAND_COLUMNS} FROM {s}.command WHERE command_id = $1`,
  claim: claimSql("command_id = $1"),
  claimMany: claimSql("command_id = ANY($1::text[])"),
  getCommands: `SELECT ${COMMAND_COLUMNS} FROM {s}.command WHERE command_id = ANY($1::text[])`,
  renew: `UPDATE {s}.command SET lease_until = $1 WHERE command_id = $2 AND worker_id = $3
    AND status IN ('CLAIMED','RUNNING')`,
  insertCatalog: `INSERT INTO {s}.catalog(path, version, kind, content, created_at)
    SELECT $1::text, COALESCE(MAX(version), 0) + 1, $2::text, $3::text, $4::bigint
    FROM {s}.catalog WHERE path = $1::text
    RETURNING catalog_id, version`,
  catalogLatest:
    "SELECT * FROM {s}.catalog WHERE path = $1 AND archived_at IS NULL ORDER BY version DESC LIMIT 1",
  catalogVersion: "SELECT * FROM {s}.catalog WHERE path = $1 AND version = $2",
  catalogById: "SELECT * FROM {s}.catalog WHERE catalog_id = $1",
  catalogList: `SELECT * FROM {s}.catalog WHERE ($1::text IS NULL OR path = $1::text)
    AND ($2::text IS NULL OR kind = $2::text) AND ($3::boolean OR archived_at IS NULL)
    ORDER BY path, version DESC`,
  catalogArchive: `UPDATE {s}.catalog SET archived_at = $3::bigint
    WHERE path = $1::text AND ($2::integer IS NULL OR version = $2::integer) AND archived_at IS NULL
    RETURNING *`,
  catalogRestore: `UPDATE {s}.catalog SET archived_at = NULL
    WHERE path = $1::text AND ($2::integer IS NULL OR version = $2::integer) AND archived_at IS NOT NULL
    RETURNING *`,
  insertResult: `INSERT INTO {s}.result(ref, execution_id, name, data, bytes, created_at)
    VALUES ($1, $2, $3, $4::json, $5, $6) ON CONFLICT (ref) DO NOTHING`,
  getResult: "SELECT data FROM {s}.result WHERE ref = $1",
  hasEvents: "SELECT 1 FROM {s}.event WHERE execution_id = $1 LIMIT 1",
  loopEvents: `SELECT ${EVENT_COLUMNS} FROM {s}.event WHERE execution_id = $1 AND step = $2
    AND type = ANY($3::text[]) AND payload->>'loop_id' = $4 ORDER BY seq`,
  putCredential: `INSERT INTO {s}.credential(name, type, data_encrypted, description, tags, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5::json, $6, $7)
    ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, data_encrypted = EXCLUDED.data_encrypted,
      description = EXCLUDED.description, tags = EXCLUDED.tags, updated_at = EXCLUDED.updated_at`,
  getCredential: "SELECT * FROM {s}.credential WHERE name = $1",
  listCredentials: "SELECT * FROM {s}.credential ORDER BY name",
  deleteCredential: "DELETE FROM {s}.credential WHERE name = $1",
  kvGet: "SELECT value FROM {s}.kv WHERE key = $1",
  kvPut: `INSERT INTO {s}.kv(key, value) VALUES ($1, $2::json)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
  lock: "SELECT * FROM {s}.lock_execution($1, $2)",
  unlock: "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
} as const;

export type SqlName = keyof typeof SQL;

/** A statement built per call (the list queries): its text, schema included, and parameters. */
export interface Query {
  sql: string;
  params: unknown[];
}

/** `readEvents` in schema `s`. */
export function readEventsQuery(s: string, executionId: ExecutionId, options: ReadEventsOptions): Query {
  const params: unknown[] = [executionId, options.afterSeq ?? 0];
  let sql = `SELECT ${EVENT_COLUMNS} FROM ${s}.event WHERE execution_id = $1 AND seq > $2`;
  if (options.types) {
    params.push(options.types);
    sql += ` AND type = ANY($${params.length}::text[])`;
  }
  params.push(options.limit ?? null);
  sql += ` ORDER BY seq LIMIT $${params.length}`;
  return { sql, params };
}

/** `listExecutions` in schema `s`. */
export function listExecutionsQuery(s: string, filter: ListExecutionsFilter): Query {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (filter.status) add("status = ?", filter.status);
  if (filter.path) add("path = ?", filter.path);
  if (filter.parent_execution_id) add("parent_execution_id = ?", filter.parent_execution_id);
  params.push(filter.limit ?? null, filter.offset ?? 0);
  const sql = `SELECT * FROM ${s}.execution ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY started_at DESC, execution_id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`;
  return { sql, params };
}

/** `listCommands` in schema `s`. */
export function listCommandsQuery(s: string, filter: ListCommandsFilter): Query {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (filter.execution_id) add("execution_id = ?", filter.execution_id);
  if (filter.status) add("status = ANY(?::text[])", filter.status);
  if (filter.leaseExpiredBefore !== undefined)
    add(
      "status IN ('CLAIMED','RUNNING') AND COALESCE(lease_until, 0) < ?::bigint",
      filter.leaseExpiredBefore,
    );
  if (filter.createdBefore !== undefined) add("created_at < ?::bigint", filter.createdBefore);
  params.push(filter.limit ?? null);
  const sql = `SELECT ${COMMAND_COLUMNS} FROM ${s}.command
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, ord LIMIT $${params.length}`;
  return { sql, params };
}

/**
 * PostgreSQL Store (distributed mode) on `pg`. Same semantics as the SQLite store, checked by
 * the shared conformance suite; several server replicas may share one database.
 *
 * - All tables live in one schema (`noetl` by default), created by ordered migrations applied
 *   under an advisory lock (`migrations.ts`).
 * - `commit` is ONE transaction. Event `seq` comes from the execution row, locked with
 *   `SELECT … FOR UPDATE` (created when missing; rows are locked in execution-id order, so two
 *   commits never deadlock on them), so concurrent commits to one execution from any number of
 *   replicas get gap-free, duplicate-free seqs. A transaction that still hits a deadlock or a
 *   serialisation failure (e.g. command rows updated in different orders) is retried.
 * - `claimCommand` is one conditional `UPDATE … RETURNING` (atomic across replicas).
 * - `withExecutionLock` takes a process-local mutex, then a session-level advisory lock on a
 *   connection of a separate lock pool, held while `fn` runs: replicas serialise per execution,
 *   and `fn` (which uses the main pool) can never be starved by lock holders. Do not nest
 *   `withExecutionLock` calls for different executions more than `lockPoolSize` deep.
 */
import pg from "pg";
import type { CommandId, EventId, ExecutionId, Json, JsonObject } from "../../kernel/index.ts";
import type { NoetlEvent, ResultRef } from "../../protocol/index.ts";
import { isTerminalStatus } from "../command-status.ts";
import { ExecutionMutex } from "../execution-mutex.ts";
import { LOOP_REF_EVENT_TYPES, loopResults, parseLoopRef } from "../loop-ref.ts";
import { prepareResult } from "../result-ref.ts";
import type {
  CatalogEntry,
  ClaimOutcome,
  CommandRow,
  CommandUpdate,
  CommitBatch,
  CommitResult,
  CredentialRow,
  ExecutionRow,
  ListCommandsFilter,
  ListExecutionsFilter,
  ReadEventsOptions,
  Store,
} from "../store.ts";
import { migrate, quoteSchema } from "./migrations.ts";
import type { CatalogRecord, CommandRecord, CredentialRecord, EventRecord, ExecutionRecord } from "./rows.ts";
import { PG_TYPES, toCatalog, toCommand, toCredential, toEvent, toExecution } from "./rows.ts";

export interface PostgresStoreOptions {
  /** Connection string, e.g. `postgres://user@host:5432/db`. */
  url: string;
  /** Schema holding the tables (default `noetl`). */
  schema?: string;
  /** Connections for queries and transactions (default 10). */
  poolSize?: number;
  /** Connections that hold execution locks while their `fn` runs (default `poolSize`). */
  lockPoolSize?: number;
  /** `application_name` of the connections (default `noetl`). */
  applicationName?: string;
}

type Client = pg.PoolClient;

const TERMINAL = "('COMPLETED','FAILED','CANCELLED')";
/** A claim that is held: CLAIMED/RUNNING with a lease not yet expired (`lease_until >= now`). */
const LIVE = "(status IN ('CLAIMED','RUNNING') AND COALESCE(lease_until, 0) >= $3::bigint)";
const EVENT_COLUMNS = "execution_id, seq, event_id, type, step, at, payload, cause";
const COMMAND_COLUMNS =
  "command_id, body, status, worker_id, lease_until, claimed_at, completed_at, claims, created_at";
/** SQLSTATEs after which a whole transaction may simply be run again. */
const RETRYABLE = new Set(["40001", "40P01"]);
const UNIQUE_VIOLATION = "23505";

/** The SQL of the store, with `{s}` standing for the quoted schema. */
const SQL = {
  ensureExecution: `INSERT INTO {s}.execution(execution_id, path, status, started_at, last_seq)
    VALUES ($1, '', 'running', $2, 0) ON CONFLICT (execution_id) DO NOTHING RETURNING last_seq`,
  lockExecution: "SELECT last_seq FROM {s}.execution WHERE execution_id = $1 FOR UPDATE",
  upsertExecution: `INSERT INTO {s}.execution AS x (execution_id, path, catalog_version, status,
      parent_execution_id, started_at, ended_at, result, error, last_seq)
    VALUES ($1, COALESCE($2::text, ''), $3::integer, COALESCE($4::text, 'running'), $5::text,
      COALESCE($6::bigint, $7::bigint), $8::bigint, $9::json, $10::json, 0)
    ON CONFLICT (execution_id) DO UPDATE SET
      path = COALESCE($2::text, x.path),
      catalog_version = COALESCE($3::integer, x.catalog_version),
      status = COALESCE($4::text, x.status),
      parent_execution_id = COALESCE($5::text, x.parent_execution_id),
      started_at = COALESCE($6::bigint, x.started_at),
      ended_at = COALESCE($8::bigint, x.ended_at),
      result = COALESCE($9::json, x.result),
      error = COALESCE($10::json, x.error)
    RETURNING last_seq`,
  existingEvents: `SELECT e.execution_id, e.event_id FROM {s}.event e
    JOIN unnest($1::text[], $2::text[]) AS k(execution_id, event_id)
      ON e.execution_id = k.execution_id AND e.event_id = k.event_id`,
  insertEvents: `WITH ins AS (
      INSERT INTO {s}.event(${EVENT_COLUMNS})
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[],
        $7::json[], $8::text[])
      ON CONFLICT (execution_id, event_id) DO NOTHING
      RETURNING execution_id, seq
    ), upd AS (
      UPDATE {s}.execution x SET last_seq = m.seq
      FROM (SELECT execution_id, max(seq) AS seq FROM ins GROUP BY execution_id) m
      WHERE x.execution_id = m.execution_id
    )
    SELECT count(*)::integer AS n FROM ins`,
  insertCommands: `INSERT INTO {s}.command(command_id, execution_id, step, pool, status, body, claims, created_at)
    SELECT id, eid, step, pool, 'PENDING', body::json, 0, $6::bigint
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
      WITH ORDINALITY AS t(id, eid, step, pool, body, n)
    ORDER BY n
    ON CONFLICT (command_id) DO NOTHING`,
  updateCommand: `UPDATE {s}.command SET status = $2::text,
      worker_id = CASE WHEN $2::text = 'PENDING' THEN NULL ELSE COALESCE($3::text, worker_id) END,
      lease_until = CASE WHEN $2::text = 'PENDING' THEN NULL ELSE lease_until END,
      completed_at = CASE WHEN $2::text IN ${TERMINAL} THEN $4::bigint ELSE completed_at END
    WHERE command_id = $1 AND status NOT IN ${TERMINAL}`,
  updateCommands: `UPDATE {s}.command c SET status = u.status,
      worker_id = CASE WHEN u.status = 'PENDING' THEN NULL ELSE COALESCE(u.worker_id, c.worker_id) END,
      lease_until = CASE WHEN u.status = 'PENDING' THEN NULL ELSE c.lease_until END,
      completed_at = CASE WHEN u.status IN ${TERMINAL} THEN u.at ELSE c.completed_at END
    FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(id, status, worker_id, at)
    WHERE c.command_id = u.id AND c.status NOT IN ${TERMINAL}`,
  getExecution: "SELECT * FROM {s}.execution WHERE execution_id = $1",
  getCommand: `SELECT ${COMMAND_COLUMNS} FROM {s}.command WHERE command_id = $1`,
  claim: `UPDATE {s}.command SET
      status = CASE WHEN ${LIVE} THEN status ELSE 'CLAIMED' END,
      claimed_at = CASE WHEN ${LIVE} THEN claimed_at ELSE $3::bigint END,
      claims = claims + CASE WHEN ${LIVE} THEN 0 ELSE 1 END,
      worker_id = $2::text,
      lease_until = $3::bigint + $4::bigint
    WHERE command_id = $1 AND status NOT IN ${TERMINAL} AND (NOT ${LIVE} OR worker_id = $2::text)
    RETURNING ${COMMAND_COLUMNS}`,
  renew: `UPDATE {s}.command SET lease_until = $1 WHERE command_id = $2 AND worker_id = $3
    AND status IN ('CLAIMED','RUNNING')`,
  insertCatalog: `INSERT INTO {s}.catalog(path, version, kind, content, created_at)
    SELECT $1::text, COALESCE(MAX(version), 0) + 1, $2::text, $3::text, $4::bigint
    FROM {s}.catalog WHERE path = $1::text
    RETURNING catalog_id, version`,
  catalogLatest: "SELECT * FROM {s}.catalog WHERE path = $1 ORDER BY version DESC LIMIT 1",
  catalogVersion: "SELECT * FROM {s}.catalog WHERE path = $1 AND version = $2",
  catalogById: "SELECT * FROM {s}.catalog WHERE catalog_id = $1",
  catalogList: `SELECT * FROM {s}.catalog WHERE ($1::text IS NULL OR path = $1::text)
    AND ($2::text IS NULL OR kind = $2::text) ORDER BY path, version DESC`,
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
  lock: "SELECT pg_advisory_lock(hashtextextended($1, 0))",
  unlock: "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
} as const;

type SqlName = keyof typeof SQL;

/** The optimistic insert met an event that is already stored: redo the batch with the check. */
class DuplicateEvents extends Error {}

export class PostgresStore implements Store {
  readonly name = "postgres";
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly lockPool: pg.Pool;
  private readonly mutex = new ExecutionMutex();
  private readonly sql: Record<SqlName, string>;
  private readonly s: string;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema ?? "noetl";
    this.s = quoteSchema(this.schema);
    const s = this.s;
    this.sql = Object.fromEntries(Object.entries(SQL).map(([k, v]) => [k, v.replaceAll("{s}", s)])) as Record<
      SqlName,
      string
    >;
    const poolSize = Math.max(1, options.poolSize ?? 10);
    const common = {
      connectionString: options.url,
      types: PG_TYPES,
      application_name: options.applicationName ?? "noetl",
    };
    this.pool = new pg.Pool({ ...common, max: poolSize });
    this.lockPool = new pg.Pool({ ...common, max: Math.max(1, options.lockPoolSize ?? poolSize) });
    // An idle connection that dies is discarded by the pool; without a listener it would crash us.
    this.pool.on("error", () => undefined);
    this.lockPool.on("error", () => undefined);
  }

  async init(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await migrate(client, this.schema);
      client.release();
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    // Duplicates are rare (retried reports): first insert optimistically, one round trip fewer.
    let checkDuplicates = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transaction((c) => this.commitInTx(c, batch, checkDuplicates));
      } catch (error) {
        // A re-delivered event met the unique key: redo the batch with the explicit check.
        if (error instanceof DuplicateEvents && !checkDuplicates) {
          checkDuplicates = true;
          continue;
        }
        if (attempt >= 5 || !RETRYABLE.has(sqlState(error))) throw error;
      }
    }
  }

  async readEvents(executionId: ExecutionId, options: ReadEventsOptions = {}): Promise<NoetlEvent[]> {
    const params: unknown[] = [executionId, options.afterSeq ?? 0];
    let sql = `SELECT ${EVENT_COLUMNS} FROM ${this.s}.event WHERE execution_id = $1 AND seq > $2`;
    if (options.types) {
      params.push(options.types);
      sql += ` AND type = ANY($${params.length}::text[])`;
    }
    params.push(options.limit ?? null);
    sql += ` ORDER BY seq LIMIT $${params.length}`;
    return (await this.rows<EventRecord>(sql, params)).map(toEvent);
  }

  async getExecution(executionId: ExecutionId): Promise<ExecutionRow | undefined> {
    const [r] = await this.rows<ExecutionRecord>(this.sql.getExecution, [executionId]);
    return r ? toExecution(r) : undefined;
  }

  async listExecutions(filter: ListExecutionsFilter = {}): Promise<ExecutionRow[]> {
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
    const sql = `SELECT * FROM ${this.s}.execution ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY started_at DESC, execution_id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`;
    return (await this.rows<ExecutionRecord>(sql, params)).map(toExecution);
  }

  async getCommand(commandId: CommandId): Promise<CommandRow | undefined> {
    const [r] = await this.rows<CommandRecord>(this.sql.getCommand, [commandId]);
    return r ? toCommand(r) : undefined;
  }

  /** One conditional UPDATE … RETURNING: atomic across connections and replicas. */
  async claimCommand(
    commandId: CommandId,
    workerId: string,
    now: number,
    leaseMs: number,
  ): Promise<ClaimOutcome> {
    const [claimed] = await this.rows<CommandRecord>(this.sql.claim, [commandId, workerId, now, leaseMs]);
    if (claimed) return { status: "claimed", row: toCommand(claimed) };
    const [r] = await this.rows<CommandRecord>(this.sql.getCommand, [commandId]);
    if (!r) return { status: "not_found" };
    const row = toCommand(r);
    return { status: isTerminalStatus(row.status) ? "already_terminal" : "active_claim", row };
  }

  async renewLease(commandId: CommandId, workerId: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.pool.query(this.sql.renew, [now + leaseMs, commandId, workerId]);
    return (result.rowCount ?? 0) > 0;
  }

  async listCommands(filter: ListCommandsFilter): Promise<CommandRow[]> {
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
    const sql = `SELECT ${COMMAND_COLUMNS} FROM ${this.s}.command
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, ord LIMIT $${params.length}`;
    return (await this.rows<CommandRecord>(sql, params)).map(toCommand);
  }

  /** Next version of the path; two concurrent registrations collide on UNIQUE and one retries. */
  async catalogRegister(entry: {
    path: string;
    kind: string;
    content: string;
    now: number;
  }): Promise<CatalogEntry> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [r] = await this.rows<{ catalog_id: number; version: number }>(this.sql.insertCatalog, [
          entry.path,
          entry.kind,
          entry.content,
          entry.now,
        ]);
        if (!r) throw new Error("catalog insert returned no row");
        return toCatalog({
          catalog_id: r.catalog_id,
          path: entry.path,
          version: r.version,
          kind: entry.kind,
          content: entry.content,
          created_at: entry.now,
        });
      } catch (error) {
        if (attempt >= 20 || sqlState(error) !== UNIQUE_VIOLATION) throw error;
      }
    }
  }

  async catalogGet(path: string, version?: number): Promise<CatalogEntry | undefined> {
    const [r] =
      version === undefined
        ? await this.rows<CatalogRecord>(this.sql.catalogLatest, [path])
        : await this.rows<CatalogRecord>(this.sql.catalogVersion, [path, version]);
    return r ? toCatalog(r) : undefined;
  }

  async catalogGetById(catalogId: string): Promise<CatalogEntry | undefined> {
    if (!/^\d{1,18}$/.test(catalogId)) return undefined;
    const [r] = await this.rows<CatalogRecord>(this.sql.catalogById, [catalogId]);
    return r ? toCatalog(r) : undefined;
  }

  async catalogList(filter: { path?: string; kind?: string } = {}): Promise<CatalogEntry[]> {
    const rows = await this.rows<CatalogRecord>(this.sql.catalogList, [
      filter.path ?? null,
      filter.kind ?? null,
    ]);
    return rows.map(toCatalog);
  }

  async resultPut(executionId: ExecutionId, name: string, data: Json, now: number): Promise<ResultRef> {
    const { ref, text } = prepareResult(this.name, executionId, name, data);
    await this.pool.query(this.sql.insertResult, [ref.ref, executionId, name, text, ref.bytes, now]);
    return ref;
  }

  async resultGet(ref: string): Promise<Json | undefined> {
    const loop = parseLoopRef(ref);
    if (!loop) {
      const [r] = await this.rows<{ data: string }>(this.sql.getResult, [ref]);
      return r === undefined ? undefined : (JSON.parse(r.data) as Json);
    }
    if ((await this.rows(this.sql.hasEvents, [loop.executionId])).length === 0) return undefined;
    const records = await this.rows<EventRecord>(this.sql.loopEvents, [
      loop.executionId,
      loop.step,
      LOOP_REF_EVENT_TYPES,
      loop.loopId,
    ]);
    return loopResults(records.map(toEvent), loop);
  }

  async credentialPut(row: CredentialRow): Promise<void> {
    await this.pool.query(this.sql.putCredential, [
      row.name,
      row.type,
      row.data_encrypted,
      row.description ?? null,
      row.tags ? JSON.stringify(row.tags) : null,
      row.created_at,
      row.updated_at,
    ]);
  }

  async credentialGet(name: string): Promise<CredentialRow | undefined> {
    const [r] = await this.rows<CredentialRecord>(this.sql.getCredential, [name]);
    return r ? toCredential(r) : undefined;
  }

  async credentialList(): Promise<CredentialRow[]> {
    return (await this.rows<CredentialRecord>(this.sql.listCredentials, [])).map(toCredential);
  }

  async credentialDelete(name: string): Promise<boolean> {
    const result = await this.pool.query(this.sql.deleteCredential, [name]);
    return (result.rowCount ?? 0) > 0;
  }

  async kvGet(key: string): Promise<JsonObject | undefined> {
    const [r] = await this.rows<{ value: string }>(this.sql.kvGet, [key]);
    return r === undefined ? undefined : (JSON.parse(r.value) as JsonObject);
  }

  async kvPut(key: string, value: JsonObject): Promise<void> {
    await this.pool.query(this.sql.kvPut, [key, JSON.stringify(value)]);
  }

  /**
   * Process-local mutex first (so same-execution waiters in this process hold no connection),
   * then a session-level advisory lock keyed by (schema, execution id) on a lock-pool
   * connection, held until `fn` settles. If that connection dies meanwhile, PostgreSQL drops the
   * lock; the connection is then discarded.
   */
  withExecutionLock<T>(executionId: ExecutionId, fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(executionId, async () => {
      const key = `noetl.execution:${this.schema}:${executionId}`;
      const client = await this.lockPool.connect();
      try {
        await client.query(this.sql.lock, [key]);
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      try {
        return await fn();
      } finally {
        try {
          await client.query(this.sql.unlock, [key]);
          client.release();
        } catch (error) {
          client.release(error as Error);
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.end(), this.lockPool.end()]);
  }

  private async rows<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[],
    client: pg.Pool | Client = this.pool,
  ): Promise<R[]> {
    return (await client.query<R>(sql, params)).rows;
  }

  /** Run `fn` in BEGIN … COMMIT on one connection; ROLLBACK (or discard the connection) on error. */
  private async transaction<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let result: T;
    try {
      await c.query("BEGIN");
      result = await fn(c);
      await c.query("COMMIT");
    } catch (error) {
      try {
        await c.query("ROLLBACK");
        c.release();
      } catch (rollbackError) {
        c.release(rollbackError as Error);
      }
      throw error;
    }
    c.release();
    return result;
  }

  /** The body of `commit`, inside one transaction. */
  private async commitInTx(c: Client, batch: CommitBatch, checkDuplicates = true): Promise<CommitResult> {
    const inserted: NoetlEvent[] = [];
    const duplicates: EventId[] = [];
    const at = batch.events[0]?.at ?? batch.commandUpdates?.[0]?.at ?? Date.now();

    // Lock (creating when missing) every execution the batch touches, in id order.
    const firstAt = new Map<ExecutionId, number>();
    for (const e of batch.events) if (!firstAt.has(e.execution_id)) firstAt.set(e.execution_id, e.at);
    const ids = new Set(firstAt.keys());
    if (batch.execution) ids.add(batch.execution.execution_id);
    const lastSeq = new Map<ExecutionId, number>();
    for (const id of [...ids].sort()) {
      const seq =
        batch.execution?.execution_id === id
          ? await this.upsertExecution(c, batch.execution, at)
          : await this.lockExecution(c, id, firstAt.get(id) ?? at);
      lastSeq.set(id, seq);
    }

    if (batch.events.length > 0) {
      // Duplicates: already stored (safe to check: we hold the execution rows), or repeated in the batch.
      const existing = checkDuplicates
        ? await this.rows<{ execution_id: string; event_id: string }>(
            this.sql.existingEvents,
            [batch.events.map((e) => e.execution_id), batch.events.map((e) => e.event_id)],
            c,
          )
        : [];
      const seen = new Set(existing.map((r) => eventKey(r.execution_id, r.event_id)));
      for (const event of batch.events) {
        const key = eventKey(event.execution_id, event.event_id);
        if (seen.has(key)) {
          duplicates.push(event.event_id);
          continue;
        }
        seen.add(key);
        const seq = (lastSeq.get(event.execution_id) ?? 0) + 1;
        lastSeq.set(event.execution_id, seq);
        inserted.push({ ...event, seq } as NoetlEvent);
      }
      if (inserted.length > 0) {
        const [r] = await this.rows<{ n: number }>(
          this.sql.insertEvents,
          [
            inserted.map((e) => e.execution_id),
            inserted.map((e) => e.seq),
            inserted.map((e) => e.event_id),
            inserted.map((e) => e.type),
            inserted.map((e) => e.step ?? null),
            inserted.map((e) => e.at),
            inserted.map((e) => JSON.stringify(e.payload)),
            inserted.map((e) => e.cause ?? null),
          ],
          c,
        );
        if (r?.n !== inserted.length) {
          if (!checkDuplicates) throw new DuplicateEvents();
          throw new Error("event insert conflicted under the execution lock");
        }
      }
    }

    const commands = batch.commands ?? [];
    if (commands.length > 0) {
      await c.query(this.sql.insertCommands, [
        commands.map((x) => x.command_id),
        commands.map((x) => x.execution_id),
        commands.map((x) => x.step),
        commands.map((x) => x.pool),
        commands.map((x) => JSON.stringify(x)),
        at,
      ]);
    }
    await this.updateCommands(c, batch.commandUpdates ?? []);
    return { inserted, duplicates };
  }

  /** Apply command status changes in order; one statement when no command appears twice. */
  private async updateCommands(c: Client, updates: readonly CommandUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    if (updates.length === 1 || new Set(updates.map((u) => u.command_id)).size < updates.length) {
      for (const u of updates)
        await c.query(this.sql.updateCommand, [u.command_id, u.status, u.worker_id ?? null, u.at]);
      return;
    }
    await c.query(this.sql.updateCommands, [
      updates.map((u) => u.command_id),
      updates.map((u) => u.status),
      updates.map((u) => u.worker_id ?? null),
      updates.map((u) => u.at),
    ]);
  }

  /** Lock the execution row (creating it with defaults when missing); returns its last seq. */
  private async lockExecution(c: Client, id: ExecutionId, at: number): Promise<number> {
    // The row almost always exists: lock it in one round trip, create it only when missing.
    const [locked] = await this.rows<{ last_seq: number }>(this.sql.lockExecution, [id], c);
    if (locked) return locked.last_seq;
    const [created] = await this.rows<{ last_seq: number }>(this.sql.ensureExecution, [id, at], c);
    if (created) return created.last_seq;
    const [row] = await this.rows<{ last_seq: number }>(this.sql.lockExecution, [id], c);
    if (!row) throw new Error(`execution ${id} vanished while being locked`);
    return row.last_seq;
  }

  /** Insert-or-merge the projection (locks the row); returns its last seq. */
  private async upsertExecution(
    c: Client,
    e: Partial<ExecutionRow> & { execution_id: ExecutionId },
    at: number,
  ): Promise<number> {
    const [row] = await this.rows<{ last_seq: number }>(
      this.sql.upsertExecution,
      [
        e.execution_id,
        e.path ?? null,
        e.catalog_version ?? null,
        e.status ?? null,
        e.parent_execution_id ?? null,
        e.started_at ?? null,
        at,
        e.ended_at ?? null,
        e.result === undefined ? null : JSON.stringify(e.result),
        e.error === undefined ? null : JSON.stringify(e.error),
      ],
      c,
    );
    return row?.last_seq ?? 0;
  }
}

function eventKey(executionId: string, eventId: string): string {
  return JSON.stringify([executionId, eventId]);
}

function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

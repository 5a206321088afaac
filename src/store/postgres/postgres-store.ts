/**
 * PostgreSQL Store (distributed mode) on `pg`. Same semantics as the SQLite store, checked by
 * the shared conformance suite; several server replicas may share one database.
 *
 * - All tables live in one schema (`noetl` by default), created by ordered migrations applied
 *   under an advisory lock (`migrations.ts`).
 * - `commit` is ONE statement in autocommit, one round trip: the `commit_batch` function
 *   (migration 2) does the whole transaction. Event `seq` comes from the execution row, locked
 *   with `SELECT … FOR UPDATE` (created when missing; rows are locked in execution-id order, so
 *   two commits never deadlock on them), so concurrent commits to one execution from any number
 *   of replicas get gap-free, duplicate-free seqs. A statement that still hits a deadlock or a
 *   serialisation failure (e.g. command rows updated in different orders) is retried.
 * - `commitIfCurrent` is the same commit for a decision taken without the execution lock: the
 *   function checks, before writing, that no session holds the lock and that the execution's
 *   last seq is the caller's (an orchestrator that owns an execution decides on its cached state
 *   without the two lock round trips).
 * - `claimCommand` is one conditional `UPDATE … RETURNING` (atomic across replicas) that also
 *   returns the execution's status; claims and lease renewals commit without waiting for the WAL
 *   flush (see `claimCommand`). Every statement is a named prepared statement.
 * - `withExecutionLock` takes a process-local mutex, then a session-level advisory lock on a
 *   connection of a separate lock pool (the `lock_execution` function also reads the execution
 *   row, handed to `fn`), held while `fn` runs: replicas serialise per execution, and `fn`
 *   (which uses the main pool) can never be starved by lock holders. Do not nest
 *   `withExecutionLock` calls for different executions more than `lockPoolSize` deep.
 */
import pg from "pg";
import type { CommandId, EventId, ExecutionId, Json, JsonObject } from "../../kernel/index.ts";
import type { ExecutionStatus, NoetlEvent, ResultRef } from "../../protocol/index.ts";
import { isTerminalStatus } from "../command-status.ts";
import { ExecutionMutex } from "../execution-mutex.ts";
import { LOOP_REF_EVENT_TYPES, loopResults, parseLoopRef } from "../loop-ref.ts";
import { prepareResult } from "../result-ref.ts";
import type {
  CatalogEntry,
  ClaimOutcome,
  CommandRow,
  CommitBatch,
  CommitResult,
  CredentialRow,
  ExecutionRow,
  ExpectedExecution,
  ListCommandsFilter,
  ListExecutionsFilter,
  LockedExecution,
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
  /**
   * Connections for claims and lease renewals, which commit without waiting for the WAL flush
   * (default half of `poolSize`; see `claimCommand`).
   */
  leasePoolSize?: number;
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
/** `commit_batch`: the execution moved on, or another session holds its lock (optimistic commit). */
const NOT_CURRENT = "NX001";

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
const SQL = {
  commit: `SELECT {s}.commit_batch($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],
      $6::json[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::json[], $13::bigint,
      $14::text[], $15::text[], $16::text[], $17::bigint[], $18::text[], $19::bigint[], $20::text, $21::text,
      $22::integer, $23::text, $24::text, $25::bigint, $26::bigint, $27::json, $28::json, $29::bigint,
      $30::text, $31::bigint, $32::text) AS seqs`,
  getExecution: "SELECT * FROM {s}.execution WHERE execution_id = $1",
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
  lock: "SELECT * FROM {s}.lock_execution($1, $2)",
  unlock: "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
} as const;

type SqlName = keyof typeof SQL;

export class PostgresStore implements Store {
  readonly name = "postgres";
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly lockPool: pg.Pool;
  /** `synchronous_commit=off` connections: claims and lease renewals only. */
  private readonly leasePool: pg.Pool;
  private readonly mutex = new ExecutionMutex();
  /** Unlocks sent and not yet done, by execution (`withExecutionLock`). */
  private readonly unlocking = new Map<ExecutionId, Promise<void>>();
  /** Prepared statement name by SQL text. */
  private readonly statements = new Map<string, string>();
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
    this.leasePool = new pg.Pool({
      ...common,
      max: Math.max(1, options.leasePoolSize ?? Math.ceil(poolSize / 2)),
      options: "-c synchronous_commit=off",
    });
    // An idle connection that dies is discarded by the pool; without a listener it would crash us.
    this.pool.on("error", () => undefined);
    this.lockPool.on("error", () => undefined);
    this.leasePool.on("error", () => undefined);
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

  commit(batch: CommitBatch): Promise<CommitResult> {
    return this.commitBatch(batch) as Promise<CommitResult>;
  }

  /**
   * `commit` for a decision taken without `withExecutionLock`: `commit_batch` checks, under the
   * execution's row lock and before writing anything, that no other session holds the
   * execution lock and that its last seq is still the caller's; if not, nothing is written.
   */
  async commitIfCurrent(batch: CommitBatch, expected: ExpectedExecution): Promise<CommitResult | undefined> {
    // our own unlock of this execution still in flight would make the check fail
    const unlocking = this.unlocking.get(expected.execution_id);
    if (unlocking) await unlocking;
    return this.commitBatch(batch, expected);
  }

  private async commitBatch(
    batch: CommitBatch,
    expected?: ExpectedExecution,
  ): Promise<CommitResult | undefined> {
    const commands = batch.commands ?? [];
    const updates = batch.commandUpdates ?? [];
    const x = batch.execution;
    if (batch.events.length === 0 && commands.length === 0 && updates.length === 0 && !x && !expected)
      return { inserted: [], duplicates: [] };
    // an event repeated within the batch is a duplicate of its first occurrence: not sent
    const events = batch.events.length > 1 ? firstOccurrences(batch.events) : batch.events;
    const at = batch.events[0]?.at ?? updates[0]?.at ?? Date.now();
    // the executions to lock, in id order (every commit locks in this order: no deadlocks), with
    // the time a missing row is created at (the first event's)
    const firstAt = new Map<string, number>();
    for (const e of events) if (!firstAt.has(e.execution_id)) firstAt.set(e.execution_id, e.at);
    if (x && !firstAt.has(x.execution_id)) firstAt.set(x.execution_id, at);
    if (expected && !firstAt.has(expected.execution_id)) firstAt.set(expected.execution_id, at);
    const lock = [...firstAt.keys()].sort();
    const values = [
      events.map((e) => e.execution_id),
      events.map((e) => e.event_id),
      events.map((e) => e.type),
      events.map((e) => e.step ?? null),
      events.map((e) => e.at),
      events.map((e) => JSON.stringify(e.payload)),
      events.map((e) => e.cause ?? null),
      commands.map((c) => c.command_id),
      commands.map((c) => c.execution_id),
      commands.map((c) => c.step),
      commands.map((c) => c.pool),
      commands.map((c) => JSON.stringify(c)),
      at,
      updates.map((u) => u.command_id),
      updates.map((u) => u.status),
      updates.map((u) => u.worker_id ?? null),
      updates.map((u) => u.at),
      lock,
      lock.map((id) => firstAt.get(id) ?? at),
      x?.execution_id ?? null,
      x?.path ?? null,
      x?.catalog_version ?? null,
      x?.status ?? null,
      x?.parent_execution_id ?? null,
      x?.started_at ?? null,
      x?.ended_at ?? null,
      x?.result === undefined ? null : JSON.stringify(x.result),
      x?.error === undefined ? null : JSON.stringify(x.error),
      at,
      expected?.execution_id ?? null,
      expected?.last_seq ?? null,
      expected ? this.lockKey(expected.execution_id) : null,
    ];
    let seqs: Array<number | null>;
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.query<{ seqs: Array<number | null> }>(this.sql.commit, values);
        seqs = rows[0]?.seqs ?? [];
        break;
      } catch (error) {
        if (expected && sqlState(error) === NOT_CURRENT) return undefined;
        // a deadlock or serialisation failure rolled the whole statement back: run it again
        if (attempt >= 5 || !RETRYABLE.has(sqlState(error))) throw error;
      }
    }
    const inserted: NoetlEvent[] = [];
    const duplicates: EventId[] = [];
    let k = 0;
    for (const e of batch.events) {
      const seq = events === batch.events || events[k] === e ? seqs[k++] : null;
      if (seq === null || seq === undefined) duplicates.push(e.event_id);
      else inserted.push({ ...e, seq } as NoetlEvent);
    }
    return { inserted, duplicates };
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

  /**
   * One conditional UPDATE … RETURNING: atomic across connections and replicas.
   *
   * Claims and lease renewals run on connections with `synchronous_commit=off`: they return
   * without waiting for the WAL flush (no fsync on the claim path). This is safe because they
   * are leases, not results: a claim is visible to every session as soon as it commits (only its
   * durability is deferred, by at most `wal_writer_delay` × 3), and any later durable commit — the
   * worker's report of that very command, say — flushes the WAL up to it first. Losing one in a
   * PostgreSQL crash only returns the command to its previous state (PENDING, or the previous
   * lease, which expires): the reaper dispatches it again and it runs again, which the
   * at-least-once delivery contract already allows (a command that reports twice is recorded
   * once). Events, commands and command status changes (`commit`) stay fully durable.
   */
  async claimCommand(
    commandId: CommandId,
    workerId: string,
    now: number,
    leaseMs: number,
  ): Promise<ClaimOutcome> {
    const [claimed] = await this.rows<CommandRecord & { execution_status: ExecutionStatus | null }>(
      this.sql.claim,
      [commandId, workerId, now, leaseMs],
      this.leasePool,
    );
    if (claimed) return claimedOutcome(claimed);
    const [r] = await this.rows<CommandRecord>(this.sql.getCommand, [commandId]);
    return r ? unclaimedOutcome(r) : { status: "not_found" };
  }

  /**
   * `claimCommand` of several commands in one statement (its outcomes in the order of
   * `commandIds`); the ids not claimed are looked up in one more.
   */
  async claimCommands(
    commandIds: readonly CommandId[],
    workerId: string,
    now: number,
    leaseMs: number,
  ): Promise<ClaimOutcome[]> {
    // rows are locked in id order, as every multi-row claim does: two never deadlock
    const ids = [...new Set(commandIds)].sort();
    const claimed = await this.rows<CommandRecord & { execution_status: ExecutionStatus | null }>(
      this.sql.claimMany,
      [ids, workerId, now, leaseMs],
      this.leasePool,
    );
    const outcomes = new Map<string, ClaimOutcome>();
    for (const r of claimed) outcomes.set(r.command_id, claimedOutcome(r));
    const others = ids.filter((id) => !outcomes.has(id));
    if (others.length > 0) {
      for (const r of await this.rows<CommandRecord>(this.sql.getCommands, [others]))
        outcomes.set(r.command_id, unclaimedOutcome(r));
    }
    return commandIds.map((id) => outcomes.get(id) ?? { status: "not_found" });
  }

  /** On the `synchronous_commit=off` connections, as claims (see `claimCommand`). */
  async renewLease(commandId: CommandId, workerId: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.query(this.sql.renew, [now + leaseMs, commandId, workerId], this.leasePool);
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
    await this.query(this.sql.insertResult, [ref.ref, executionId, name, text, ref.bytes, now]);
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
    await this.query(this.sql.putCredential, [
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
    const result = await this.query(this.sql.deleteCredential, [name]);
    return (result.rowCount ?? 0) > 0;
  }

  async kvGet(key: string): Promise<JsonObject | undefined> {
    const [r] = await this.rows<{ value: string }>(this.sql.kvGet, [key]);
    return r === undefined ? undefined : (JSON.parse(r.value) as JsonObject);
  }

  async kvPut(key: string, value: JsonObject): Promise<void> {
    await this.query(this.sql.kvPut, [key, JSON.stringify(value)]);
  }

  /**
   * Process-local mutex first (so same-execution waiters in this process hold no connection),
   * then a session-level advisory lock keyed by (schema, execution id) on a lock-pool
   * connection, held until `fn` settles. If that connection dies meanwhile, PostgreSQL drops the
   * lock; the connection is then discarded.
   *
   * One round trip takes the lock and reads the execution row (`lock_execution`), which `fn`
   * receives. The unlock is sent without waiting for its reply (the connection returns to the
   * pool once it is done): a waiter, here or on another replica, is blocked by PostgreSQL until
   * then.
   */
  withExecutionLock<T>(executionId: ExecutionId, fn: (locked?: LockedExecution) => Promise<T>): Promise<T> {
    return this.mutex.run(executionId, async () => {
      const key = this.lockKey(executionId);
      const client = await this.lockPool.connect();
      let locked: LockedExecution;
      try {
        const [r] = await this.rows<ExecutionRecord>(this.sql.lock, [key, executionId], client);
        locked = { row: r ? toExecution(r) : undefined };
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      try {
        return await fn(locked);
      } finally {
        const unlocked = this.query(this.sql.unlock, [key], client).then(
          () => client.release(),
          (error: Error) => client.release(error),
        );
        this.unlocking.set(executionId, unlocked);
        void unlocked.then(() => {
          if (this.unlocking.get(executionId) === unlocked) this.unlocking.delete(executionId);
        });
      }
    });
  }

  /** The advisory lock key of an execution (`withExecutionLock`, `commitIfCurrent`). */
  private lockKey(executionId: ExecutionId): string {
    return `noetl.execution:${this.schema}:${executionId}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.end(), this.lockPool.end(), this.leasePool.end()]);
  }

  private async rows<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[],
    client: pg.Pool | Client = this.pool,
  ): Promise<R[]> {
    return (await this.query<R>(sql, params, client)).rows;
  }

  /**
   * Every statement runs as a named prepared statement (prepared once per connection): planning
   * the claim or a lookup costs more than executing it. The few dynamic statements (filters of
   * the list queries) have a bounded number of variants.
   */
  private query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[],
    client: pg.Pool | Client = this.pool,
  ): Promise<pg.QueryResult<R>> {
    let name = this.statements.get(sql);
    if (name === undefined) {
      name = `noetl_${this.statements.size}`;
      this.statements.set(sql, name);
    }
    return client.query<R>({ name, text: sql, values: params });
  }
}

/** The outcome of a claim that took (or renewed) the command; with its execution's status. */
function claimedOutcome(r: CommandRecord & { execution_status: ExecutionStatus | null }): ClaimOutcome {
  const row = toCommand(r);
  return r.execution_status === null
    ? { status: "claimed", row }
    : { status: "claimed", row, executionStatus: r.execution_status };
}

/** The outcome of a claim that did not take an existing command: finished, or held by another. */
function unclaimedOutcome(r: CommandRecord): ClaimOutcome {
  const row = toCommand(r);
  return { status: isTerminalStatus(row.status) ? "already_terminal" : "active_claim", row };
}

/** `events` without the repeats of an (execution_id, event_id) seen earlier in the list. */
function firstOccurrences(events: readonly NoetlEvent[]): readonly NoetlEvent[] {
  const seen = new Set<string>();
  let out: NoetlEvent[] | undefined;
  for (const [i, e] of events.entries()) {
    const key = `${e.execution_id}\u0000${e.event_id}`;
    if (!seen.has(key)) {
      seen.add(key);
      out?.push(e);
    } else {
      out ??= events.slice(0, i);
    }
  }
  return out ?? events;
}

function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/**
 * PostgreSQL Store (distributed mode) on `pg`. Same semantics as the SQLite store, checked by
 * the shared conformance suite; several server replicas may share one database.
 *
 * - All tables live in one schema (`noetl` by default), created by ordered migrations applied
 *   under an advisory lock (`migrations.ts`).
 * - `commit` is ONE statement in autocommit, one round trip: the `commit_batch_claim` function
 *   (migration 5) does the whole transaction, hand-off claims included. Event `seq` comes from
 *   the execution row, locked with `SELECT … FOR UPDATE` (created when missing; rows are locked
 *   in execution-id order, so two commits never deadlock on them), so concurrent commits to one
 *   execution from any number of replicas get gap-free, duplicate-free seqs. A statement that
 *   still hits a deadlock or a serialisation failure (e.g. command rows updated in different
 *   orders) is retried. Commits made while another is on its way are sent together, one call of
 *   the function per batch in one statement (`commit-groups.ts`: one round trip, transaction and
 *   WAL flush for executions deciding at the same moment); a group that fails is sent again one
 *   batch at a time, so each gets its own outcome.
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
import type { CommandId, ExecutionId, Json, JsonObject } from "../../kernel/index.ts";
import type { ExecutionStatus, NoetlEvent, ResultRef } from "../../protocol/index.ts";
import { LOOP_REF_EVENT_TYPES, loopResults, parseLoopRef } from "../loop-ref.ts";
import { prepareResult } from "../result-ref.ts";
import type {
  CatalogEntry,
  CatalogListFilter,
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
import { claimedOutcome, unclaimedOutcome } from "./claim-outcomes.ts";
import { commitBatch } from "./commit-batch.ts";
import { CommitGroups } from "./commit-groups.ts";
import { ExecutionLocks } from "./execution-locks.ts";
import { migrate, quoteSchema } from "./migrations.ts";
import { type CatalogRegistration, PostgresCatalog } from "./postgres-catalog.ts";
import {
  listCommandsQuery,
  listExecutionsQuery,
  readEventsQuery,
  SQL,
  type SqlName,
} from "./postgres-sql.ts";
import type { CommandRecord, CredentialRecord, EventRecord, ExecutionRecord } from "./rows.ts";
import { PG_TYPES, toCommand, toCredential, toEvent, toExecution } from "./rows.ts";

/**
 * The session settings of the connections that claim commands and renew leases. Leases skip the
 * WAL flush (see `claimCommand`). Claims and renewals are lookups by key; run as named
 * statements, they get a generic plan after five calls, which PostgreSQL keeps until the tables
 * are analysed again, and one made while the tables were small scanned the executions whole at
 * every claim (distributed W3: ~1.2 sequential scans per batch of ten executions, over every
 * execution so far): sequential scans are ruled out.
 */
export const LEASE_CONNECTION_OPTIONS = "-c synchronous_commit=off -c enable_seqscan=off";

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

export class PostgresStore implements Store {
  readonly name = "postgres";
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly lockPool: pg.Pool;
  /** `synchronous_commit=off` connections: claims and lease renewals only. */
  private readonly leasePool: pg.Pool;
  /** Prepared statement name by SQL text. */
  private readonly statements = new Map<string, string>();
  private readonly sql: Record<SqlName, string>;
  private readonly s: string;
  private closed = false;
  /** Commits that arrive while another is on its way go together (`commit-groups.ts`). */
  private readonly commits: CommitGroups;
  private readonly catalog: PostgresCatalog;
  /** `withExecutionLock` (`execution-locks.ts`). */
  private readonly locks: ExecutionLocks;

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
      options: LEASE_CONNECTION_OPTIONS,
    });
    this.commits = new CommitGroups(
      async (sql, values) => (await this.query(sql, values)).rows[0],
      this.sql.commit,
    );
    this.catalog = new PostgresCatalog(
      <R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[]) =>
        this.rows<R>(sql, params),
      this.sql,
    );
    this.locks = new ExecutionLocks(
      this.lockPool,
      <R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[], client: Client) =>
        this.query<R>(sql, params, client),
      this.sql,
      this.schema,
    );
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
    return commitBatch(this.commits, batch, undefined, null) as Promise<CommitResult>;
  }

  /**
   * `commit` for a decision taken without `withExecutionLock`: `commit_batch_claim` checks, under
   * the execution's row lock and before writing anything, that no other session holds the
   * execution lock and that its last seq is still the caller's; if not, nothing is written.
   */
  async commitIfCurrent(batch: CommitBatch, expected: ExpectedExecution): Promise<CommitResult | undefined> {
    // our own unlock of this execution still in flight would make the check fail
    const unlocking = this.locks.pendingUnlock(expected.execution_id);
    if (unlocking) await unlocking;
    return commitBatch(this.commits, batch, expected, this.locks.key(expected.execution_id));
  }

  async readEvents(executionId: ExecutionId, options: ReadEventsOptions = {}): Promise<NoetlEvent[]> {
    const { sql, params } = readEventsQuery(this.s, executionId, options);
    return (await this.rows<EventRecord>(sql, params)).map(toEvent);
  }

  async eventSeq(executionId: ExecutionId, eventId: string): Promise<number | undefined> {
    const [r] = await this.rows<{ seq: number }>(this.sql.eventSeq, [executionId, eventId]);
    return r?.seq;
  }

  async getExecution(executionId: ExecutionId): Promise<ExecutionRow | undefined> {
    const [r] = await this.rows<ExecutionRecord>(this.sql.getExecution, [executionId]);
    return r ? toExecution(r) : undefined;
  }

  async listExecutions(filter: ListExecutionsFilter = {}): Promise<ExecutionRow[]> {
    const { sql, params } = listExecutionsQuery(this.s, filter);
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
    const { sql, params } = listCommandsQuery(this.s, filter);
    return (await this.rows<CommandRecord>(sql, params)).map(toCommand);
  }
  catalogRegister(entry: CatalogRegistration): Promise<CatalogEntry> {
    return this.catalog.register(entry);
  }

  catalogGet(path: string, version?: number): Promise<CatalogEntry | undefined> {
    return this.catalog.get(path, version);
  }

  catalogGetById(catalogId: string): Promise<CatalogEntry | undefined> {
    return this.catalog.getById(catalogId);
  }

  catalogList(filter: CatalogListFilter = {}): Promise<CatalogEntry[]> {
    return this.catalog.list(filter);
  }

  catalogArchive(path: string, version: number | undefined, now: number): Promise<CatalogEntry[]> {
    return this.catalog.archive(path, version, now);
  }

  catalogRestore(path: string, version?: number): Promise<CatalogEntry[]> {
    return this.catalog.restore(path, version);
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

  /** A process-local mutex, then an advisory lock on a lock-pool connection (`execution-locks.ts`). */
  withExecutionLock<T>(executionId: ExecutionId, fn: (locked?: LockedExecution) => Promise<T>): Promise<T> {
    return this.locks.run(executionId, fn);
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

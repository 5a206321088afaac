/**
 * SQLite Store (embedded mode) on better-sqlite3: WAL journal, ONE transaction per commit,
 * cached prepared statements, JSON as TEXT.
 *
 * Durability (`durability` option, the SQLite `synchronous` setting):
 * - `normal` (default): WAL with synchronous=NORMAL. A process crash loses nothing committed;
 *   a power loss or OS crash may lose the last few commits, never corrupts the database.
 * - `full`: synchronous=FULL, the WAL is fsynced at every commit (survives power loss; slower).
 * - `process`: synchronous=OFF. A process crash still loses nothing committed (the WAL is in the
 *   OS page cache), but a power loss or OS crash may corrupt the database. About 2× faster commits.
 *
 * The execution lock is process-local: one process drives an execution (several processes may
 * share the file for reading, or for different executions).
 */
import Database from "better-sqlite3";
import type { CommandId, ExecutionId, Json, JsonObject } from "../../kernel/index.ts";
import type { NoetlEvent, ResultRef } from "../../protocol/index.ts";
import { isTerminalStatus } from "../command-status.ts";
import { ExecutionMutex } from "../execution-mutex.ts";
import { LOOP_REF_EVENT_TYPES, loopResults, parseLoopRef } from "../loop-ref.ts";
import { prepareResult } from "../result-ref.ts";
import type { CommandRecord, CredentialRecord, EventRecord, ExecutionRecord } from "../rows.ts";
import { toCommand, toCredential, toEvent, toExecution } from "../rows.ts";
import type {
  CatalogEntry,
  CatalogListFilter,
  ClaimOutcome,
  CommandRow,
  CommitBatch,
  CommitResult,
  CredentialRow,
  ExecutionRow,
  ListCommandsFilter,
  ListExecutionsFilter,
  ReadEventsOptions,
  Store,
} from "../store.ts";
import { BackgroundCheckpointer } from "./background-checkpointer.ts";
import { CommitWriter } from "./commit-writer.ts";
import { isKeyableId } from "./event-writer.ts";
import { migrate } from "./migrations.ts";
import { type CatalogRegistration, SqliteCatalog } from "./sqlite-catalog.ts";
import { LAST_SEQ, SQL } from "./sqlite-sql.ts";
import { enableWalCoalescing, type WalCoalescing } from "./wal-coalescing.ts";

/** How hard a commit is pushed to disk (see the module comment). */
export type SqliteDurability = "normal" | "full" | "process";

const SYNCHRONOUS: Record<SqliteDurability, string> = { normal: "NORMAL", full: "FULL", process: "OFF" };

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /** Database file, or ":memory:". The directory must exist. */
  path: string;
  /** `normal` (default) or `full`; see the module documentation. */
  durability?: SqliteDurability;
  /** How long a write waits for another process's lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * Checkpoint the WAL from a background thread (default true for a file): commits then never
   * stall on copying the WAL into the database file. See {@link BackgroundCheckpointer}.
   */
  backgroundCheckpoint?: boolean;
}

/** The `Store` port on one SQLite file (see the module documentation); call `init()` first. */
export class SqliteStore implements Store {
  readonly name = "sqlite";
  readonly durability: SqliteDurability;
  /** Whether a commit's WAL frames go to the file in one write (see wal-coalescing.ts). */
  readonly walCoalescing: WalCoalescing;
  private readonly db: Database.Database;
  private readonly mutex = new ExecutionMutex();
  private readonly statements = new Map<string, Database.Statement>();
  /** `stmt`, bound: what the commit writer (events, multi-row inserts) and catalog prepare through. */
  private readonly stmtOf = (sql: string): Database.Statement => this.stmt(sql);
  /** The body of `commit` (`commit-writer.ts`). */
  private readonly writer = new CommitWriter(this.stmtOf);
  private readonly catalog: SqliteCatalog;
  /** The file to checkpoint in the background; the thread starts with the first commit. */
  private readonly checkpointPath?: string;
  private checkpointer?: BackgroundCheckpointer;
  private readonly commitTx: Database.Transaction<(batch: CommitBatch) => CommitResult>;
  private readonly groupTx: Database.Transaction<(batches: CommitBatch[]) => CommitResult[]>;
  /** Batches waiting for the next group commit (one transaction per turn of the event loop). */
  private pending: Array<{ batch: CommitBatch; resolve(r: CommitResult): void; reject(e: unknown): void }> =
    [];

  constructor(options: SqliteStoreOptions) {
    this.durability = options.durability ?? "normal";
    const inMemory = options.path === ":memory:" || options.path === "";
    this.walCoalescing = inMemory ? { active: false, reason: "in memory: no WAL" } : enableWalCoalescing();
    this.db = new Database(options.path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${SYNCHRONOUS[this.durability]}`);
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // Fewer, larger checkpoints (each one syncs; normally the background checkpointer has copied
    // the WAL long before this threshold) and a page cache that holds the hot indexes.
    this.db.pragma("wal_autocheckpoint = 8192");
    this.db.pragma("journal_size_limit = 67108864");
    this.db.pragma("cache_size = -8192");
    this.db.pragma("temp_store = MEMORY");
    this.checkpointPath = (options.backgroundCheckpoint ?? true) && !inMemory ? options.path : undefined;
    this.commitTx = this.db.transaction((batch: CommitBatch) => this.writer.write(batch));
    this.groupTx = this.db.transaction((batches: CommitBatch[]) => batches.map((b) => this.writer.write(b)));
    this.catalog = new SqliteCatalog(this.db, this.stmtOf);
  }

  async init(): Promise<void> {
    migrate(this.db);
  }

  /**
   * Group commit: batches committed during one turn of the event loop (several executions
   * deciding at once) share one transaction; each caller resumes only after it committed.
   */
  commit(batch: CommitBatch): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (this.checkpointPath !== undefined && this.checkpointer === undefined && this.db.open) {
      this.checkpointer = new BackgroundCheckpointer({
        path: this.checkpointPath,
        synchronous: SYNCHRONOUS[this.durability],
      });
    }
    const items = this.pending;
    this.pending = [];
    if (items.length === 1) {
      const only = items[0] as (typeof items)[number];
      try {
        only.resolve(this.commitTx.immediate(only.batch));
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    try {
      const results = this.groupTx.immediate(items.map((i) => i.batch));
      items.forEach((item, k) => item.resolve(results[k] as CommitResult));
    } catch {
      // one bad batch must not fail the others: commit them one by one
      for (const item of items) {
        try {
          item.resolve(this.commitTx.immediate(item.batch));
        } catch (error) {
          item.reject(error);
        }
      }
    }
  }

  async readEvents(executionId: ExecutionId, options: ReadEventsOptions = {}): Promise<NoetlEvent[]> {
    const after = options.afterSeq ?? 0;
    const limit = options.limit ?? -1;
    const records = (
      options.types
        ? this.stmt(SQL.readEventsOfTypes).all({
            execution_id: executionId,
            after,
            types: JSON.stringify(options.types),
            limit,
          })
        : this.stmt(SQL.readEvents).all({ execution_id: executionId, after, limit })
    ) as EventRecord[];
    return records.map(toEvent);
  }

  /** A snowflake id through its `event_key` row when this execution holds it, else the partial index. */
  async eventSeq(executionId: ExecutionId, eventId: string): Promise<number | undefined> {
    if (isKeyableId(eventId)) {
      const seq = this.stmt(SQL.keyedEventSeq).pluck().get(eventId, executionId) as number | null | undefined;
      if (typeof seq === "number") return seq;
    }
    return this.stmt(SQL.unkeyedEventSeq).pluck().get(executionId, eventId) as number | undefined;
  }

  async getExecution(executionId: ExecutionId): Promise<ExecutionRow | undefined> {
    const r = this.stmt(SQL.getExecution).get(executionId) as ExecutionRecord | undefined;
    return r ? toExecution(r) : undefined;
  }

  async listExecutions(filter: ListExecutionsFilter = {}): Promise<ExecutionRow[]> {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.status) {
      where.push("status = ?");
      params.push(filter.status);
    }
    if (filter.path) {
      where.push("path = ?");
      params.push(filter.path);
    }
    if (filter.parent_execution_id) {
      where.push("parent_execution_id = ?");
      params.push(filter.parent_execution_id);
    }
    const sql = `SELECT x.*, ${LAST_SEQ} AS last_seq
      FROM execution x ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY started_at DESC, execution_id DESC LIMIT ? OFFSET ?`;
    params.push(filter.limit ?? -1, filter.offset ?? 0);
    return (this.stmt(sql).all(...params) as ExecutionRecord[]).map(toExecution);
  }

  async getCommand(commandId: CommandId): Promise<CommandRow | undefined> {
    const r = this.stmt(SQL.getCommand).get(commandId) as CommandRecord | undefined;
    return r ? toCommand(r) : undefined;
  }

  /** One conditional UPDATE … RETURNING: atomic without an explicit transaction. */
  async claimCommand(
    commandId: CommandId,
    workerId: string,
    now: number,
    leaseMs: number,
  ): Promise<ClaimOutcome> {
    const params = { command_id: commandId, worker_id: workerId, now, lease_ms: leaseMs };
    const claimed = this.stmt(SQL.claim).get(params) as CommandRecord | undefined;
    if (claimed) return { status: "claimed", row: toCommand(claimed) };
    const r = this.stmt(SQL.getCommand).get(commandId) as CommandRecord | undefined;
    if (!r) return { status: "not_found" };
    const row = toCommand(r);
    return { status: isTerminalStatus(row.status) ? "already_terminal" : "active_claim", row };
  }

  async renewLease(commandId: CommandId, workerId: string, now: number, leaseMs: number): Promise<boolean> {
    return this.stmt(SQL.renew).run(now + leaseMs, commandId, workerId).changes > 0;
  }

  async listCommands(filter: ListCommandsFilter): Promise<CommandRow[]> {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.execution_id) {
      where.push("execution_id = ?");
      params.push(filter.execution_id);
    }
    if (filter.status) {
      where.push("status IN (SELECT value FROM json_each(?))");
      params.push(JSON.stringify(filter.status));
    }
    if (filter.leaseExpiredBefore !== undefined) {
      where.push("status IN ('CLAIMED','RUNNING') AND COALESCE(lease_until, 0) < ?");
      params.push(filter.leaseExpiredBefore);
    }
    if (filter.createdBefore !== undefined) {
      where.push("created_at < ?");
      params.push(filter.createdBefore);
    }
    const sql = `SELECT * FROM command ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at, rowid LIMIT ?`;
    params.push(filter.limit ?? -1);
    return (this.stmt(sql).all(...params) as CommandRecord[]).map(toCommand);
  }

  async catalogRegister(entry: CatalogRegistration): Promise<CatalogEntry> {
    return this.catalog.register(entry);
  }

  async catalogGet(path: string, version?: number): Promise<CatalogEntry | undefined> {
    return this.catalog.get(path, version);
  }

  async catalogGetById(catalogId: string): Promise<CatalogEntry | undefined> {
    return this.catalog.getById(catalogId);
  }

  async catalogList(filter: CatalogListFilter = {}): Promise<CatalogEntry[]> {
    return this.catalog.list(filter);
  }

  async catalogArchive(path: string, version: number | undefined, now: number): Promise<CatalogEntry[]> {
    return this.catalog.archive(path, version, now);
  }

  async catalogRestore(path: string, version?: number): Promise<CatalogEntry[]> {
    return this.catalog.restore(path, version);
  }

  async resultPut(executionId: ExecutionId, name: string, data: Json, now: number): Promise<ResultRef> {
    const { ref, text } = prepareResult(this.name, executionId, name, data);
    this.stmt(SQL.insertResult).run(ref.ref, executionId, name, text, ref.bytes, now);
    return ref;
  }

  async resultGet(ref: string): Promise<Json | undefined> {
    const loop = parseLoopRef(ref);
    if (!loop) {
      const text = this.stmt(SQL.getResult).pluck().get(ref) as string | undefined;
      return text === undefined ? undefined : (JSON.parse(text) as Json);
    }
    if (this.stmt(SQL.hasEvents).get(loop.executionId) === undefined) return undefined;
    const records = this.stmt(SQL.loopEvents).all(
      loop.executionId,
      loop.step,
      JSON.stringify(LOOP_REF_EVENT_TYPES),
      loop.loopId,
    ) as EventRecord[];
    return loopResults(records.map(toEvent), loop);
  }

  async credentialPut(row: CredentialRow): Promise<void> {
    this.stmt(SQL.putCredential).run(
      row.name,
      row.type,
      row.data_encrypted,
      row.description ?? null,
      row.tags ? JSON.stringify(row.tags) : null,
      row.created_at,
      row.updated_at,
    );
  }

  async credentialGet(name: string): Promise<CredentialRow | undefined> {
    const r = this.stmt(SQL.getCredential).get(name) as CredentialRecord | undefined;
    return r ? toCredential(r) : undefined;
  }

  async credentialList(): Promise<CredentialRow[]> {
    return (this.stmt(SQL.listCredentials).all() as CredentialRecord[]).map(toCredential);
  }

  async credentialDelete(name: string): Promise<boolean> {
    return this.stmt(SQL.deleteCredential).run(name).changes > 0;
  }

  async kvGet(key: string): Promise<JsonObject | undefined> {
    const text = this.stmt(SQL.kvGet).pluck().get(key) as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as JsonObject);
  }

  async kvPut(key: string, value: JsonObject): Promise<void> {
    this.stmt(SQL.kvPut).run(key, JSON.stringify(value));
  }

  withExecutionLock<T>(executionId: ExecutionId, fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(executionId, fn);
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  /** The statement for `sql`, prepared once per store. */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}

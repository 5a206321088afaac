/**
 * SQLite Store (embedded mode) on better-sqlite3: WAL journal, one transaction per commit,
 * prepared statements. Durability: `normal` (default; WAL with synchronous=NORMAL: a power
 * loss may drop the last transactions, a process crash never does) or `full` (fsync on every
 * commit).
 */
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import type { CommandId, EventId, ExecutionId, Json, JsonObject } from "../../kernel/index.ts";
import type { Command, CommandStatus, NoetlEvent, ResultRef } from "../../protocol/index.ts";
import { isTerminalStatus } from "../command-status.ts";
import { ExecutionMutex } from "../execution-mutex.ts";
import { loopResult, parseLoopRef, previewOf, resultRef } from "../result-ref.ts";
import type {
  CatalogEntry,
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
import { MIGRATIONS } from "./migrations.ts";

export interface SqliteStoreOptions {
  path: string;
  durability?: "normal" | "full";
}

type Row = Record<string, unknown>;

export class SqliteStore implements Store {
  readonly name = "sqlite";
  private readonly db: Database.Database;
  private readonly mutex = new ExecutionMutex();
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly commitTx: (batch: CommitBatch) => CommitResult;
  private readonly seqCache = new Map<ExecutionId, number>();

  constructor(options: SqliteStoreOptions) {
    this.db = new Database(options.path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${options.durability === "full" ? "FULL" : "NORMAL"}`);
    this.db.pragma("foreign_keys = OFF");
    this.db.pragma("busy_timeout = 5000");
    this.commitTx = this.db.transaction((batch: CommitBatch) => this.commitInTx(batch));
  }

  async init(): Promise<void> {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    );
    const applied = new Set(
      (this.db.prepare("SELECT version FROM schema_migrations").all() as Row[]).map(
        (r) => r.version as number,
      ),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db
          .prepare("INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)")
          .run(m.version, Date.now());
      })();
    }
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    try {
      return this.commitTx(batch);
    } catch (error) {
      this.seqCache.clear();
      throw error;
    }
  }

  private lastSeq(id: ExecutionId): number {
    const cached = this.seqCache.get(id);
    if (cached !== undefined) return cached;
    const row = this.stmt("SELECT last_seq FROM execution WHERE execution_id = ?").get(id) as Row | undefined;
    return (row?.last_seq as number | undefined) ?? 0;
  }

  private commitInTx(batch: CommitBatch): CommitResult {
    const inserted: NoetlEvent[] = [];
    const duplicates: EventId[] = [];
    const at = batch.events[0]?.at ?? batch.commandUpdates?.[0]?.at ?? Date.now();
    if (batch.execution) this.upsertExecution(batch.execution, at);
    const seqs = new Map<ExecutionId, number>();
    const insert = this.stmt(
      "INSERT OR IGNORE INTO event(execution_id, event_id, seq, type, step, at, payload, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const event of batch.events) {
      const id = event.execution_id;
      let seq = seqs.get(id) ?? this.lastSeq(id);
      if (seq === 0 && !seqs.has(id)) this.ensureExecution(id, event.at);
      const info = insert.run(
        id,
        event.event_id,
        seq + 1,
        event.type,
        event.step ?? null,
        event.at,
        JSON.stringify(event.payload),
        event.cause ?? null,
      );
      if (info.changes === 0) {
        duplicates.push(event.event_id);
        seqs.set(id, seq);
        continue;
      }
      seq += 1;
      seqs.set(id, seq);
      inserted.push({ ...event, seq } as NoetlEvent);
    }
    const setSeq = this.stmt("UPDATE execution SET last_seq = ? WHERE execution_id = ?");
    for (const [id, seq] of seqs) {
      setSeq.run(seq, id);
      this.seqCache.set(id, seq);
    }
    if (this.seqCache.size > 50_000) this.seqCache.clear();
    const insCommand = this.stmt(
      "INSERT OR IGNORE INTO command(command_id, execution_id, step, pool, status, body, claims, created_at) VALUES (?, ?, ?, ?, 'PENDING', ?, 0, ?)",
    );
    for (const c of batch.commands ?? [])
      insCommand.run(c.command_id, c.execution_id, c.step, c.pool, JSON.stringify(c), at);
    const upd = this.stmt(
      `UPDATE command SET status = @status,
         worker_id = CASE WHEN @status = 'PENDING' THEN NULL ELSE COALESCE(@worker_id, worker_id) END,
         lease_until = CASE WHEN @status = 'PENDING' THEN NULL ELSE lease_until END,
         completed_at = CASE WHEN @terminal = 1 THEN @at ELSE completed_at END
       WHERE command_id = @command_id AND (status NOT IN ('COMPLETED','FAILED','CANCELLED') OR status = @status)`,
    );
    for (const u of batch.commandUpdates ?? []) {
      upd.run({
        status: u.status,
        worker_id: u.worker_id ?? null,
        terminal: isTerminalStatus(u.status) ? 1 : 0,
        at: u.at,
        command_id: u.command_id,
      });
    }
    return { inserted, duplicates };
  }

  private ensureExecution(id: ExecutionId, at: number): void {
    this.stmt(
      "INSERT OR IGNORE INTO execution(execution_id, path, status, started_at, last_seq) VALUES (?, '', 'running', ?, 0)",
    ).run(id, at);
  }

  private upsertExecution(e: CommitBatch["execution"] & object, at: number): void {
    this.ensureExecution(e.execution_id, e.started_at ?? at);
    const sets: string[] = [];
    const params: Record<string, unknown> = { execution_id: e.execution_id };
    const columns: Array<[keyof ExecutionRow, boolean]> = [
      ["path", false],
      ["catalog_version", false],
      ["status", false],
      ["parent_execution_id", false],
      ["started_at", false],
      ["ended_at", false],
      ["result", true],
      ["error", true],
    ];
    for (const [col, json] of columns) {
      const v = e[col];
      if (v === undefined) continue;
      sets.push(`${col} = @${col}`);
      params[col] = json ? JSON.stringify(v) : v;
    }
    if (sets.length === 0) return;
    this.stmt(`UPDATE execution SET ${sets.join(", ")} WHERE execution_id = @execution_id`).run(params);
  }

  async readEvents(executionId: ExecutionId, options: ReadEventsOptions = {}): Promise<NoetlEvent[]> {
    const params: unknown[] = [executionId, options.afterSeq ?? 0];
    let sql = "SELECT * FROM event WHERE execution_id = ? AND seq > ?";
    if (options.types && options.types.length > 0) {
      sql += ` AND type IN (${options.types.map(() => "?").join(",")})`;
      params.push(...options.types);
    }
    sql += " ORDER BY seq";
    if (options.limit !== undefined) {
      sql += " LIMIT ?";
      params.push(options.limit);
    }
    return (this.stmt(sql).all(...params) as Row[]).map(toEvent);
  }

  async getExecution(executionId: ExecutionId): Promise<ExecutionRow | undefined> {
    const row = this.stmt("SELECT * FROM execution WHERE execution_id = ?").get(executionId) as
      | Row
      | undefined;
    return row ? toExecution(row) : undefined;
  }

  async listExecutions(filter: ListExecutionsFilter = {}): Promise<ExecutionRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
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
    const sql = `SELECT * FROM execution ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY started_at DESC, execution_id DESC LIMIT ? OFFSET ?`;
    params.push(filter.limit ?? 100, filter.offset ?? 0);
    return (this.stmt(sql).all(...params) as Row[]).map(toExecution);
  }

  async getCommand(commandId: CommandId): Promise<CommandRow | undefined> {
    const row = this.stmt("SELECT * FROM command WHERE command_id = ?").get(commandId) as Row | undefined;
    return row ? toCommand(row) : undefined;
  }

  async claimCommand(
    commandId: CommandId,
    workerId: string,
    now: number,
    leaseMs: number,
  ): Promise<ClaimOutcome> {
    return this.db.transaction((): ClaimOutcome => {
      const row = this.stmt("SELECT * FROM command WHERE command_id = ?").get(commandId) as Row | undefined;
      if (!row) return { status: "not_found" };
      const current = toCommand(row);
      if (isTerminalStatus(current.status)) return { status: "already_terminal", row: current };
      const live =
        current.status !== "PENDING" && (current.lease_until ?? 0) >= now && current.worker_id !== workerId;
      if (live) return { status: "active_claim", row: current };
      this.stmt(
        "UPDATE command SET status = 'CLAIMED', worker_id = ?, lease_until = ?, claimed_at = ?, claims = claims + 1 WHERE command_id = ?",
      ).run(workerId, now + leaseMs, now, commandId);
      return {
        status: "claimed",
        row: {
          ...current,
          status: "CLAIMED",
          worker_id: workerId,
          lease_until: now + leaseMs,
          claimed_at: now,
          claims: current.claims + 1,
        },
      };
    })();
  }

  async renewLease(commandId: CommandId, workerId: string, now: number, leaseMs: number): Promise<boolean> {
    const info = this.stmt(
      "UPDATE command SET lease_until = ? WHERE command_id = ? AND worker_id = ? AND status IN ('CLAIMED','RUNNING')",
    ).run(now + leaseMs, commandId, workerId);
    return info.changes > 0;
  }

  async listCommands(filter: ListCommandsFilter): Promise<CommandRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.execution_id) {
      where.push("execution_id = ?");
      params.push(filter.execution_id);
    }
    if (filter.status && filter.status.length > 0) {
      where.push(`status IN (${filter.status.map(() => "?").join(",")})`);
      params.push(...filter.status);
    }
    if (filter.leaseExpiredBefore !== undefined) {
      where.push("status IN ('CLAIMED','RUNNING') AND COALESCE(lease_until, 0) < ?");
      params.push(filter.leaseExpiredBefore);
    }
    if (filter.createdBefore !== undefined) {
      where.push("created_at < ?");
      params.push(filter.createdBefore);
    }
    let sql = `SELECT * FROM command ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, rowid`;
    if (filter.limit !== undefined) {
      sql += " LIMIT ?";
      params.push(filter.limit);
    }
    return (this.stmt(sql).all(...params) as Row[]).map(toCommand);
  }

  async catalogRegister(entry: {
    path: string;
    kind: string;
    content: string;
    now: number;
  }): Promise<CatalogEntry> {
    return this.db.transaction((): CatalogEntry => {
      const max = this.stmt("SELECT COALESCE(MAX(version), 0) AS v FROM catalog WHERE path = ?").get(
        entry.path,
      ) as Row;
      const version = (max.v as number) + 1;
      const info = this.stmt(
        "INSERT INTO catalog(path, version, kind, content, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run(entry.path, version, entry.kind, entry.content, entry.now);
      return {
        catalog_id: String(info.lastInsertRowid),
        path: entry.path,
        version,
        kind: entry.kind,
        content: entry.content,
        created_at: entry.now,
      };
    })();
  }

  async catalogGet(path: string, version?: number): Promise<CatalogEntry | undefined> {
    const row = (
      version === undefined
        ? this.stmt("SELECT * FROM catalog WHERE path = ? ORDER BY version DESC LIMIT 1").get(path)
        : this.stmt("SELECT * FROM catalog WHERE path = ? AND version = ?").get(path, version)
    ) as Row | undefined;
    return row ? toCatalog(row) : undefined;
  }

  async catalogGetById(catalogId: string): Promise<CatalogEntry | undefined> {
    const row = this.stmt("SELECT * FROM catalog WHERE catalog_id = ?").get(Number(catalogId)) as
      | Row
      | undefined;
    return row ? toCatalog(row) : undefined;
  }

  async catalogList(filter: { path?: string; kind?: string } = {}): Promise<CatalogEntry[]> {
    const rows = this.stmt(
      "SELECT * FROM catalog WHERE (@path IS NULL OR path = @path) AND (@kind IS NULL OR kind = @kind) ORDER BY path, version DESC",
    ).all({ path: filter.path ?? null, kind: filter.kind ?? null }) as Row[];
    return rows.map(toCatalog);
  }

  async resultPut(executionId: ExecutionId, name: string, data: Json, now: number): Promise<ResultRef> {
    const text = JSON.stringify(data);
    const sha = createHash("sha256").update(text).digest("hex");
    const id = `${now.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const ref = resultRef(executionId, name, id, this.name, text, sha, previewOf(data));
    this.stmt(
      "INSERT INTO result(ref, execution_id, name, data, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    ).run(ref.ref, executionId, name, text, ref.bytes, now);
    return ref;
  }

  async resultGet(ref: string): Promise<Json | undefined> {
    const loop = parseLoopRef(ref);
    if (loop)
      return loopResult(
        await this.readEvents(loop.executionId, { types: ["call.done", "call.error"] }),
        loop,
      );
    const row = this.stmt("SELECT data FROM result WHERE ref = ?").get(ref) as Row | undefined;
    return row ? (JSON.parse(row.data as string) as Json) : undefined;
  }

  async credentialPut(row: CredentialRow): Promise<void> {
    this.stmt(
      `INSERT INTO credential(name, type, data_encrypted, description, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET type = excluded.type, data_encrypted = excluded.data_encrypted,
         description = excluded.description, tags = excluded.tags, updated_at = excluded.updated_at`,
    ).run(
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
    const row = this.stmt("SELECT * FROM credential WHERE name = ?").get(name) as Row | undefined;
    return row ? toCredential(row) : undefined;
  }

  async credentialList(): Promise<CredentialRow[]> {
    return (this.stmt("SELECT * FROM credential ORDER BY name").all() as Row[]).map(toCredential);
  }

  async credentialDelete(name: string): Promise<boolean> {
    return this.stmt("DELETE FROM credential WHERE name = ?").run(name).changes > 0;
  }

  async kvGet(key: string): Promise<JsonObject | undefined> {
    const row = this.stmt("SELECT value FROM kv WHERE key = ?").get(key) as Row | undefined;
    return row ? (JSON.parse(row.value as string) as JsonObject) : undefined;
  }

  async kvPut(key: string, value: JsonObject): Promise<void> {
    this.stmt(
      "INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(key, JSON.stringify(value));
  }

  withExecutionLock<T>(executionId: ExecutionId, fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(executionId, fn);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toEvent(r: Row): NoetlEvent {
  return {
    execution_id: r.execution_id as ExecutionId,
    event_id: r.event_id as EventId,
    seq: r.seq as number,
    type: r.type,
    ...(r.step !== null ? { step: r.step as string } : {}),
    at: r.at as number,
    payload: JSON.parse(r.payload as string),
    ...(r.cause !== null ? { cause: r.cause as EventId } : {}),
  } as NoetlEvent;
}

function toExecution(r: Row): ExecutionRow {
  return {
    execution_id: r.execution_id as ExecutionId,
    path: r.path as string,
    status: r.status as ExecutionRow["status"],
    started_at: r.started_at as number,
    last_seq: r.last_seq as number,
    ...(r.catalog_version !== null ? { catalog_version: r.catalog_version as number } : {}),
    ...(r.parent_execution_id !== null ? { parent_execution_id: r.parent_execution_id as ExecutionId } : {}),
    ...(r.ended_at !== null ? { ended_at: r.ended_at as number } : {}),
    ...(r.result !== null ? { result: JSON.parse(r.result as string) as Json } : {}),
    ...(r.error !== null ? { error: JSON.parse(r.error as string) as Json } : {}),
  };
}

function toCommand(r: Row): CommandRow {
  return {
    command: JSON.parse(r.body as string) as Command,
    status: r.status as CommandStatus,
    claims: r.claims as number,
    created_at: r.created_at as number,
    ...(r.worker_id !== null ? { worker_id: r.worker_id as string } : {}),
    ...(r.lease_until !== null ? { lease_until: r.lease_until as number } : {}),
    ...(r.claimed_at !== null ? { claimed_at: r.claimed_at as number } : {}),
    ...(r.completed_at !== null ? { completed_at: r.completed_at as number } : {}),
  };
}

function toCatalog(r: Row): CatalogEntry {
  return {
    catalog_id: String(r.catalog_id),
    path: r.path as string,
    version: r.version as number,
    kind: r.kind as string,
    content: r.content as string,
    created_at: r.created_at as number,
  };
}

function toCredential(r: Row): CredentialRow {
  return {
    name: r.name as string,
    type: r.type as string,
    data_encrypted: r.data_encrypted as string,
    ...(r.description !== null ? { description: r.description as string } : {}),
    ...(r.tags !== null ? { tags: JSON.parse(r.tags as string) as string[] } : {}),
    created_at: r.created_at as number,
    updated_at: r.updated_at as number,
  };
}

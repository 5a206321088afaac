/**
 * In-memory Store (tests, engine benchmarks). Same semantics as the SQLite and PostgreSQL
 * adapters, checked by the shared conformance suite; nothing survives the process.
 *
 * Values are kept by reference (events and commands are not deep-copied): callers treat what
 * they commit and read as immutable, as they must with any store.
 */
import type { CommandId, EventId, ExecutionId, Json, JsonObject } from "../../kernel/index.ts";
import type { NoetlEvent, ResultRef } from "../../protocol/index.ts";
import { isTerminalStatus } from "../command-status.ts";
import { ExecutionMutex } from "../execution-mutex.ts";
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
  ListCommandsFilter,
  ListExecutionsFilter,
  ReadEventsOptions,
  Store,
} from "../store.ts";

/** The event log of one execution: events in seq order (`events[i].seq === i + 1`), and their seqs by id. */
interface EventLog {
  events: NoetlEvent[];
  ids: Map<string, number>;
}

/** The `Store` port in process memory (see the module documentation). */
export class MemoryStore implements Store {
  readonly name = "memory";
  private readonly logs = new Map<ExecutionId, EventLog>();
  private readonly executions = new Map<ExecutionId, ExecutionRow>();
  private readonly commands = new Map<CommandId, CommandRow>();
  private readonly catalogByPath = new Map<string, CatalogEntry[]>();
  private readonly catalogById = new Map<string, CatalogEntry>();
  private readonly results = new Map<string, Json>();
  private readonly credentials = new Map<string, CredentialRow>();
  private readonly kv = new Map<string, JsonObject>();
  private readonly mutex = new ExecutionMutex();
  private nextCatalogId = 1;

  async init(): Promise<void> {}

  /** Atomic: the body is synchronous, so no other call observes a half-applied batch. */
  async commit(batch: CommitBatch): Promise<CommitResult> {
    const inserted: NoetlEvent[] = [];
    const duplicates: EventId[] = [];
    const at = batch.events[0]?.at ?? batch.commandUpdates?.[0]?.at ?? Date.now();
    if (batch.execution) this.upsertExecution(batch.execution, at);
    for (const event of batch.events) {
      const log = this.logOf(event.execution_id);
      if (log.ids.has(event.event_id)) {
        duplicates.push(event.event_id);
        continue;
      }
      const row =
        this.executions.get(event.execution_id) ??
        this.upsertExecution({ execution_id: event.execution_id }, event.at);
      row.last_seq = log.events.length + 1;
      const stored = { ...event, seq: row.last_seq } as NoetlEvent;
      log.ids.set(event.event_id, row.last_seq);
      log.events.push(stored);
      inserted.push(stored);
    }
    const claims = batch.claims?.length ? new Map(batch.claims.map((k) => [k.command_id, k])) : undefined;
    for (const command of batch.commands ?? []) {
      if (this.commands.has(command.command_id)) continue;
      const k = claims?.get(command.command_id);
      this.commands.set(
        command.command_id,
        k
          ? {
              command,
              status: "CLAIMED",
              worker_id: k.worker_id,
              lease_until: k.lease_until,
              claimed_at: k.at,
              claims: 1,
              created_at: at,
            }
          : { command, status: "PENDING", claims: 0, created_at: at },
      );
    }
    for (const u of batch.commandUpdates ?? []) {
      const row = this.commands.get(u.command_id);
      if (!row || isTerminalStatus(row.status)) continue;
      row.status = u.status;
      if (u.status === "PENDING") {
        delete row.worker_id;
        delete row.lease_until;
      } else if (u.worker_id) row.worker_id = u.worker_id;
      if (isTerminalStatus(u.status)) row.completed_at = u.at;
    }
    return { inserted, duplicates };
  }

  async readEvents(executionId: ExecutionId, options: ReadEventsOptions = {}): Promise<NoetlEvent[]> {
    const events = this.logs.get(executionId)?.events;
    if (!events) return [];
    const types = options.types ? new Set(options.types) : undefined;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const out: NoetlEvent[] = [];
    for (let i = Math.max(0, options.afterSeq ?? 0); i < events.length && out.length < limit; i++) {
      const e = events[i] as NoetlEvent;
      if (!types || types.has(e.type)) out.push(e);
    }
    return out;
  }

  async eventSeq(executionId: ExecutionId, eventId: string): Promise<number | undefined> {
    return this.logs.get(executionId)?.ids.get(eventId);
  }

  async getExecution(executionId: ExecutionId): Promise<ExecutionRow | undefined> {
    const row = this.executions.get(executionId);
    return row ? { ...row } : undefined;
  }

  async listExecutions(filter: ListExecutionsFilter = {}): Promise<ExecutionRow[]> {
    const rows: ExecutionRow[] = [];
    for (const r of this.executions.values()) {
      if (filter.status && r.status !== filter.status) continue;
      if (filter.path && r.path !== filter.path) continue;
      if (filter.parent_execution_id && r.parent_execution_id !== filter.parent_execution_id) continue;
      rows.push(r);
    }
    rows.sort((a, b) => b.started_at - a.started_at || compareDesc(a.execution_id, b.execution_id));
    const offset = filter.offset ?? 0;
    const end = filter.limit === undefined ? undefined : offset + filter.limit;
    return rows.slice(offset, end).map((r) => ({ ...r }));
  }

  async getCommand(commandId: CommandId): Promise<CommandRow | undefined> {
    const row = this.commands.get(commandId);
    return row ? { ...row } : undefined;
  }

  async claimCommand(
    commandId: CommandId,
    workerId: string,
    now: number,
    leaseMs: number,
  ): Promise<ClaimOutcome> {
    const row = this.commands.get(commandId);
    if (!row) return { status: "not_found" };
    if (isTerminalStatus(row.status)) return { status: "already_terminal", row: { ...row } };
    const live = row.status !== "PENDING" && (row.lease_until ?? 0) >= now;
    if (live && row.worker_id !== workerId) return { status: "active_claim", row: { ...row } };
    if (!live) {
      // a new claim: PENDING, or a lease that expired (its worker is presumed dead)
      row.status = "CLAIMED";
      row.worker_id = workerId;
      row.claimed_at = now;
      row.claims += 1;
    }
    row.lease_until = now + leaseMs;
    return { status: "claimed", row: { ...row } };
  }

  async renewLease(commandId: CommandId, workerId: string, now: number, leaseMs: number): Promise<boolean> {
    const row = this.commands.get(commandId);
    if (!row || row.worker_id !== workerId) return false;
    if (row.status !== "CLAIMED" && row.status !== "RUNNING") return false;
    row.lease_until = now + leaseMs;
    return true;
  }

  async listCommands(filter: ListCommandsFilter): Promise<CommandRow[]> {
    const statuses = filter.status ? new Set(filter.status) : undefined;
    const out: CommandRow[] = [];
    for (const row of this.commands.values()) {
      if (filter.execution_id && row.command.execution_id !== filter.execution_id) continue;
      if (statuses && !statuses.has(row.status)) continue;
      if (filter.leaseExpiredBefore !== undefined) {
        if (row.status !== "CLAIMED" && row.status !== "RUNNING") continue;
        if ((row.lease_until ?? 0) >= filter.leaseExpiredBefore) continue;
      }
      if (filter.createdBefore !== undefined && row.created_at >= filter.createdBefore) continue;
      out.push({ ...row });
    }
    out.sort((a, b) => a.created_at - b.created_at); // stable: insertion order breaks ties
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  async catalogRegister(entry: {
    path: string;
    kind: string;
    content: string;
    now: number;
  }): Promise<CatalogEntry> {
    let versions = this.catalogByPath.get(entry.path);
    if (!versions) {
      versions = [];
      this.catalogByPath.set(entry.path, versions);
    }
    const row: CatalogEntry = {
      catalog_id: String(this.nextCatalogId++),
      path: entry.path,
      version: versions.length + 1,
      kind: entry.kind,
      content: entry.content,
      created_at: entry.now,
    };
    versions.push(row);
    this.catalogById.set(row.catalog_id, row);
    return { ...row };
  }

  async catalogGet(path: string, version?: number): Promise<CatalogEntry | undefined> {
    const versions = this.catalogByPath.get(path);
    const row =
      version === undefined
        ? versions?.findLast((r) => r.archived_at === undefined)
        : versions?.[version - 1];
    return row ? { ...row } : undefined;
  }

  async catalogGetById(catalogId: string): Promise<CatalogEntry | undefined> {
    const row = this.catalogById.get(catalogId);
    return row ? { ...row } : undefined;
  }

  async catalogList(filter: CatalogListFilter = {}): Promise<CatalogEntry[]> {
    const out: CatalogEntry[] = [];
    const paths = [...this.catalogByPath.keys()].sort();
    for (const path of paths) {
      if (filter.path && path !== filter.path) continue;
      const versions = this.catalogByPath.get(path) ?? [];
      for (let i = versions.length - 1; i >= 0; i--) {
        const row = versions[i] as CatalogEntry;
        if (filter.kind && row.kind !== filter.kind) continue;
        if (row.archived_at !== undefined && !filter.include_archived) continue;
        out.push({ ...row });
      }
    }
    return out;
  }

  async catalogArchive(path: string, version: number | undefined, now: number): Promise<CatalogEntry[]> {
    const out: CatalogEntry[] = [];
    for (const row of this.catalogByPath.get(path) ?? []) {
      if (row.archived_at !== undefined || (version !== undefined && row.version !== version)) continue;
      row.archived_at = now;
      out.push({ ...row });
    }
    return out;
  }

  async catalogRestore(path: string, version?: number): Promise<CatalogEntry[]> {
    const out: CatalogEntry[] = [];
    for (const row of this.catalogByPath.get(path) ?? []) {
      if (row.archived_at === undefined || (version !== undefined && row.version !== version)) continue;
      delete row.archived_at;
      out.push({ ...row });
    }
    return out;
  }

  async resultPut(executionId: ExecutionId, name: string, data: Json, _now: number): Promise<ResultRef> {
    const { ref, text } = prepareResult(this.name, executionId, name, data);
    if (!this.results.has(ref.ref)) this.results.set(ref.ref, JSON.parse(text) as Json);
    return ref;
  }

  async resultGet(ref: string): Promise<Json | undefined> {
    const loop = parseLoopRef(ref);
    if (!loop) return this.results.get(ref);
    if (!this.logs.has(loop.executionId)) return undefined;
    return loopResults(await this.readEvents(loop.executionId, { types: [...LOOP_REF_EVENT_TYPES] }), loop);
  }

  async credentialPut(row: CredentialRow): Promise<void> {
    const prev = this.credentials.get(row.name);
    this.credentials.set(row.name, { ...row, created_at: prev?.created_at ?? row.created_at });
  }

  async credentialGet(name: string): Promise<CredentialRow | undefined> {
    const row = this.credentials.get(name);
    return row ? { ...row } : undefined;
  }

  async credentialList(): Promise<CredentialRow[]> {
    return [...this.credentials.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => ({ ...r }));
  }

  async credentialDelete(name: string): Promise<boolean> {
    return this.credentials.delete(name);
  }

  async kvGet(key: string): Promise<JsonObject | undefined> {
    const value = this.kv.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  async kvPut(key: string, value: JsonObject): Promise<void> {
    this.kv.set(key, structuredClone(value));
  }

  withExecutionLock<T>(executionId: ExecutionId, fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(executionId, fn);
  }

  async close(): Promise<void> {}

  private logOf(executionId: ExecutionId): EventLog {
    let log = this.logs.get(executionId);
    if (!log) {
      log = { events: [], ids: new Map() };
      this.logs.set(executionId, log);
    }
    return log;
  }

  /** Insert-or-merge the projection; a new row gets defaults for what the batch does not say. */
  private upsertExecution(
    patch: Partial<ExecutionRow> & { execution_id: ExecutionId },
    at: number,
  ): ExecutionRow {
    let row = this.executions.get(patch.execution_id);
    if (!row) {
      row = {
        execution_id: patch.execution_id,
        path: "",
        status: "running",
        started_at: at,
        last_seq: this.logs.get(patch.execution_id)?.events.length ?? 0,
      };
      this.executions.set(row.execution_id, row);
    }
    const target = row as unknown as Record<string, unknown>;
    for (const key of EXECUTION_FIELDS) {
      const value = (patch as Record<string, unknown>)[key];
      if (value !== undefined) target[key] = value;
    }
    return row;
  }
}

/** Projection fields a batch may set (`last_seq` is the store's own). */
const EXECUTION_FIELDS = [
  "path",
  "catalog_version",
  "status",
  "parent_execution_id",
  "started_at",
  "ended_at",
  "result",
  "error",
] as const;

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

/**
 * In-memory Store (tests, engine benchmarks). Same semantics as the SQLite and PostgreSQL
 * adapters, checked by the shared conformance suite; nothing survives the process.
 */
import { createHash } from "node:crypto";
import type { CommandId, EventId, ExecutionId, Json, JsonObject } from "../../kernel/index.ts";
import type { NoetlEvent, ResultRef } from "../../protocol/index.ts";
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

export class MemoryStore implements Store {
  readonly name = "memory";
  private readonly events = new Map<ExecutionId, NoetlEvent[]>();
  private readonly eventIds = new Map<ExecutionId, Set<EventId>>();
  private readonly executions = new Map<ExecutionId, ExecutionRow>();
  private readonly commands = new Map<CommandId, CommandRow>();
  private readonly catalog: CatalogEntry[] = [];
  private readonly results = new Map<string, Json>();
  private readonly credentials = new Map<string, CredentialRow>();
  private readonly kv = new Map<string, JsonObject>();
  private readonly mutex = new ExecutionMutex();
  private nextId = 1;

  async init(): Promise<void> {}

  async commit(batch: CommitBatch): Promise<CommitResult> {
    const inserted: NoetlEvent[] = [];
    const duplicates: EventId[] = [];
    const at = batch.events[0]?.at ?? batch.commandUpdates?.[0]?.at ?? Date.now();
    if (batch.execution) {
      const prev = this.executions.get(batch.execution.execution_id);
      const row = {
        path: "",
        status: "running",
        started_at: at,
        last_seq: 0,
        ...prev,
        ...stripUndefined(batch.execution),
      } as ExecutionRow;
      row.last_seq = prev?.last_seq ?? 0;
      this.executions.set(row.execution_id, row);
    }
    for (const event of batch.events) {
      let ids = this.eventIds.get(event.execution_id);
      if (!ids) {
        ids = new Set();
        this.eventIds.set(event.execution_id, ids);
      }
      if (ids.has(event.event_id)) {
        duplicates.push(event.event_id);
        continue;
      }
      ids.add(event.event_id);
      let row = this.executions.get(event.execution_id);
      if (!row) {
        row = {
          execution_id: event.execution_id,
          path: "",
          status: "running",
          started_at: event.at,
          last_seq: 0,
        };
        this.executions.set(event.execution_id, row);
      }
      row.last_seq += 1;
      const stored = { ...event, seq: row.last_seq } as NoetlEvent;
      let list = this.events.get(event.execution_id);
      if (!list) {
        list = [];
        this.events.set(event.execution_id, list);
      }
      list.push(stored);
      inserted.push(stored);
    }
    for (const command of batch.commands ?? []) {
      if (this.commands.has(command.command_id)) continue;
      this.commands.set(command.command_id, { command, status: "PENDING", claims: 0, created_at: at });
    }
    for (const u of batch.commandUpdates ?? []) {
      const row = this.commands.get(u.command_id);
      if (!row) continue;
      if (isTerminalStatus(row.status) && u.status !== row.status) continue;
      row.status = u.status;
      if (u.worker_id) row.worker_id = u.worker_id;
      if (isTerminalStatus(u.status)) row.completed_at = u.at;
      if (u.status === "PENDING") {
        delete row.worker_id;
        delete row.lease_until;
      }
    }
    return { inserted, duplicates };
  }

  async readEvents(executionId: ExecutionId, options: ReadEventsOptions = {}): Promise<NoetlEvent[]> {
    const list = this.events.get(executionId) ?? [];
    const after = options.afterSeq ?? 0;
    const types = options.types ? new Set(options.types) : undefined;
    const out: NoetlEvent[] = [];
    for (const e of list) {
      if ((e.seq ?? 0) <= after) continue;
      if (types && !types.has(e.type)) continue;
      out.push(e);
      if (options.limit !== undefined && out.length >= options.limit) break;
    }
    return out;
  }

  async getExecution(executionId: ExecutionId): Promise<ExecutionRow | undefined> {
    const row = this.executions.get(executionId);
    return row ? { ...row } : undefined;
  }

  async listExecutions(filter: ListExecutionsFilter = {}): Promise<ExecutionRow[]> {
    const rows = [...this.executions.values()]
      .filter(
        (r) =>
          (!filter.status || r.status === filter.status) &&
          (!filter.path || r.path === filter.path) &&
          (!filter.parent_execution_id || r.parent_execution_id === filter.parent_execution_id),
      )
      .sort((a, b) => b.started_at - a.started_at || (b.execution_id > a.execution_id ? 1 : -1));
    const offset = filter.offset ?? 0;
    return rows.slice(offset, offset + (filter.limit ?? 100)).map((r) => ({ ...r }));
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
    const live = row.status !== "PENDING" && (row.lease_until ?? 0) >= now && row.worker_id !== workerId;
    if (live) return { status: "active_claim", row: { ...row } };
    row.status = "CLAIMED";
    row.worker_id = workerId;
    row.lease_until = now + leaseMs;
    row.claimed_at = now;
    row.claims += 1;
    return { status: "claimed", row: { ...row } };
  }

  async renewLease(commandId: CommandId, workerId: string, now: number, leaseMs: number): Promise<boolean> {
    const row = this.commands.get(commandId);
    if (!row || row.worker_id !== workerId || isTerminalStatus(row.status) || row.status === "PENDING")
      return false;
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
        if (!(row.status === "CLAIMED" || row.status === "RUNNING")) continue;
        if ((row.lease_until ?? 0) >= filter.leaseExpiredBefore) continue;
      }
      if (filter.createdBefore !== undefined && row.created_at >= filter.createdBefore) continue;
      out.push({ ...row });
    }
    out.sort((a, b) => a.created_at - b.created_at);
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
  }

  async catalogRegister(entry: {
    path: string;
    kind: string;
    content: string;
    now: number;
  }): Promise<CatalogEntry> {
    const version =
      this.catalog.filter((c) => c.path === entry.path).reduce((m, c) => Math.max(m, c.version), 0) + 1;
    const row: CatalogEntry = {
      catalog_id: String(this.nextId++),
      path: entry.path,
      version,
      kind: entry.kind,
      content: entry.content,
      created_at: entry.now,
    };
    this.catalog.push(row);
    return { ...row };
  }

  async catalogGet(path: string, version?: number): Promise<CatalogEntry | undefined> {
    let best: CatalogEntry | undefined;
    for (const c of this.catalog) {
      if (c.path !== path) continue;
      if (version !== undefined ? c.version === version : !best || c.version > best.version) best = c;
    }
    return best ? { ...best } : undefined;
  }

  async catalogGetById(catalogId: string): Promise<CatalogEntry | undefined> {
    const row = this.catalog.find((c) => c.catalog_id === catalogId);
    return row ? { ...row } : undefined;
  }

  async catalogList(filter: { path?: string; kind?: string } = {}): Promise<CatalogEntry[]> {
    return this.catalog
      .filter((c) => (!filter.path || c.path === filter.path) && (!filter.kind || c.kind === filter.kind))
      .map((c) => ({ ...c }))
      .sort((a, b) => (a.path === b.path ? b.version - a.version : a.path < b.path ? -1 : 1));
  }

  async resultPut(executionId: ExecutionId, name: string, data: Json, _now: number): Promise<ResultRef> {
    const text = JSON.stringify(data);
    const ref = resultRef(
      executionId,
      name,
      String(this.nextId++),
      this.name,
      text,
      createHash("sha256").update(text).digest("hex"),
      previewOf(data),
    );
    this.results.set(ref.ref, JSON.parse(text) as Json);
    return ref;
  }

  async resultGet(ref: string): Promise<Json | undefined> {
    const loop = parseLoopRef(ref);
    if (loop)
      return loopResult(
        await this.readEvents(loop.executionId, { types: ["call.done", "call.error"] }),
        loop,
      );
    return this.results.get(ref);
  }

  async credentialPut(row: CredentialRow): Promise<void> {
    this.credentials.set(row.name, { ...row });
  }

  async credentialGet(name: string): Promise<CredentialRow | undefined> {
    const row = this.credentials.get(name);
    return row ? { ...row } : undefined;
  }

  async credentialList(): Promise<CredentialRow[]> {
    return [...this.credentials.values()].map((r) => ({ ...r })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async credentialDelete(name: string): Promise<boolean> {
    return this.credentials.delete(name);
  }

  async kvGet(key: string): Promise<JsonObject | undefined> {
    return this.kv.get(key);
  }

  async kvPut(key: string, value: JsonObject): Promise<void> {
    this.kv.set(key, value);
  }

  withExecutionLock<T>(executionId: ExecutionId, fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(executionId, fn);
  }

  async close(): Promise<void> {}
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

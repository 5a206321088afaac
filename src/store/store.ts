/**
 * Persistence port. Adapters: `memory/` (tests), `sqlite/` (embedded), `postgres/` (distributed).
 * All pass the shared conformance suite (`conformance.ts`).
 *
 * The write side is one call, `commit`, executed in ONE transaction: new events (idempotent on
 * (execution_id, event_id)), new commands (the outbox), command status changes and the
 * execution projection. Nothing is published before it returns.
 *
 * Command ids are the engine's snowflakes, decimal int64 strings: the SQLite adapter keys commands
 * by that number and refuses other ids; lookups of an id that is not one find nothing.
 */
import type { CommandId, EventId, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type {
  Command,
  CommandStatus,
  EventType,
  ExecutionStatus,
  NoetlEvent,
  ResultRef,
} from "../protocol/index.ts";

export interface ExecutionRow {
  execution_id: ExecutionId;
  path: string;
  catalog_version?: number;
  status: ExecutionStatus;
  parent_execution_id?: ExecutionId;
  started_at: number;
  ended_at?: number;
  result?: Json;
  error?: Json;
  /** Last assigned event seq. */
  last_seq: number;
}

export interface CommandRow {
  command: Command;
  status: CommandStatus;
  worker_id?: string;
  /** Epoch ms at which the current claim expires. */
  lease_until?: number;
  claimed_at?: number;
  completed_at?: number;
  /** Number of times the command was claimed. */
  claims: number;
  created_at: number;
}

export interface CommandClaim {
  command_id: CommandId;
  worker_id: string;
  at: number;
  lease_until: number;
}

export interface CommandUpdate {
  command_id: CommandId;
  status: CommandStatus;
  worker_id?: string;
  at: number;
}

export interface CommitBatch {
  events: NoetlEvent[];
  commands?: Command[];
  commandUpdates?: CommandUpdate[];
  /**
   * Commands of `commands` inserted already claimed (a hand-off to the worker whose report
   * caused them): CLAIMED by `worker_id`, claimed at `at`, leased until `lease_until`, claims 1 —
   * as `claimCommand` leaves a PENDING command. A command id already stored is left alone.
   */
  claims?: CommandClaim[];
  /** Insert-or-update of the execution projection. */
  execution?: Partial<ExecutionRow> & { execution_id: ExecutionId };
}

export interface CommitResult {
  /** Events actually inserted (duplicates by (execution_id, event_id) are skipped), with seq set. */
  inserted: NoetlEvent[];
  duplicates: EventId[];
}

/** The execution state a decision was taken on (`Store.commitIfCurrent`). */
export interface ExpectedExecution {
  execution_id: ExecutionId;
  /** The last seq folded into that state. */
  last_seq: number;
}

export interface ReadEventsOptions {
  afterSeq?: number;
  limit?: number;
  types?: EventType[];
}

export interface ListExecutionsFilter {
  status?: ExecutionStatus;
  path?: string;
  parent_execution_id?: ExecutionId;
  limit?: number;
  offset?: number;
}

export type ClaimOutcome =
  | {
      status: "claimed";
      row: CommandRow;
      /** The status of the command's execution, when the store reads it along with the claim. */
      executionStatus?: ExecutionStatus;
    }
  | { status: "already_terminal" | "active_claim" | "not_found"; row?: CommandRow };

/** The execution row as read once `withExecutionLock` held the lock (`row` undefined: no such execution). */
export interface LockedExecution {
  row: ExecutionRow | undefined;
}

export interface ListCommandsFilter {
  execution_id?: ExecutionId;
  status?: CommandStatus[];
  /** Commands whose lease expired before this time (for the reaper). */
  leaseExpiredBefore?: number;
  /** PENDING commands created before this time (lost publish). */
  createdBefore?: number;
  limit?: number;
}

export interface CatalogEntry {
  catalog_id: string;
  path: string;
  version: number;
  kind: string;
  content: string;
  created_at: number;
  /** Set while the entry is archived (deleted from the catalog: not listed, not started). */
  archived_at?: number;
}

export interface CatalogListFilter {
  path?: string;
  kind?: string;
  /** Archived entries too (default: only the others). */
  include_archived?: boolean;
}

export interface CredentialRow {
  name: string;
  type: string;
  /** Encrypted by the credential service; stores never see clear text. */
  data_encrypted: string;
  description?: string;
  tags?: string[];
  created_at: number;
  updated_at: number;
}

export interface Store {
  readonly name: string;
  /** Create tables / run ordered migrations. Idempotent. */
  init(): Promise<void>;
  commit(batch: CommitBatch): Promise<CommitResult>;
  /**
   * Optional (stores shared by several orchestrator replicas): `commit` for a decision taken
   * WITHOUT `withExecutionLock`, on a cached state. It writes only if that state is still
   * current — nothing was committed to the execution since `expected.last_seq` and no
   * `withExecutionLock` holder is deciding on it — atomically with the write; otherwise it
   * writes nothing and resolves to `undefined` (the caller decides again under the lock).
   */
  commitIfCurrent?(batch: CommitBatch, expected: ExpectedExecution): Promise<CommitResult | undefined>;

  readEvents(executionId: ExecutionId, options?: ReadEventsOptions): Promise<NoetlEvent[]>;
  /**
   * The seq of the execution's event `eventId`, or `undefined` when it has none (another
   * execution's event of that id does not count). A key lookup, not a read of the log.
   */
  eventSeq(executionId: ExecutionId, eventId: string): Promise<number | undefined>;
  getExecution(executionId: ExecutionId): Promise<ExecutionRow | undefined>;
  listExecutions(filter?: ListExecutionsFilter): Promise<ExecutionRow[]>;

  getCommand(commandId: CommandId): Promise<CommandRow | undefined>;
  /** Atomically claim a PENDING command, or a CLAIMED/RUNNING one whose lease expired. */
  claimCommand(commandId: CommandId, workerId: string, now: number, leaseMs: number): Promise<ClaimOutcome>;
  /**
   * Optional: `claimCommand` of several commands at once (fewer round trips), with the same
   * outcomes in the order of `commandIds`. A command listed twice gets the same outcome twice.
   */
  claimCommands?(
    commandIds: readonly CommandId[],
    workerId: string,
    now: number,
    leaseMs: number,
  ): Promise<ClaimOutcome[]>;
  /** Extend the lease of a command held by this worker; false if it is no longer theirs. */
  renewLease(commandId: CommandId, workerId: string, now: number, leaseMs: number): Promise<boolean>;
  listCommands(filter: ListCommandsFilter): Promise<CommandRow[]>;

  catalogRegister(entry: { path: string; kind: string; content: string; now: number }): Promise<CatalogEntry>;
  /**
   * The entry of `path` at `version`, archived or not (executions started from an entry read it
   * again on replay); without a version, the latest entry that is not archived.
   */
  catalogGet(path: string, version?: number): Promise<CatalogEntry | undefined>;
  /** The entry with this id, archived or not. */
  catalogGetById(catalogId: string): Promise<CatalogEntry | undefined>;
  /** By path, then version from the newest; archived entries only with `include_archived`. */
  catalogList(filter?: CatalogListFilter): Promise<CatalogEntry[]>;
  /**
   * Archives the entries of `path` that are not archived — the one `version`, or all of them —
   * at `now`; returns them as archived, by version. Versions are never reused.
   */
  catalogArchive(path: string, version: number | undefined, now: number): Promise<CatalogEntry[]>;
  /** Restores the archived entries of `path` (the one `version`, or all); returns them, by version. */
  catalogRestore(path: string, version?: number): Promise<CatalogEntry[]>;

  /** Large results (DECISIONS 38). `ref` is `noetl://execution/<eid>/result/<name>/<id>`. */
  resultPut(executionId: ExecutionId, name: string, data: Json, now: number): Promise<ResultRef>;
  resultGet(ref: string): Promise<Json | undefined>;

  credentialPut(row: CredentialRow): Promise<void>;
  credentialGet(name: string): Promise<CredentialRow | undefined>;
  credentialList(): Promise<CredentialRow[]>;
  credentialDelete(name: string): Promise<boolean>;

  /** Key-value settings (e.g. generated secrets); small values only. */
  kvGet(key: string): Promise<JsonObject | undefined>;
  kvPut(key: string, value: JsonObject): Promise<void>;

  /**
   * Run `fn` while holding the per-execution serialisation lock (a row lock / advisory lock in
   * postgres; a process-local mutex in sqlite/memory), so two orchestrator replicas never decide
   * on the same execution at once. A store that reads the execution row along with taking the
   * lock hands it to `fn` (what `getExecution` would return now); others call `fn()`.
   */
  withExecutionLock<T>(executionId: ExecutionId, fn: (locked?: LockedExecution) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}

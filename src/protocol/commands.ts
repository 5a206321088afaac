/**
 * Commands: units of work the orchestrator issues and a worker claims and runs.
 * A command carries what one step run needs and pointers for the rest, never a copy of
 * the whole execution context: its cost is O(1) in the size of a loop collection.
 */
import type { CommandId, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type { Task } from "./task.ts";

export type CommandStatus = "PENDING" | "CLAIMED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED";

export interface Command {
  command_id: CommandId;
  execution_id: ExecutionId;
  step: string;
  /** Worker pool that should run it (NATS subject `noetl.commands.<pool>`). */
  pool: string;
  /** The step's task pipeline, unrendered (templates are rendered by the worker, task by task). */
  tasks: Task[];
  /** True when the tasks came from a list (pipeline labels are visible to templates). */
  pipeline: boolean;
  /** The step's rendered input (step `input` with the firing arc's `input` merged over it). */
  input: JsonObject;
  /** Execution variables at dispatch (`ctx`). */
  ctx: JsonObject;
  /**
   * Results of earlier steps that templates may read, by step name: inline when small,
   * a ResultRef envelope when large (resolved on demand through the ControlPlane).
   */
  steps: JsonObject;
  /** Loop iteration scope, when the step is a loop. */
  iter?: IterScope;
  loop?: { loop_id: string; index: number };
  /** The boundary event that fired this step (`call.done`, `call.error`, `loop.done`). */
  event?: { name: string; step?: string };
  /** The error routed to this step by a `call.error` arc or `executor.spec.on_error`. */
  error?: ToolErrorInfo;
  /** Result of the step that dispatched this one (`{{ result }}`). */
  result?: Json;
  /** The playbook's keychain declarations (never values: the worker resolves them). */
  keychain?: JsonObject[];
  /** Infrastructure delivery attempt (1-based); business retries are task policies. */
  attempt: number;
}

/** Iteration scope of one loop iteration (DECISIONS 18). */
export interface IterScope {
  iterator: string;
  item: Json;
  index: number;
  total: number;
  first: boolean;
  last: boolean;
  parent?: IterScope;
}

/** Classified tool/task error (DECISIONS 22–23), as seen in `output.error` and `call.error`. */
export interface ToolErrorInfo {
  kind: ErrorKind;
  retryable: boolean;
  code: string;
  message: string;
  /** Task label where it happened, for pipelines. */
  task?: string;
  /** HTTP status, SQLSTATE, python exception … */
  status_code?: number;
  retry_after?: number;
  pg_code?: string;
  exception_type?: string;
  details?: Json;
  [key: string]: Json | undefined;
}

export type ErrorKind =
  | "connection"
  | "timeout"
  | "rate_limit"
  | "auth"
  | "not_found"
  | "client_error"
  | "server_error"
  | "schema"
  | "parse"
  | "transform"
  | "db_connection"
  | "db_constraint"
  | "db_deadlock"
  | "db_timeout"
  | "db_error"
  | "missing_reference"
  | "tool_error"
  | "cancelled"
  | "worker_lost"
  | "unknown";

/** A stored large result (DECISIONS 38). Appears inline in results as `{kind: "result_ref", ...}`. */
export interface ResultRef {
  kind: "result_ref";
  ref: string;
  store: string;
  bytes: number;
  sha256?: string;
  preview?: Json;
  [key: string]: Json | undefined;
}

export function isResultRef(value: unknown): value is ResultRef {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "result_ref" &&
    typeof (value as { ref?: unknown }).ref === "string"
  );
}

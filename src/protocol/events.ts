/**
 * Every event of the append-only log, as one typed map: event name → payload.
 * The `Event` union, handler maps and the docs table are derived from it.
 *
 * Ownership: the engine emits the lifecycle/routing events, the worker the execution events,
 * the orchestrator the claim/cancel events. Payloads are JSON.
 */
import type { CommandId, EventId, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type { Command, ResultRef, ToolErrorInfo } from "./commands.ts";

export type ExecutionStatus = "running" | "completed" | "failed" | "cancelled";

export interface EventPayloads {
  /** First event of every execution: everything needed to replay it. */
  "playbook.initialized": {
    path: string;
    catalog_version?: number;
    /** The merged, immutable workload. */
    workload: JsonObject;
    parent_execution_id?: ExecutionId;
    /** The step this execution starts at instead of the playbook's entry step (`noetl run -t`). */
    entry_step?: string;
    /** Engine semantics version (numbered flags) that wrote this log. */
    engine_version: number;
  };
  "workflow.initialized": { first_step: string };
  /** A command was created (persisted with it in the same transaction). */
  /**
   * A command was created (persisted with it in the same transaction). The event carries the
   * command without its bulky parts (tasks, ctx, step results): the command row has them.
   */
  "command.issued": {
    command: IssuedCommand;
    /** The run of `executor.spec.final_step`. */
    final?: boolean;
  };
  "command.claimed": { command_id: CommandId; worker_id: string; lease_ms: number };
  "command.started": { command_id: CommandId; worker_id: string };
  "command.heartbeat": { command_id: CommandId; worker_id: string };
  "command.completed": { command_id: CommandId; worker_id?: string };
  /** Infrastructure failure (worker died, could not run); orchestrated when sent alone. */
  "command.failed": { command_id: CommandId; worker_id?: string; error: ToolErrorInfo };
  "command.cancelled": { command_id: CommandId; reason?: string };
  "step.enter": { command_id: CommandId; loop_index?: number };
  /** Actionable: the step's pipeline succeeded. */
  "call.done": CallOutcome & { status: "ok" | "break" };
  /** Actionable: the step's pipeline failed. */
  "call.error": CallOutcome & { error: ToolErrorInfo };
  "step.exit": { command_id: CommandId; status: "COMPLETED" | "FAILED"; loop_index?: number };
  /** Informative task-level events from the pipeline executor. */
  "task.started": { command_id: CommandId; task: string; attempt: number };
  "task.done": {
    command_id: CommandId;
    task: string;
    attempt: number;
    status: "ok" | "error";
    action: string;
    duration_ms: number;
    error?: ToolErrorInfo;
  };
  /** Captured stdout/stderr of a task (bounded per command). */
  "task.output": { command_id: CommandId; task: string; stream: "stdout" | "stderr"; text: string };
  /** A step was not run: untaken exclusive branch, admission denied, or upstream skipped. */
  "step.skipped": { reason: "untaken" | "admission" | "upstream" | "cancelled"; from?: string };
  /**
   * Routing decision of a finished step: the arcs that fired and the messages (rendered arc
   * `input`) they carry. `unhandled` marks an error no arc or handler took: the execution stops
   * dispatching and fails once in-flight work drains.
   */
  "next.evaluated": {
    event: string;
    fired: string[];
    mode: "exclusive" | "inclusive";
    messages?: JsonObject;
    error?: ToolErrorInfo;
    unhandled?: boolean;
  };
  /** A loop step was entered: its rendered collection (replay never re-renders it). */
  "loop.started": {
    loop_id: string;
    items: Json[];
    total: number;
    /** Iterations in flight at most. */
    limit: number;
    /** The message the step was entered with (shared by every iteration). */
    input: JsonObject;
    entry: JsonObject;
    final?: boolean;
  };
  /** A loop finished: the aggregate is the step's result. */
  "loop.done": {
    loop_id: string;
    status: "completed" | "failed";
    result: Json;
    stats: { total: number; success: number; failed: number };
    /** Set when the orchestrator resolved a by-reference `results` for the engine (never stored). */
    ref?: ResultRef;
  };
  /**
   * Durable writes to ctx: a step or arc `set`, or a patch through the API (`source: api`, which
   * may also remove names; ignored once the execution has finished).
   */
  "ctx.updated": {
    values: JsonObject;
    source: "step" | "arc" | "task" | "api";
    /** Names removed from ctx (after `values` are written). */
    removed?: string[];
    /** API patches: the variables' type and the step they are said to come from (informative). */
    var_type?: string;
    source_step?: string;
  };
  "workflow.completed": { result: Json };
  "workflow.failed": { error: ToolErrorInfo | null; result?: Json };
  "playbook.completed": { result: Json };
  "playbook.failed": { error: ToolErrorInfo | null };
  /** A cancel request (API/CLI); the engine turns it into `execution.cancelled`. */
  "execution.cancel_requested": { reason?: string; cascade?: boolean };
  "execution.cancelled": { reason?: string };
  /**
   * A token injected through the API: step `step` (also the envelope's `step`) is entered with
   * `input` as its message, as if an arc had fired it. Ignored when the execution is not running.
   */
  "token.injected": { step: string; input: JsonObject };
  /**
   * A forced end (API): in-flight commands are cancelled and the execution ends `status` with the
   * terminal events of that status. Ignored when the execution has already finished.
   */
  "execution.finalize_requested": { status: "completed" | "failed"; reason?: string };
}

export type EventType = keyof EventPayloads;

/** What `command.issued` records of a command. */
export type IssuedCommand = Omit<Command, "tasks" | "ctx" | "steps">;

export interface CallOutcome {
  command_id: CommandId;
  worker_id?: string;
  /** The step result (inline when small, else a ResultRef envelope). */
  result: Json;
  /** ctx patches made by task policies (`set: {ctx.k: ...}`), merged by the engine. */
  ctx_patch?: JsonObject;
  loop_id?: string;
  loop_index?: number;
  duration_ms?: number;
  ref?: ResultRef;
}

/** One persisted event. `seq` is assigned by the store (1, 2, 3 … per execution). */
export interface EventEnvelope<K extends EventType = EventType> {
  execution_id: ExecutionId;
  event_id: EventId;
  seq?: number;
  type: K;
  /** Step the event is about, when any. */
  step?: string;
  /** Epoch milliseconds, stamped by the producer (the engine gets time from here, never a clock). */
  at: number;
  payload: EventPayloads[K];
  /** Id of the event that caused this one (e.g. call.done → command.issued). */
  cause?: EventId;
}

/** The union of all events, discriminated by `type`. */
export type NoetlEvent = { [K in EventType]: EventEnvelope<K> }[EventType];

/** Events that drive the engine (the others are informative). */
export const ACTIONABLE_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  "playbook.initialized",
  "call.done",
  "call.error",
  "command.failed",
  "execution.cancel_requested",
  "token.injected",
  "execution.finalize_requested",
]);

/**
 * The events a worker reports about the commands it runs (`POST /api/events`, the worker
 * channel). The others are the engine's, or the control plane's own (cancel, ctx patches, tokens,
 * finalize: their routes check them first); the API refuses them from workers.
 */
export const WORKER_EVENT_TYPES = [
  "command.started",
  "command.heartbeat",
  "command.completed",
  "command.failed",
  "step.enter",
  "step.exit",
  "task.started",
  "task.done",
  "task.output",
  "call.done",
  "call.error",
] as const satisfies readonly EventType[];

/** Terminal lifecycle events. */
export const TERMINAL_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  "playbook.completed",
  "playbook.failed",
  "execution.cancelled",
]);

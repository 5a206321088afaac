/**
 * The in-memory state of one execution. It changes only through `apply(state, event)`, so
 * folding the event log rebuilds exactly the state the engine had when it decided.
 */
import type { Playbook } from "../dsl/index.ts";
import type { CommandId, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type { ExecutionStatus, IssuedCommand, ToolErrorInfo } from "../protocol/index.ts";
import { type Graph, graphOf } from "./graph.ts";

/** Semantics version written into `playbook.initialized` (bump when replay would differ). */
export const ENGINE_VERSION = 1;

export interface InFlight {
  step: string;
  loop_id?: string;
  index?: number;
  claimed: boolean;
  /**
   * The command as its `command.issued` recorded it (shared reference; see `openCommands`); its
   * `input` is what the step's `set` and arcs see as `input`.
   */
  issued: IssuedCommand;
  /** `ctx` when the command was issued (shared reference: ctx is replaced, never changed in place). */
  ctx: JsonObject;
}

export interface LoopState {
  loop_id: string;
  step: string;
  items: Json[];
  /** Next index to dispatch. */
  next: number;
  inFlight: number;
  limit: number;
  done: number;
  success: number;
  failed: number;
  results: Json[];
  /** Approximate JSON bytes of `results`. */
  bytes: number;
  firstError: ToolErrorInfo | null;
  /** The message the step was entered with (kept for every iteration). */
  input: JsonObject;
  entry: EntryContext;
  stopped: boolean;
}

/** What a step was entered with (the message of the arc that fired it). */
export interface EntryContext {
  input: JsonObject;
  from?: string;
  event?: string;
  error?: ToolErrorInfo;
  result?: Json;
}

export interface JoinState {
  arrived: Map<string, EntryContext>;
  resolved: Set<string>;
}

export interface ExecutionState {
  readonly executionId: ExecutionId;
  readonly playbook: Playbook;
  readonly graph: Graph;
  workload: JsonObject;
  ctx: JsonObject;
  status: ExecutionStatus;
  initialized: boolean;
  /** Set when an unhandled error stops routing; the execution fails once in-flight work drains. */
  failing: ToolErrorInfo | null;
  /** Latest result of each step. */
  results: Map<string, Json>;
  /** Stored (by-reference) form of results too large to ship inline; commands carry these. */
  refs: Map<string, Json>;
  /** Approximate JSON bytes of each step result. */
  resultBytes: Map<string, number>;
  /** Times each step was dispatched (loop steps count once per entry). */
  runs: Map<string, number>;
  /** Steps skipped (and never run since). */
  skipped: Set<string>;
  inFlight: Map<CommandId, InFlight>;
  loops: Map<string, LoopState>;
  joins: Map<string, JoinState>;
  /** Entry context of the commands in flight (error/result passed to handlers). */
  finalStepRan: boolean;
  /**
   * The time of the event being decided on (set by `handle`): `now()` in the engine's templates,
   * the same whenever the decision is replayed from the log.
   */
  decidedAt?: number;
  lastCompleted?: string;
  result: Json;
  error: ToolErrorInfo | null;
  /** Steps in the order they were last completed (for status displays). */
  current: Set<string>;
}

export function createState(playbook: Playbook, executionId: ExecutionId): ExecutionState {
  return {
    executionId,
    playbook,
    graph: graphOf(playbook),
    workload: {},
    ctx: {},
    status: "running",
    initialized: false,
    failing: null,
    results: new Map(),
    refs: new Map(),
    resultBytes: new Map(),
    runs: new Map(),
    skipped: new Set(),
    inFlight: new Map(),
    loops: new Map(),
    joins: new Map(),
    finalStepRan: false,
    result: null,
    error: null,
    current: new Set(),
  };
}

export function isTerminal(state: ExecutionState): boolean {
  return state.status !== "running";
}

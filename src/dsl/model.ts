/**
 * The canonical, typed Playbook model: what `dsl` produces after legacy normalisation and
 * validation, and what the engine and the worker consume. Plain JSON-compatible data (it is
 * stored in the catalog and shipped in commands); treat it as immutable.
 *
 * Template-bearing fields keep their source form (`Json`): strings containing `{{ }}` are
 * rendered at run time by `expr`.
 */
import type { Json, JsonObject, SourcePosition } from "../kernel/index.ts";
import type { SetMap, Task } from "../protocol/index.ts";

export type {
  Backoff,
  PolicyAction,
  PolicyRule,
  PolicyThen,
  SetMap,
  Task,
  TaskPolicy,
} from "../protocol/index.ts";

export type RoutingMode = "exclusive" | "inclusive";
export type LoopMode = "sequential" | "parallel";
export type FailureMode = "fail_fast" | "best_effort";

export interface Playbook {
  apiVersion: string;
  kind: "Playbook";
  metadata: PlaybookMetadata;
  keychain: KeychainEntry[];
  executor: ExecutorSpec;
  /** Default inputs; the request payload is shallow-merged over them (workload is immutable). */
  workload: JsonObject;
  workflow: Step[];
  workbook: WorkbookEntry[];
  /** The file the playbook was read from, when known (for error messages). */
  source?: string;
}

export interface PlaybookMetadata {
  name: string;
  path?: string;
  version?: string;
  description?: string;
  tags?: string[];
  [key: string]: Json | undefined;
}

export interface ExecutorSpec {
  profile?: string;
  /** Entry step: `executor.spec.entry_step`, else the first step of `workflow`. Always set after parsing. */
  entry_step: string;
  /** Runs once after quiescence. */
  final_step?: string;
  /** Playbook-wide error handler step (receives unhandled `call.error`s). */
  on_error?: string;
  /** A step that has no `next` and is not `end` ends the execution as failed. */
  no_next_is_error: boolean;
  /** Default loop failure mode. */
  failure_mode: FailureMode;
  /** Executor-level extra settings, kept as written. */
  spec: JsonObject;
}

export interface KeychainEntry {
  name: string;
  kind: string;
  [key: string]: Json | undefined;
}

export interface WorkbookEntry {
  name: string;
  tool: Task;
}

export interface Step {
  step: string;
  desc?: string;
  /** Bindings rendered at dispatch into the step's `input` (arc `input` is merged over them). */
  input: JsonObject;
  /** The task pipeline. A step without `tool` has one `noop` task. Never empty. */
  tasks: Task[];
  /** True when `tool` was written as a list (labels matter for `jump`, `results`). */
  pipeline: boolean;
  /**
   * The design notes' `run: [{task}]`: the step's arcs see each task's outcome by its name,
   * `{status: success|error, data, error}` (`{{ fetch_weather.status == 'success' }}`).
   */
  outcomesByTask?: boolean;
  loop?: Loop;
  /** Step `set`: applied after success, before arcs (for loops: once after `loop.done`). */
  set: SetMap;
  /** Routing; undefined when the step has no `next` (implicit routing to `end`, DECISIONS 10). */
  next?: Next;
  /** Admission rules (`spec.policy.admit.rules`, legacy step `when:`); empty = always admitted. */
  admit: AdmitRule[];
  failure_mode: FailureMode;
  /** The step's `spec` as written (timeout, policy, extra keys). */
  spec: JsonObject;
  pos?: SourcePosition;
}

export interface Loop {
  /** Template (or literal list) that must render to a list; null renders to []. */
  in: Json;
  iterator: string;
  mode: LoopMode;
  /** Number or template; undefined = bounded only by the runtime's cap. */
  max_in_flight?: Json;
  /**
   * Legacy `loop.filter`: a condition rendered per item (the iterator bound to it) when the loop
   * starts; items for which it is falsy are left out.
   */
  filter?: Json;
  pos?: SourcePosition;
}

export interface Next {
  mode: RoutingMode;
  on_no_match: "complete" | "quiet";
  arcs: Arc[];
}

export interface Arc {
  step: string;
  /** Template or boolean; undefined = always true. */
  when?: Json;
  set: SetMap;
  /** A message bound into the target step's `input` (never into shared state). */
  input: JsonObject;
  pos?: SourcePosition;
}

export interface AdmitRule {
  /** undefined = `else`. */
  when?: Json;
  allow: boolean;
  /**
   * A denial that skips this step only (the legacy step `when:`, as the Rust runtime runs it):
   * its arcs are followed as if it had run and produced nothing, instead of skipping what
   * follows it.
   */
  passThrough?: boolean;
}

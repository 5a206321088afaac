/**
 * A task of a step's pipeline as shipped in commands (the canonical form produced by `dsl`).
 */
import type { Json, JsonObject, SourcePosition } from "../kernel/index.ts";

export type PolicyAction = "continue" | "retry" | "jump" | "break" | "fail";
export type Backoff = "none" | "linear" | "exponential";

/** Scoped keys (`ctx.k`, `iter.k`, `step.k`, bare `k` = `ctx.k`) to values/templates. */
export type SetMap = Record<string, Json>;

export interface Task {
  /** Label: `name`, or `task_<i>` for unnamed list items, or the step name for a single tool. */
  name: string;
  kind: string;
  /** Every other field of the task as written (rendered by the worker before the tool runs). */
  config: JsonObject;
  policy: TaskPolicy;
  /** Result storage options (`tool.output`): inline limit, store, select... */
  output?: JsonObject;
  /** The task's `spec` as written (timeout etc.). */
  spec: JsonObject;
  pos?: SourcePosition;
}

export interface TaskPolicy {
  rules: PolicyRule[];
  on_unmatched?: "continue" | "fail";
}

export interface PolicyRule {
  /** undefined with `else: true` = the else rule. */
  when?: Json;
  else: boolean;
  then: PolicyThen;
}

export interface PolicyThen {
  do: PolicyAction;
  /** Total runs including the first (default 3). */
  attempts?: number;
  backoff?: Backoff;
  /** Seconds. */
  delay?: number;
  max_delay?: number;
  /** true = full jitter; a number = fraction of the delay. */
  jitter?: boolean | number;
  /** Jump target: a label of the same step, or `previous`. */
  to?: string;
  set?: SetMap;
}

/**
 * The template scope the engine renders with (arcs, `set`, step `input`, `loop.in`, admission):
 * DECISIONS 29. Special names first, then step results by name, then `ctx`, then `workload`.
 * Built lazily over the live state: nothing is copied.
 */
import { PyDateTime, type Scope, stepResultView } from "../expr/index.ts";
import type { Json, JsonObject } from "../kernel/index.ts";
import type { IterScope, ToolErrorInfo } from "../protocol/index.ts";
import type { ExecutionState } from "./state.ts";

export interface ScopeExtras {
  input?: JsonObject;
  output?: JsonObject;
  result?: Json;
  event?: { name: string; step?: string };
  error?: ToolErrorInfo;
  iter?: IterScope;
  /** Step-local values (`step.k` written by the step's `set`), seen as `step` by its arcs. */
  step?: JsonObject;
  /** Task outcomes by task name (the design notes' `run:`), looked up after everything else. */
  outcomes?: Record<string, unknown>;
}

export function iterObject(iter: IterScope): Record<string, unknown> {
  return {
    [iter.iterator]: iter.item,
    item: iter.item,
    index: iter.index,
    _index: iter.index,
    first: iter.first,
    last: iter.last,
    total: iter.total,
    // the Rust runtime's names (reference §10 #18)
    _first: iter.first,
    _last: iter.last,
    _total: iter.total,
    ...(iter.parent ? { parent: iterObject(iter.parent) } : {}),
  };
}

export function engineScope(state: ExecutionState, extras: ScopeExtras): Scope {
  return scopeOver(state, specialNames(state, extras), extras.outcomes ?? {});
}

/**
 * The scope of the execution as it stands, outside any step (no `input`, `result`, `event`…),
 * and the names it has: what a template rendered against the execution now sees.
 */
export function executionScope(state: ExecutionState): { scope: Scope; names: string[] } {
  const special = specialNames(state, {});
  const names = new Set([
    ...Object.keys(special),
    ...state.results.keys(),
    ...Object.keys(state.ctx),
    ...Object.keys(state.workload),
  ]);
  return { scope: scopeOver(state, special, {}), names: [...names].sort() };
}

function specialNames(state: ExecutionState, extras: ScopeExtras): Record<string, unknown> {
  const special: Record<string, unknown> = {
    workload: state.workload,
    ctx: state.ctx,
    execution_id: state.executionId,
    input: extras.input ?? {},
  };
  if (extras.output !== undefined) special.output = extras.output;
  if (extras.result !== undefined) special.result = extras.result;
  if (extras.event !== undefined) special.event = extras.event;
  if (extras.error !== undefined) special.error = extras.error;
  if (extras.step !== undefined) special.step = extras.step;
  const at = state.decidedAt;
  if (at !== undefined) special.now = () => new PyDateTime(at);
  if (extras.iter) {
    special.iter = iterObject(extras.iter);
    special[extras.iter.iterator] = extras.iter.item;
    special.loop_index = extras.iter.index;
  }
  return special;
}

function scopeOver(
  state: ExecutionState,
  special: Record<string, unknown>,
  outcomes: Record<string, unknown>,
): Scope {
  const results = state.results;
  const ctx = state.ctx;
  const workload = state.workload;
  return {
    get(name) {
      if (Object.hasOwn(special, name)) return special[name];
      if (results.has(name)) return stepResultView(results.get(name));
      if (Object.hasOwn(ctx, name)) return ctx[name];
      if (Object.hasOwn(workload, name)) return workload[name];
      if (Object.hasOwn(outcomes, name)) return outcomes[name];
      return undefined;
    },
    has(name) {
      return (
        Object.hasOwn(special, name) ||
        results.has(name) ||
        Object.hasOwn(ctx, name) ||
        Object.hasOwn(workload, name) ||
        Object.hasOwn(outcomes, name)
      );
    },
  };
}

/**
 * The render scope of a task (DECISIONS 26, 29): specials (`workload`, `ctx`, `input`,
 * `output`, `iter`, `event`, `error`, `result`, `keychain`, pipeline names), then iteration
 * aliases, pipeline task results, step results, `ctx`, `workload`. Read lazily over the live
 * pipeline state; nothing is copied per render.
 */

import { iterObject } from "../engine/index.ts";
import { PyDateTime, type Scope, stepResultView } from "../expr/index.ts";
import type { Json, JsonObject } from "../kernel/index.ts";
import type { Command } from "../protocol/index.ts";

export interface PipelineState {
  ctx: JsonObject;
  /** Latest successful result of each task, by label. */
  results: Record<string, Json>;
  prev: Json | undefined;
  task: string;
  attempt: number;
  output: JsonObject | undefined;
  /** `iter.k` writes of policies (this iteration). */
  iterVars: JsonObject;
  /** `step.k` writes of policies (this step run). */
  stepVars: JsonObject;
}

export function taskScope(
  command: Command,
  workload: JsonObject,
  steps: JsonObject,
  keychain: JsonObject | undefined,
  p: PipelineState,
  /** The worker's clock, for `now()`. */
  clock?: () => number,
): Scope {
  const iter = command.iter;
  const special = (name: string): unknown => {
    switch (name) {
      case "workload":
        return workload;
      case "ctx":
        return p.ctx;
      case "input":
        return command.input;
      case "output":
        return p.output;
      case "iter":
        return iter
          ? { ...iterObject(iter), ...p.iterVars }
          : Object.keys(p.iterVars).length > 0
            ? p.iterVars
            : undefined;
      case "step":
        return p.stepVars;
      case "event":
        return command.event;
      case "error":
        return command.error;
      case "result":
        return command.result;
      case "execution_id":
        return command.execution_id;
      case "keychain":
        return keychain;
      case "results":
        return p.results;
      case "_prev":
        return p.prev;
      case "_task":
        return p.task;
      case "_attempt":
        return p.attempt;
      case "loop_index":
        return iter?.index;
      case "now":
        return clock ? () => new PyDateTime(clock()) : undefined;
      default:
        return undefined;
    }
  };
  const lookup = (name: string): unknown => {
    const s = special(name);
    if (s !== undefined) return s;
    if (iter && name === iter.iterator) return iter.item;
    if (Object.hasOwn(p.results, name)) return p.results[name];
    if (Object.hasOwn(steps, name)) return stepResultView(steps[name]);
    if (Object.hasOwn(p.ctx, name)) return p.ctx[name];
    if (Object.hasOwn(workload, name)) return workload[name];
    return undefined;
  };
  return { get: lookup, has: (name) => lookup(name) !== undefined };
}

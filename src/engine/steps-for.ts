/**
 * Which step results a command carries (DECISIONS 21): all of them while they are small; past
 * the inline limit only those the step's templates name, so a command's size does not grow
 * with the execution.
 */
import type { Step } from "../dsl/index.ts";
import { referencedNames } from "../expr/index.ts";
import type { JsonObject } from "../kernel/index.ts";
import { pipelineNames } from "./pipeline-names.ts";
import type { ExecutionState } from "./state.ts";

const namesByStep = new WeakMap<Step, Set<string>>();

function namesOf(step: Step): Set<string> {
  let names = namesByStep.get(step);
  if (!names) {
    names = referencedNames(step.input, new Set(pipelineNames(step.tasks)));
    namesByStep.set(step, names);
  }
  return names;
}

export function stepsFor(state: ExecutionState, step: Step, inlineLimit: number): JsonObject {
  const out: JsonObject = {};
  let total = 0;
  for (const bytes of state.resultBytes.values()) total += bytes;
  if (total <= inlineLimit) {
    for (const [name, value] of state.results) out[name] = state.refs.get(name) ?? value;
    return out;
  }
  for (const name of namesOf(step)) {
    const value = state.refs.get(name) ?? state.results.get(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

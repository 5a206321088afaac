/**
 * What the loop, skip, routing and quiescence logic needs of the decider (kept apart so those
 * files and the decider do not import each other).
 */
import type { Step } from "../dsl/index.ts";
import type { Json, JsonObject } from "../kernel/index.ts";
import type { Command, EventPayloads, EventType, ToolErrorInfo } from "../protocol/index.ts";
import type { EngineOptions } from "./engine-options.ts";
import type { EntryContext, ExecutionState } from "./state.ts";

export interface DecisionContext {
  readonly state: ExecutionState;
  readonly options: EngineOptions;
  emit<K extends EventType>(type: K, step: string | undefined, payload: EventPayloads[K]): void;
  dispatch(
    step: Step,
    input: JsonObject,
    entry: EntryContext,
    iter: Command["iter"],
    final: boolean,
    loop?: Command["loop"],
  ): void;
  /** Enters a step (admission, input, dispatch); `final` for `executor.spec.final_step`. */
  enter(name: string, entry: EntryContext, final?: boolean): void;
  completeStep(name: string, eventName: string, result: Json, input: JsonObject): void;
  failStep(name: string, error: ToolErrorInfo, result: Json, entry: Partial<EntryContext>): void;
}

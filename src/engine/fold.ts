import type { Playbook } from "../dsl/index.ts";
import type { ExecutionId } from "../kernel/index.ts";
import type { NoetlEvent } from "../protocol/index.ts";
import { apply } from "./apply.ts";
import { createState, type ExecutionState } from "./state.ts";

/** Rebuilds an execution's state from its event log. */
export function fold(
  playbook: Playbook,
  executionId: ExecutionId,
  events: Iterable<NoetlEvent>,
): ExecutionState {
  const state = createState(playbook, executionId);
  for (const e of events) apply(state, e);
  return state;
}

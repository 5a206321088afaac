/**
 * A loop's result (DECISIONS 20): `{results, stats}`. When `results` would exceed the inline
 * limit the stored form carries a reference the store resolves from the log's `call.done`
 * events (`noetl://execution/<id>/loop/<step>/<loop_id>`), so nothing is written twice.
 */
import type { JsonObject } from "../kernel/index.ts";
import type { ResultRef } from "../protocol/index.ts";
import type { ExecutionState, LoopState } from "./state.ts";

export function loopRef(executionId: string, step: string, loopId: string): string {
  return `noetl://execution/${executionId}/loop/${step}/${loopId}`;
}

export function loopAggregate(
  state: ExecutionState,
  loop: LoopState,
  inlineLimit: number,
): { full: JsonObject; stored: JsonObject } {
  const stats = { total: loop.items.length, success: loop.success, failed: loop.failed };
  const full: JsonObject = { results: loop.results, stats };
  if (loop.bytes <= inlineLimit) return { full, stored: full };
  const ref: ResultRef = {
    kind: "result_ref",
    ref: loopRef(state.executionId, loop.step, loop.loop_id),
    store: "events",
    bytes: loop.bytes,
    preview: { length: loop.results.length },
  };
  return { full, stored: { results: ref as unknown as JsonObject, stats } };
}

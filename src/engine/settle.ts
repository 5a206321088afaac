/**
 * Completion by quiescence (DECISIONS 14, 15): with nothing in flight, a failing execution fails;
 * otherwise a loop with nothing in flight finishes, pending joins are entered (in workflow order),
 * `executor.spec.final_step` runs once (unless routing ran it already), and then the execution completes with the result of the
 * last step that completed.
 */
import type { ToolErrorInfo } from "../protocol/index.ts";
import type { DecisionContext } from "./decision-context.ts";
import { mergeArrivals } from "./entry-context.ts";
import { continueLoop } from "./loop-step.ts";

export function settle(d: DecisionContext): void {
  const s = d.state;
  for (let guard = 0; guard < 10_000 && s.status === "running" && s.initialized; guard++) {
    if (s.inFlight.size > 0) return;
    if (s.failing) return endFailed(d, s.failing);
    if (s.loops.size > 0) {
      // a loop with nothing in flight (e.g. every iteration failed to render) finishes now
      const [name] = s.loops.keys();
      continueLoop(d, name as string);
      continue;
    }
    const pending = [...s.joins.entries()]
      .filter(([, js]) => js.arrived.size > 0)
      .sort(([a], [b]) => (s.graph.order.get(a) ?? 0) - (s.graph.order.get(b) ?? 0));
    if (pending.length > 0) {
      const [name] = pending[0] as [string, unknown];
      d.enter(name, mergeArrivals(s, name));
      if (s.inFlight.size === 0 && s.joins.has(name)) s.joins.delete(name); // entered nothing (skipped/failed)
      continue;
    }
    const final = s.playbook.executor.final_step;
    // once: a final step that routing reached already (an arc to it) is not run again
    if (final && !s.finalStepRan && (s.runs.get(final) ?? 0) === 0) {
      d.enter(final, { input: {} }, true);
      if (!s.finalStepRan) s.finalStepRan = true; // could not enter (admission/failure)
      continue;
    }
    return endCompleted(d);
  }
}

/** The execution completes with the result of the last step that completed. */
export function endCompleted(d: DecisionContext): void {
  const s = d.state;
  const result = s.lastCompleted !== undefined ? (s.results.get(s.lastCompleted) ?? null) : null;
  d.emit("workflow.completed", undefined, { result });
  d.emit("playbook.completed", undefined, { result });
}

/** The execution fails with `error`. */
export function endFailed(d: DecisionContext, error: ToolErrorInfo): void {
  d.emit("workflow.failed", undefined, { error });
  d.emit("playbook.failed", undefined, { error });
}

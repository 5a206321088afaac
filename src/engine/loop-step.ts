/**
 * Loop steps (DECISIONS 17–21): dispatch iterations up to the limit (one at a time when
 * sequential), then finish with `loop.done`, the step's `set` and routing on the aggregate.
 */
import { renderValue } from "../expr/index.ts";
import type { Json, JsonObject } from "../kernel/index.ts";
import type { DecisionContext } from "./decision-context.ts";
import { eventExtras, schemaError } from "./entry-context.ts";
import { loopAggregate } from "./loop-aggregate.ts";
import { engineScope } from "./render-scope.ts";

export function continueLoop(d: DecisionContext, name: string): void {
  const s = d.state;
  const loop = s.loops.get(name);
  const step = s.graph.steps.get(name);
  if (!loop || !step?.loop) return;
  const failFast = step.failure_mode === "fail_fast";
  const stopped = (failFast && loop.failed > 0) || s.failing !== null || s.status !== "running";
  if (!stopped) {
    const total = loop.items.length;
    while (loop.inFlight < loop.limit && loop.next < total) {
      const index = loop.next;
      const item = loop.items[index] as Json;
      const iter = {
        iterator: step.loop.iterator,
        item,
        index,
        total,
        first: index === 0,
        last: index === total - 1,
      };
      let input = loop.input;
      if (Object.keys(step.input).length > 0) {
        try {
          const scope = engineScope(s, { input: loop.entry.input, iter, ...eventExtras(loop.entry) });
          input = { ...(renderValue(step.input, scope) as JsonObject), ...loop.input };
        } catch (error) {
          // a bad per-iteration input fails this iteration like a task error would
          loop.next = index + 1;
          loop.done += 1;
          loop.failed += 1;
          loop.firstError ??= schemaError(error, `input of step '${name}' (iteration ${index})`, step.pos);
          if (failFast) break;
          continue;
        }
      }
      d.dispatch(step, input, loop.entry, iter, false, { loop_id: loop.loop_id, index });
    }
  }
  const finished = loop.inFlight === 0 && (loop.next >= loop.items.length || stopped);
  if (!finished) return;
  const failed = failFast && loop.failed > 0;
  const aggregate = loopAggregate(s, loop, d.options.inlineResultLimit);
  const stats = { total: loop.items.length, success: loop.success, failed: loop.failed };
  const firstError = loop.firstError;
  const entry = loop.entry;
  d.emit("loop.done", name, {
    loop_id: loop.loop_id,
    status: failed ? "failed" : "completed",
    result: aggregate.stored,
    stats,
  });
  // templates see the full aggregate; commands carry the stored form (maybe a reference)
  s.results.set(name, aggregate.full);
  if (aggregate.stored !== aggregate.full) s.refs.set(name, aggregate.stored);
  if (failed) {
    const error = firstError ?? {
      kind: "tool_error",
      retryable: false,
      code: "NOETL_E_LOOP_FAILED",
      message: `loop of step '${name}' failed`,
    };
    return d.failStep(name, error, aggregate.full, entry);
  }
  d.completeStep(name, "loop.done", aggregate.full, entry.input);
}

/**
 * Loop references (DECISIONS 38): `noetl://execution/<eid>/loop/<step>/<loop_id>` names the
 * `results` list of a loop too large to inline in `loop.done`. Stores resolve it from the log
 * (the iterations' `call.done`/`call.error` events), so loop results are never written twice.
 */
import type { ExecutionId, Json } from "../kernel/index.ts";
import type { EventType, NoetlEvent } from "../protocol/index.ts";

/** The parts of a loop reference. */
export interface LoopRef {
  executionId: ExecutionId;
  step: string;
  loopId: string;
}

/** The event types a loop reference is rebuilt from. */
export const LOOP_REF_EVENT_TYPES: readonly EventType[] = ["loop.started", "call.done", "call.error"];

const LOOP_REF = /^noetl:\/\/execution\/([^/]+)\/loop\/([^/]+)\/([^/]+)$/;

/** Parse a loop reference; undefined for any other string (e.g. a stored-result reference). */
export function parseLoopRef(ref: string): LoopRef | undefined {
  const m = LOOP_REF.exec(ref);
  if (!m) return undefined;
  return {
    executionId: decodeURIComponent(m[1] as string) as ExecutionId,
    step: decodeURIComponent(m[2] as string),
    loopId: decodeURIComponent(m[3] as string),
  };
}

/**
 * The loop's `results` list, as the engine builds it: slot `i` holds the `result` of iteration
 * `i`'s first outcome (`call.done` or `call.error`; later outcomes of the same index are stale
 * re-deliveries), `null` when it has none. Its length is the loop's `total` (from `loop.started`).
 * `events` are one execution's events in seq order; others are ignored.
 */
export function loopResults(events: readonly NoetlEvent[], ref: LoopRef): Json[] {
  const results: Json[] = [];
  const filled = new Set<number>();
  let total = 0;
  for (const e of events) {
    if (e.step !== ref.step) continue;
    if (e.type === "loop.started") {
      if (e.payload.loop_id === ref.loopId) total = e.payload.total;
      continue;
    }
    if (e.type !== "call.done" && e.type !== "call.error") continue;
    const index = e.payload.loop_index;
    if (e.payload.loop_id !== ref.loopId || index === undefined || filled.has(index)) continue;
    filled.add(index);
    while (results.length < index) results.push(null);
    results[index] = e.payload.result ?? null;
  }
  while (results.length < total) results.push(null);
  return results;
}

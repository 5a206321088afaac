import type { Json, JsonObject } from "../kernel/index.ts";
import type { NoetlEvent, ResultRef } from "../protocol/index.ts";
import { isResultRef } from "../protocol/index.ts";

export type ResolveRef = (ref: string) => Promise<Json | undefined>;

/**
 * The engine is pure and cannot read result references: before an event reaches it, results
 * stored by reference are resolved. The persisted event keeps the reference; the engine sees
 * `{result: <value>, ref: <ResultRef>}`.
 */
export async function hydrate(event: NoetlEvent, resolve: ResolveRef): Promise<NoetlEvent> {
  if (event.type === "call.done" || event.type === "call.error") {
    const result = event.payload.result;
    if (isResultRef(result)) {
      const value = await resolve(result.ref);
      return { ...event, payload: { ...event.payload, result: value ?? null, ref: result } } as NoetlEvent;
    }
    return event;
  }
  if (event.type === "loop.done") {
    const agg = event.payload.result as JsonObject | null;
    const results = agg && typeof agg === "object" && !Array.isArray(agg) ? agg.results : undefined;
    if (isResultRef(results)) {
      const value = await resolve((results as ResultRef).ref);
      return {
        ...event,
        payload: {
          ...event.payload,
          result: { ...(agg as JsonObject), results: value ?? [] },
          ref: results as ResultRef,
        },
      } as NoetlEvent;
    }
  }
  return event;
}

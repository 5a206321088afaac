import type { NoetlEvent } from "../../protocol/index.ts";

/** `events` without the repeats of an (execution_id, event_id) seen earlier in the list. */
export function firstOccurrences(events: readonly NoetlEvent[]): readonly NoetlEvent[] {
  const seen = new Set<string>();
  let out: NoetlEvent[] | undefined;
  for (const [i, e] of events.entries()) {
    const key = `${e.execution_id}\u0000${e.event_id}`;
    if (!seen.has(key)) {
      seen.add(key);
      out?.push(e);
    } else {
      out ??= events.slice(0, i);
    }
  }
  return out ?? events;
}

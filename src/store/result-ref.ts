/**
 * Result references (DECISIONS 38). Stored results: `noetl://execution/<eid>/result/<name>/<id>`.
 * Loop aggregates: `noetl://execution/<eid>/loop/<step>/<loop_id>`, resolved from the
 * iterations' `call.done`/`call.error` events, so large loop results are never written twice.
 */
import type { ExecutionId, Json } from "../kernel/index.ts";
import type { NoetlEvent, ResultRef } from "../protocol/index.ts";

export function resultRef(
  executionId: string,
  name: string,
  id: string,
  store: string,
  text: string,
  sha256: string,
  preview: Json,
): ResultRef {
  return {
    kind: "result_ref",
    ref: `noetl://execution/${executionId}/result/${encodeURIComponent(name)}/${id}`,
    store,
    bytes: Buffer.byteLength(text),
    sha256,
    preview,
  };
}

export function previewOf(data: Json): Json {
  if (Array.isArray(data)) return { type: "list", length: data.length };
  if (typeof data === "string") return data.slice(0, 200);
  if (data && typeof data === "object") return { type: "map", keys: Object.keys(data).slice(0, 20) };
  return data;
}

export interface LoopRef {
  executionId: ExecutionId;
  step: string;
  loopId: string;
}

export function parseLoopRef(ref: string): LoopRef | undefined {
  const m = /^noetl:\/\/execution\/([^/]+)\/loop\/([^/]+)\/([^/]+)$/.exec(ref);
  if (!m) return undefined;
  return {
    executionId: m[1] as ExecutionId,
    step: decodeURIComponent(m[2] as string),
    loopId: m[3] as string,
  };
}

/** The `results` list of a loop, in index order, from its iteration events. */
export function loopResult(events: readonly NoetlEvent[], ref: LoopRef): Json[] {
  const results: Json[] = [];
  for (const e of events) {
    if (e.type !== "call.done" && e.type !== "call.error") continue;
    if (e.payload.loop_id !== ref.loopId || e.payload.loop_index === undefined) continue;
    while (results.length < e.payload.loop_index) results.push(null);
    results[e.payload.loop_index] = e.payload.result ?? null;
  }
  return results;
}

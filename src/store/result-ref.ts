/**
 * Stored results (DECISIONS 38): `noetl://execution/<eid>/result/<name>/<id>`. The id is derived
 * from the content hash, so putting the same data under the same name twice (a retried worker)
 * yields the same reference and stores nothing new.
 */
import { createHash } from "node:crypto";
import type { Json } from "../kernel/index.ts";
import type { ResultRef } from "../protocol/index.ts";

/** A result ready to store: its reference envelope and its JSON text. */
export interface PreparedResult {
  ref: ResultRef;
  text: string;
}

/** Serialise `data` and build its reference envelope (bytes, sha256, preview). */
export function prepareResult(store: string, executionId: string, name: string, data: Json): PreparedResult {
  const text = JSON.stringify(data);
  const sha256 = createHash("sha256").update(text).digest("hex");
  const ref: ResultRef = {
    kind: "result_ref",
    ref: `noetl://execution/${executionId}/result/${encodeURIComponent(name)}/${sha256.slice(0, 32)}`,
    store,
    bytes: Buffer.byteLength(text),
    sha256,
    preview: previewOf(data),
  };
  return { ref, text };
}

/** A small preview of a stored value: list length, map keys, the first 200 characters of a string. */
export function previewOf(data: Json): Json {
  if (Array.isArray(data)) return { type: "list", length: data.length };
  if (typeof data === "string") return data.length > 200 ? data.slice(0, 200) : data;
  if (data !== null && typeof data === "object") {
    const keys = Object.keys(data);
    return { type: "map", size: keys.length, keys: keys.slice(0, 20) };
  }
  return data;
}

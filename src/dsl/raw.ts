/** Small readers over untyped YAML values. */
import type { Json, JsonObject } from "../kernel/index.ts";

export type Raw = Record<string, unknown>;

export function isObj(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asJson(v: unknown): Json {
  return (v === undefined ? null : v) as Json;
}

export function asJsonObject(v: unknown): JsonObject {
  return (isObj(v) ? v : {}) as JsonObject;
}

export function without(obj: Raw, keys: readonly string[]): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}

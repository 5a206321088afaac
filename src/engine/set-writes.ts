/**
 * `set` writes (DECISIONS 25): `ctx.k` and bare `k` write the execution's ctx; dotted keys after
 * the scope write nested paths. Values are rendered against one scope, then merged in order.
 * Returns the changed top-level ctx keys with their new values (the `ctx.updated` payload).
 */
import { renderValue, type Scope } from "../expr/index.ts";
import type { Json, JsonObject } from "../kernel/index.ts";

export function applySet(
  ctx: JsonObject,
  set: Record<string, Json>,
  scope: Scope,
  /** Collects `step.k` writes (a step's `set`: step-local values its arcs see). */
  stepVars?: JsonObject,
): JsonObject {
  const values: JsonObject = {};
  for (const [key, raw] of Object.entries(set)) {
    const value = (renderValue(raw, scope) ?? null) as Json;
    const path = ctxPath(key);
    if (!path) {
      // `iter.` writes exist only inside a pipeline (the worker applies them)
      const local = stepVars && key.startsWith("step.") ? key.split(".").slice(1) : [];
      if (stepVars && local.length > 0 && local[0] !== "") {
        const [head, ...rest] = local as [string, ...string[]];
        stepVars[head] = rest.length === 0 ? value : writePath(stepVars[head], rest, value);
      }
      continue;
    }
    const [head, ...rest] = path as [string, ...string[]];
    const base = Object.hasOwn(values, head) ? values[head] : ctx[head];
    values[head] = rest.length === 0 ? value : writePath(base, rest, value);
  }
  return values;
}

/** `ctx.a.b` / `a.b` → ["a", "b"]; `iter.x`, `step.x` → undefined. */
export function ctxPath(key: string): string[] | undefined {
  const parts = key.split(".");
  if (parts[0] === "ctx") parts.shift();
  else if (parts[0] === "iter" || parts[0] === "step") return undefined;
  return parts.length > 0 && parts[0] !== "" ? parts : undefined;
}

/** Copy-on-write nested assignment. */
export function writePath(base: Json | undefined, path: readonly string[], value: Json): Json {
  const [head, ...rest] = path as [string, ...string[]];
  const obj: JsonObject = base && typeof base === "object" && !Array.isArray(base) ? { ...base } : {};
  obj[head] = rest.length === 0 ? value : writePath(obj[head], rest, value);
  return obj;
}

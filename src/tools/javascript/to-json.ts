import type { Json, JsonObject } from "../../kernel/index.ts";

/**
 * Validates a structured-cloned value as JSON, with JSON.stringify's conventions: `undefined`
 * becomes null (top level, arrays) or is dropped (object members), non-finite numbers become
 * null, a Date becomes its ISO string. Anything else (bigint, Map, Set, typed arrays, Error,
 * cycles) throws a TypeError naming the path.
 */
export function toJson(value: unknown): Json {
  return convert(value, "result", new Set());
}

function convert(value: unknown, path: string, ancestors: Set<object>): Json {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "undefined":
      return null;
    case "object":
      break;
    default:
      throw new TypeError(`${path} is a ${typeof value}, not JSON`);
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ancestors.has(value)) throw new TypeError(`${path} is a circular reference, not JSON`);
  if (Array.isArray(value)) {
    ancestors.add(value);
    const out: Json[] = value.map((item, i) => convert(item, `${path}[${i}]`, ancestors));
    ancestors.delete(value);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    throw new TypeError(`${path} is a ${typeof name === "string" ? name : "non-plain object"}, not JSON`);
  }
  ancestors.add(value);
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    out[key] = convert(item, `${path}.${key}`, ancestors);
  }
  ancestors.delete(value);
  return out;
}

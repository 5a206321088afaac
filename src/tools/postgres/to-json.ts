import type { Json, JsonObject } from "../../kernel/index.ts";

/**
 * A driver value as JSON: bigint → number when it is a safe integer, else its decimal string;
 * non-finite numbers → strings; Date → ISO string (invalid → null); bytes → base64; arrays and
 * plain objects recursively; anything else → its string form.
 */
export function toJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case "object": {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
      if (Array.isArray(value)) return value.map(toJson);
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "function") out[k] = toJson(v);
      }
      return out;
    }
    default:
      return String(value);
  }
}

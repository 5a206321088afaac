import type { Json, JsonObject } from "../../kernel/index.ts";
import { ToolError } from "../tool.ts";

/** A `schema` failure of a task's config (`NOETL_E_NATS_CONFIG`). */
export function configError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_NATS_CONFIG", message });
}

/** The string (or number, as text) in `field`; else a config error. */
export function required(config: JsonObject, field: string): string {
  const value = config[field];
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  throw configError(`kind: nats: this operation needs \`${field}\``);
}

/** A string is sent as is; any other value JSON-encoded. */
export function payloadOf(value: Json): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parsed JSON when the stored text is JSON, else the text. */
export function decode(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** How a task's bytes are written and read: `text` (UTF-8; JSON decoded) or `base64`. */
export type Encoding = "text" | "base64";

export function encodingOf(config: JsonObject): Encoding {
  const raw = config.encoding ?? "text";
  if (raw === "text" || raw === "utf8" || raw === "utf-8") return "text";
  if (raw === "base64") return "base64";
  throw configError(`kind: nats: \`encoding\` must be text or base64 (got ${JSON.stringify(raw)})`);
}

/** The bytes of a value to store: base64 text decoded, else {@link payloadOf} as UTF-8. */
export function bytesOf(value: Json, encoding: Encoding): Uint8Array {
  if (encoding === "base64") {
    if (typeof value !== "string")
      throw configError("kind: nats: with `encoding: base64` the data must be a string");
    return new Uint8Array(Buffer.from(value, "base64"));
  }
  return new TextEncoder().encode(payloadOf(value));
}

/** Stored bytes as a result: base64 text, or UTF-8 text {@link decode}d. */
export function storedValue(bytes: Uint8Array, encoding: Encoding): Json {
  if (encoding === "base64") return Buffer.from(bytes).toString("base64");
  return decode(new TextDecoder().decode(bytes));
}

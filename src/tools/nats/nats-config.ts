/** Reading a `kind: nats` task's config: required fields, the payload encoding; config errors. */
import type { JsonObject } from "../../kernel/index.ts";
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

/** How a task's bytes are written and read: `text` (UTF-8; JSON decoded) or `base64`. */
export type Encoding = "text" | "base64";

export function encodingOf(config: JsonObject): Encoding {
  const raw = config.encoding ?? "text";
  if (raw === "text" || raw === "utf8" || raw === "utf-8") return "text";
  if (raw === "base64") return "base64";
  throw configError(`kind: nats: \`encoding\` must be text or base64 (got ${JSON.stringify(raw)})`);
}

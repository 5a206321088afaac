/** How `kind: nats` turns a task's values into stored bytes and stored bytes into results. */
import type { Json } from "../../kernel/index.ts";
import { configError, type Encoding } from "./nats-config.ts";

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

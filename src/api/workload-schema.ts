/**
 * A form schema for a playbook's inputs (NoETL's `ui_schema`): a JSON Schema object with one
 * property per `workload` key, typed by its default value (`string`, `integer`, `number`,
 * `boolean`, `array`, `object`, `null`) and carrying it as `default`; nested objects become
 * nested `properties`. A key that looks secret (password, token, secret, api_key…) and everything
 * under it gets no `default` (its value never leaves the server), strings there `format: password`.
 */
import type { Json, JsonObject } from "../kernel/index.ts";

const SECRET_KEY = /passw(?:or)?d|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credential/i;

export function workloadSchema(workload: JsonObject): JsonObject {
  return propertiesOf(workload, false);
}

function propertiesOf(value: JsonObject, secret: boolean): JsonObject {
  const properties: JsonObject = {};
  for (const [key, v] of Object.entries(value)) properties[key] = schemaOf(v, secret || SECRET_KEY.test(key));
  return { type: "object", properties };
}

function schemaOf(value: Json, secret: boolean): JsonObject {
  const type = typeOf(value);
  if (type === "object") return propertiesOf(value as JsonObject, secret);
  const schema: JsonObject = { type };
  if (type === "array") {
    const types = new Set((value as Json[]).map(typeOf));
    const [only] = types;
    if (types.size === 1 && only !== undefined) schema.items = { type: only };
  }
  if (secret) {
    if (type === "string") schema.format = "password";
  } else {
    schema.default = value;
  }
  return schema;
}

function typeOf(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value; // string, boolean, object
}

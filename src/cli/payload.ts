import { readFileSync } from "node:fs";
import type { JsonObject } from "../kernel/index.ts";
import { invalidArgument } from "./invalid-argument.ts";

/**
 * Builds an execution payload from `-i/--input file.json`, `--payload JSON|@file` (its keys over
 * the file's) and repeated `--set key=value` (values parsed as JSON when they parse — numbers,
 * booleans, lists — else kept as strings; dotted keys build nested maps).
 */
export function buildPayload(
  payload: string | undefined,
  sets: readonly string[],
  input?: string,
): JsonObject {
  const base: JsonObject = input ? parseJsonObject(readFile(input), "--input") : {};
  if (payload) Object.assign(base, parseJsonObject(readArg(payload), "--payload"));
  for (const assignment of sets) {
    const eq = assignment.indexOf("=");
    if (eq <= 0) throw invalidArgument(`--set expects key=value, got '${assignment}'`);
    const key = assignment.slice(0, eq).trim();
    const raw = assignment.slice(eq + 1);
    setPath(base, key.split("."), parseScalar(raw));
  }
  return base;
}

function readArg(value: string): string {
  return value.startsWith("@") ? readFile(value.slice(1)) : value;
}

function readFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw invalidArgument(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function parseJsonObject(text: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidArgument(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(`${what} must be a JSON object`);
  }
  return value as JsonObject;
}

function parseScalar(raw: string): JsonObject[string] {
  try {
    return JSON.parse(raw) as JsonObject[string];
  } catch {
    return raw;
  }
}

function setPath(target: JsonObject, path: string[], value: JsonObject[string]): void {
  let node = target;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as JsonObject;
  }
}

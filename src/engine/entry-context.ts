/** Messages a step is entered with, and their conversions (join merges, scope extras, errors). */
import { TemplateError } from "../expr/index.ts";
import { type Json, type JsonObject, playbookLine, type SourcePosition } from "../kernel/index.ts";
import type { ToolErrorInfo } from "../protocol/index.ts";
import type { ScopeExtras } from "./render-scope.ts";
import type { EntryContext, ExecutionState } from "./state.ts";

export function mergeArrivals(s: ExecutionState, name: string): EntryContext {
  const js = s.joins.get(name);
  const input: JsonObject = {};
  let error: ToolErrorInfo | undefined;
  let from: string | undefined;
  for (const [, a] of js?.arrived ?? []) {
    Object.assign(input, a.input);
    error ??= a.error;
    from ??= a.from;
  }
  return { input, ...(from ? { from } : {}), event: "call.done", ...(error ? { error } : {}) };
}

export function eventExtras(entry: EntryContext): ScopeExtras {
  return {
    ...(entry.event ? { event: { name: entry.event, ...(entry.from ? { step: entry.from } : {}) } } : {}),
    ...(entry.error ? { error: entry.error } : {}),
    ...(entry.result !== undefined ? { result: entry.result } : {}),
  };
}

export function entryJson(entry: EntryContext): JsonObject {
  return {
    input: entry.input,
    ...(entry.from ? { from: entry.from } : {}),
    ...(entry.event ? { event: entry.event } : {}),
    ...(entry.error ? { error: entry.error as unknown as Json } : {}),
    ...(entry.result !== undefined ? { result: entry.result } : {}),
  };
}

/** `pos`: where the step is written; the message names that line (DECISIONS 31). */
export function schemaError(error: unknown, where: string, pos?: SourcePosition): ToolErrorInfo {
  const { text: line, fields: at } = playbookLine(pos);
  if (error instanceof TemplateError) {
    return {
      kind: "schema",
      retryable: false,
      code: error.code,
      message: `${where}: ${error.describe()}${line}`,
      ...(error.missing ? { missing: error.missing } : {}),
      ...at,
    };
  }
  return {
    kind: "schema",
    retryable: false,
    code: "NOETL_E_TEMPLATE",
    message: `${where}: ${(error as Error)?.message ?? String(error)}${line}`,
    ...at,
  };
}

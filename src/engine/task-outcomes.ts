import type { Json } from "../kernel/index.ts";
import type { ToolErrorInfo } from "../protocol/index.ts";

/**
 * The design notes' `run: [{task}]` outcomes by task name: `{status: "success", data, error: null}`
 * for each task that ran (the pipeline result's `results`), `{status: "error", data: null, error}`
 * for the one that failed.
 */
export function taskOutcomes(result: Json, error?: ToolErrorInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const results =
    result !== null && typeof result === "object" && !Array.isArray(result) ? result.results : undefined;
  if (results !== null && typeof results === "object" && !Array.isArray(results))
    for (const [label, data] of Object.entries(results))
      out[label] = { status: "success", data, error: null };
  if (error?.task) out[error.task] = { status: "error", data: null, error };
  return out;
}

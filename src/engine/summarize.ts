/** A read-only summary of an execution's state (status displays, `noetl run --json`). */
import type { Json, JsonObject } from "../kernel/index.ts";
import type { ExecutionStatus, ToolErrorInfo } from "../protocol/index.ts";
import type { ExecutionState } from "./state.ts";

export interface ExecutionSummaryView {
  status: ExecutionStatus;
  result: Json;
  error: ToolErrorInfo | null;
  steps: Record<string, Json>;
  runs: Record<string, number>;
  /** Steps running now. */
  current: string[];
  /** Execution variables (`ctx`). */
  ctx: JsonObject;
}

export function summarize(state: ExecutionState): ExecutionSummaryView {
  return {
    status: state.status,
    result: state.result,
    error: state.error ?? (state.status === "failed" ? state.failing : null),
    steps: Object.fromEntries(state.results),
    runs: Object.fromEntries(state.runs),
    current: [...state.current],
    ctx: state.ctx,
  };
}

import type { ExecutionId, Json } from "../kernel/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";

/** The `--json` document of `noetl run` / `noetl exec --wait` (DECISIONS 40). */
export interface RunReport {
  execution_id: ExecutionId;
  status: "completed" | "failed" | "cancelled" | "running";
  result: Json;
  error: Json;
  steps: Record<string, Json>;
  runs: Record<string, number>;
  duration_ms: number;
}

export async function runReport(orchestrator: Orchestrator, executionId: ExecutionId): Promise<RunReport> {
  const s = await orchestrator.status(executionId);
  const row = await orchestrator.store.getExecution(executionId);
  const duration = row?.ended_at !== undefined && row ? row.ended_at - row.started_at : 0;
  return {
    execution_id: executionId,
    status: s.status,
    result: (s.result ?? null) as Json,
    error: (s.error ?? null) as Json,
    steps: s.steps as Record<string, Json>,
    runs: s.runs,
    duration_ms: duration,
  };
}

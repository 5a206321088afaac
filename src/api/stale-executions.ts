/**
 * The executions still running whose last event is older than a cutoff (NoETL's cleanup: stuck
 * ones), oldest first. Each one's last event is read by its seq (one read per running execution).
 */
import type { ExecutionId } from "../kernel/index.ts";
import type { ExecutionRow, Store } from "../store/index.ts";

const PAGE = 500;

export async function staleExecutions(store: Store, cutoff: number): Promise<ExecutionId[]> {
  const running: ExecutionRow[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listExecutions({ status: "running", limit: PAGE, offset });
    running.push(...page);
    if (page.length < PAGE) break;
  }
  const stale: Array<{ id: ExecutionId; last: number }> = [];
  for (const row of running) {
    const last = await lastEventAt(store, row);
    if (last < cutoff) stale.push({ id: row.execution_id, last });
  }
  return stale.sort((a, b) => a.last - b.last).map((s) => s.id);
}

/** When the execution's last event happened (its start when its log has none). */
async function lastEventAt(store: Store, row: ExecutionRow): Promise<number> {
  const [event] = await store.readEvents(row.execution_id, { afterSeq: row.last_seq - 1, limit: 1 });
  return event?.at ?? row.started_at;
}

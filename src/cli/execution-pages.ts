import type { EmbeddedApp } from "../app/index.ts";
import type { HttpClient } from "../client/index.ts";
import type { ExecutionSummary } from "../protocol/index.ts";

/** An execution as the list shows it (the API's and the store's rows have these fields). */
export interface ExecutionRow {
  execution_id: string;
  path: string;
  catalog_version?: number;
  status: ExecutionSummary["status"];
  parent_execution_id?: string;
  started_at: number;
  ended_at?: number;
}

/** The largest page `GET /api/executions` serves. */
const PAGE = 500;

/**
 * Every execution with `status` (newest first), page by page, from a server or the embedded
 * store; `limit` stops early.
 */
export async function executionPages(
  source: { remote: HttpClient } | { app: EmbeddedApp },
  filter: { status?: string; limit?: number },
): Promise<ExecutionRow[]> {
  const rows: ExecutionRow[] = [];
  const want = filter.limit ?? Number.POSITIVE_INFINITY;
  for (let offset = 0; rows.length < want; offset += PAGE) {
    const limit = Math.min(PAGE, want - rows.length);
    let page: ExecutionRow[];
    if ("remote" in source) {
      const q = `limit=${limit}&offset=${offset}${filter.status ? `&status=${encodeURIComponent(filter.status)}` : ""}`;
      page = (await source.remote.get<{ executions: ExecutionRow[] }>(`/api/executions?${q}`)).executions;
    } else {
      page = (
        await source.app.store.listExecutions({
          ...(filter.status ? { status: filter.status as ExecutionRow["status"] } : {}),
          limit,
          offset,
        })
      ).map(({ result: _r, error: _e, last_seq: _s, ...row }) => row);
    }
    rows.push(...page);
    if (page.length < limit) break;
  }
  return rows;
}

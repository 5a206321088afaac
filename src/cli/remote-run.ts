import type { RunReport } from "../app/index.ts";
import type { HttpClient } from "../client/index.ts";
import type { JsonObject } from "../kernel/index.ts";
import { errorLine } from "./error-line.ts";
import { EXIT_FAILED, EXIT_OK } from "./exit.ts";

/** What to start on a server: a registered path (and version), a catalog entry id, or a playbook's text. */
export type RemoteStart = { path: string; version?: number } | { catalog_id: string } | { content: string };

/**
 * Starts an execution on a server (at `entryStep` when given). Without `wait` prints its id (or `{execution_id, status}`
 * with `json`) and returns 0; with `wait` follows it to the end and prints the outcome (the
 * DECISIONS 40 document with `json`), returning the exit code.
 */
export async function runRemote(
  http: HttpClient,
  start: RemoteStart,
  payload: JsonObject,
  o: { wait?: boolean; json?: boolean; entryStep?: string },
): Promise<number> {
  const started = Date.now();
  const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", {
    ...start,
    payload,
    ...(o.entryStep !== undefined ? { entry_step: o.entryStep } : {}),
  });
  if (!o.wait) {
    process.stdout.write(
      o.json ? `${JSON.stringify({ execution_id, status: "running" })}\n` : `${execution_id}\n`,
    );
    return EXIT_OK;
  }
  process.stderr.write(`execution ${execution_id}\n`);
  for (;;) {
    const w = await http.get<{ status: string }>(`/api/executions/${execution_id}/wait?timeout_ms=20000`, {
      timeoutMs: 30_000,
    });
    if (w.status !== "running") break;
  }
  const r = await http.get<RunReport>(`/api/executions/${execution_id}/result`);
  const report = { ...r, duration_ms: r.duration_ms ?? Date.now() - started };
  if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stderr.write(`${report.status}\n`);
    if (report.error) process.stderr.write(`${errorLine(report.error)}\n`);
    if (report.status === "completed" || report.result !== null)
      process.stdout.write(`${JSON.stringify(report.result, null, 2)}\n`);
  }
  return report.status === "completed" ? EXIT_OK : EXIT_FAILED;
}

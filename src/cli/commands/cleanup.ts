/**
 * `noetl cleanup [--older-than-minutes N] [--dry-run]`: cancel the executions still running that
 * started more than N minutes ago (stuck ones), on a server (--server) or in the embedded store.
 * It lists the running executions and cancels each (`/api/executions` and its cancel route).
 */
import type { Command } from "commander";
import type { HttpClient } from "../../client/index.ts";
import type { ExecutionId } from "../../kernel/index.ts";
import { type ExecutionRow, executionPages } from "../execution-pages.ts";
import { EXIT_INVALID, exitWithError } from "../exit.ts";
import { remoteClient } from "../remote.ts";
import { wholeNumber } from "../whole-number.ts";
import { withStoreApp } from "../with-store-app.ts";

interface CleanupOptions {
  olderThanMinutes: string;
  dryRun?: boolean;
  json?: boolean;
  db?: string;
  server?: string;
}

const REASON = "noetl cleanup: running for too long";

export function register(program: Command): void {
  program
    .command("cleanup")
    .description("cancel executions still running that started more than N minutes ago")
    .option("--older-than-minutes <n>", "age from which a running execution is stuck", "5")
    .option("--dry-run", "only list the executions that would be cancelled")
    .option("-j, --json", "print one JSON document: {cutoff, dry_run, executions, cancelled}")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("--server <url>", "clean up a server's executions")
    .action(async (o: CleanupOptions) => {
      let minutes = 5;
      try {
        minutes = wholeNumber("--older-than-minutes", o.olderThanMinutes, 0);
      } catch (error) {
        exitWithError(error, EXIT_INVALID);
      }
      try {
        const cutoff = Date.now() - minutes * 60_000;
        const stuck = (rows: ExecutionRow[]) => rows.filter((r) => r.started_at < cutoff);
        const remote = remoteClient(o.server);
        let found: ExecutionRow[];
        const cancelled: string[] = [];
        if (remote) {
          found = stuck(await executionPages({ remote }, { status: "running" }));
          if (!o.dryRun)
            for (const r of found) cancelled.push(...(await cancelRemote(remote, r.execution_id)));
        } else {
          found = await withStoreApp(o.db, async (app) => {
            const rows = stuck(await executionPages({ app }, { status: "running" }));
            if (!o.dryRun)
              for (const r of rows)
                cancelled.push(...(await app.orchestrator.cancel(r.execution_id as ExecutionId, REASON)));
            return rows;
          });
        }
        const unique = [...new Set(cancelled)];
        if (o.json) {
          const doc = {
            cutoff: new Date(cutoff).toISOString(),
            dry_run: Boolean(o.dryRun),
            executions: found,
            cancelled: unique,
          };
          process.stdout.write(`${JSON.stringify(doc)}\n`);
          return;
        }
        for (const r of found)
          process.stdout.write(`${r.execution_id}  ${new Date(r.started_at).toISOString()}  ${r.path}\n`);
        process.stdout.write(
          o.dryRun
            ? `${found.length} execution(s) running since before ${new Date(cutoff).toISOString()} (dry run: none cancelled)\n`
            : `cancelled ${unique.length} execution(s) (sub-playbooks included)\n`,
        );
      } catch (error) {
        exitWithError(error);
      }
    });
}

async function cancelRemote(http: HttpClient, id: string): Promise<string[]> {
  return (await http.post<{ cancelled: string[] }>(`/api/executions/${id}/cancel`, { reason: REASON }))
    .cancelled;
}

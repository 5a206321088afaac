import type { Command } from "commander";
import { type RunReport, runReport } from "../../app/index.ts";
import type { HttpClient } from "../../client/index.ts";
import type { ExecutionId } from "../../kernel/index.ts";
import { NoetlError } from "../../kernel/index.ts";
import type { EventType, NoetlEvent } from "../../protocol/index.ts";
import { TERMINAL_EVENTS } from "../../protocol/index.ts";
import { errorLine } from "../error-line.ts";
import { exitWithError } from "../exit.ts";
import { remoteClient } from "../remote.ts";
import { withStoreApp } from "../with-store-app.ts";

interface StoreOptions {
  db?: string;
  json?: boolean;
  server?: string;
}

/** Reads the events of an execution after a seq, from a server or the embedded store. */
type EventSource = (afterSeq: number) => Promise<NoetlEvent[]>;

/**
 * `noetl status ID` and `noetl events ID [--follow]`: the embedded store by default, a server
 * with `--server URL` or NOETL_SERVER_URL.
 */
export function register(program: Command): void {
  program
    .command("status")
    .description("show the status of an execution")
    .argument("<execution_id>")
    .option("--json", "JSON output")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("--server <url>", "ask a server")
    .action(async (id: string, options: StoreOptions) => {
      try {
        const remote = remoteClient(options.server);
        let report: RunReport & { path?: string; started_at?: number };
        if (remote) {
          const detail = await remote.get<RunReport & { path: string; started_at: number }>(
            `/api/executions/${id}/result`,
          );
          const row = await remote.get<{ path: string; started_at: number }>(`/api/executions/${id}`);
          report = { ...detail, execution_id: id as ExecutionId, path: row.path, started_at: row.started_at };
        } else {
          report = await withStoreApp(options.db, async (app) => {
            const row = await app.store.getExecution(id as ExecutionId);
            if (!row) throw new NoetlError("NOETL_E_EXECUTION_NOT_FOUND", `execution ${id} not found`);
            return {
              ...(await runReport(app.orchestrator, id as ExecutionId)),
              path: row.path,
              started_at: row.started_at,
            };
          });
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
          return;
        }
        const out = process.stdout;
        out.write(`execution ${id}  ${report.path ?? ""}  ${report.status}\n`);
        if (report.started_at) out.write(`started ${new Date(report.started_at).toISOString()}`);
        out.write(report.status !== "running" ? `  duration ${report.duration_ms} ms\n` : "\n");
        for (const [step, runs] of Object.entries(report.runs)) out.write(`  ${step}: ran ${runs}×\n`);
        if (report.error !== null) out.write(`${errorLine(report.error)}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });

  program
    .command("events")
    .description("list the event log of an execution")
    .argument("<execution_id>")
    .option("--json", "JSON lines output (one event per line)")
    .option("--type <types>", "comma-separated event types to show")
    .option("-f, --follow", "keep printing new events until the execution ends")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("--server <url>", "read from a server")
    .action(async (id: string, options: StoreOptions & { type?: string; follow?: boolean }) => {
      try {
        const types = options.type ? (options.type.split(",") as EventType[]) : undefined;
        const remote = remoteClient(options.server);
        const print = (e: NoetlEvent) => {
          if (types && !types.includes(e.type)) return;
          if (options.json) process.stdout.write(`${JSON.stringify(e)}\n`);
          else {
            const at = new Date(e.at).toISOString().slice(11, 23);
            process.stdout.write(
              `${String(e.seq ?? "").padStart(5)} ${at} ${e.type.padEnd(20)} ${e.step ?? ""}\n`,
            );
          }
        };
        if (remote) await follow(remoteEvents(remote, id), print, Boolean(options.follow));
        else {
          await withStoreApp(options.db, async (app) => {
            if (!(await app.store.getExecution(id as ExecutionId))) {
              throw new NoetlError("NOETL_E_EXECUTION_NOT_FOUND", `execution ${id} not found`);
            }
            await follow(
              (after) => app.store.readEvents(id as ExecutionId, { afterSeq: after, limit: 1000 }),
              print,
              Boolean(options.follow),
            );
          });
        }
      } catch (error) {
        exitWithError(error);
      }
    });
}

function remoteEvents(http: HttpClient, id: string): EventSource {
  return async (after) =>
    (await http.get<{ events: NoetlEvent[] }>(`/api/executions/${id}/events?after_seq=${after}&limit=1000`))
      .events;
}

/** Prints the log page by page; with `keepGoing`, polls for new events until a terminal one. */
async function follow(
  source: EventSource,
  print: (e: NoetlEvent) => void,
  keepGoing: boolean,
): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await source(after);
    let ended = false;
    for (const e of page) {
      print(e);
      after = Math.max(after, e.seq ?? after);
      if (TERMINAL_EVENTS.has(e.type)) ended = true;
    }
    if (page.length === 1000) continue;
    if (!keepGoing || ended) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

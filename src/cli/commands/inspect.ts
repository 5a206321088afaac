import type { Command } from "commander";
import { embedded, readConfig, runReport } from "../../app/index.ts";
import type { ExecutionId } from "../../kernel/index.ts";
import { NoetlError } from "../../kernel/index.ts";
import { EXIT_OK } from "../exit.ts";

interface StoreOptions {
  db?: string;
  json?: boolean;
}

/** `noetl status ID` and `noetl events ID`: read an embedded execution from the local store. */
export function register(program: Command): void {
  program
    .command("status")
    .description("show the status of an embedded execution")
    .argument("<execution_id>")
    .option("--json", "JSON output")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .action(async (id: string, options: StoreOptions) => {
      await withApp(options, async (app) => {
        const row = await app.store.getExecution(id as ExecutionId);
        if (!row) throw new NoetlError("NOETL_E_EXECUTION_NOT_FOUND", `execution ${id} not found`);
        const report = await runReport(app.orchestrator, id as ExecutionId);
        if (options.json) {
          process.stdout.write(
            `${JSON.stringify({ ...report, path: row.path, started_at: row.started_at })}\n`,
          );
          return;
        }
        const out = process.stdout;
        out.write(`execution ${id}  ${row.path}  ${report.status}\n`);
        out.write(`started ${new Date(row.started_at).toISOString()}`);
        out.write(row.ended_at ? `  duration ${report.duration_ms} ms\n` : "\n");
        for (const [step, runs] of Object.entries(report.runs)) out.write(`  ${step}: ran ${runs}×\n`);
        if (report.error !== null) out.write(`error: ${JSON.stringify(report.error)}\n`);
      });
    });

  program
    .command("events")
    .description("list the event log of an embedded execution")
    .argument("<execution_id>")
    .option("--json", "JSON lines output (one event per line)")
    .option("--type <types>", "comma-separated event types to show")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .action(async (id: string, options: StoreOptions & { type?: string }) => {
      await withApp(options, async (app) => {
        const types = options.type ? (options.type.split(",") as never[]) : undefined;
        const events = await app.store.readEvents(id as ExecutionId, types ? { types } : {});
        if (events.length === 0 && !(await app.store.getExecution(id as ExecutionId))) {
          throw new NoetlError("NOETL_E_EXECUTION_NOT_FOUND", `execution ${id} not found`);
        }
        for (const e of events) {
          if (options.json) process.stdout.write(`${JSON.stringify(e)}\n`);
          else {
            const at = new Date(e.at).toISOString().slice(11, 23);
            process.stdout.write(
              `${String(e.seq ?? "").padStart(5)} ${at} ${e.type.padEnd(20)} ${e.step ?? ""}\n`,
            );
          }
        }
      });
    });
}

async function withApp(
  options: StoreOptions,
  fn: (app: Awaited<ReturnType<typeof embedded>>) => Promise<void>,
): Promise<void> {
  const app = await embedded({
    config: readConfig(),
    startWorker: false,
    ...(options.db ? { dbPath: options.db } : {}),
  });
  try {
    await fn(app);
  } finally {
    await app.close();
  }
  process.exitCode = EXIT_OK;
}

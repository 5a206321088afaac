import { existsSync } from "node:fs";
import type { Command } from "commander";
import { type EmbeddedApp, embedded, readConfig, runReport, serveEmbeddedUi } from "../../app/index.ts";
import { parsePlaybook } from "../../dsl/index.ts";
import type { ExecutionId } from "../../kernel/index.ts";
import { printDiagnostics } from "../diagnostics.ts";
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, exitWithError } from "../exit.ts";
import { buildPayload } from "../payload.ts";
import { Progress } from "../progress.ts";
import { readPlaybookSource } from "../read-source.ts";
import { type StepLocator, stepLocator } from "../step-locator.ts";
import { portNumber } from "../whole-number.ts";

interface RunOptions {
  ui?: string | boolean;
  set: string[];
  payload?: string;
  json?: boolean;
  db?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command("run")
    .description("run a playbook file (or a registered catalog path) embedded, in this process")
    .argument("<playbook>", "playbook YAML file, or a catalog path registered with `noetl catalog register`")
    .option("--set <key=value>", "set a workload value (repeatable; dotted keys nest)", collect, [])
    .option("--payload <json|@file>", "workload payload as JSON (merged over the playbook's workload)")
    .option("--json", "print one JSON document with the outcome on stdout")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("-q, --quiet", "no progress output")
    .option("--ui [port]", "serve the web UI while the run lasts (default port 8083); stays up until Ctrl-C")
    .action(async (target: string, options: RunOptions) => {
      let uiPort = 8083;
      try {
        if (typeof options.ui === "string") uiPort = portNumber("--ui", options.ui);
      } catch (error) {
        exitWithError(error, EXIT_INVALID);
      }
      const payload = buildPayload(options.payload, options.set);
      let content: string | undefined;
      let where: StepLocator | undefined;
      if (existsSync(target)) {
        content = readPlaybookSource(target);
        const parsed = parsePlaybook(content, { file: target });
        const errors = parsed.diagnostics.filter((d) => d.severity === "error");
        printDiagnostics(process.stderr, options.json ? errors : parsed.diagnostics, target);
        if (errors.length > 0) process.exit(EXIT_INVALID);
        if (parsed.playbook) where = stepLocator(parsed.playbook, target);
      }
      const app = await embedded({ config: readConfig(), ...(options.db ? { dbPath: options.db } : {}) });
      const ui = options.ui ? await serveEmbeddedUi(app, uiPort) : undefined;
      if (ui) process.stderr.write(`web UI: ${ui.url}\n`);
      const code = await runToEnd(
        app,
        {
          ...options,
          keepOpen: ui !== undefined,
          ...(ui ? { uiUrl: ui.url } : {}),
          ...(where ? { where } : {}),
        },
        async () => {
          if (content !== undefined) {
            const entry = await app.orchestrator.register(content, { file: target });
            return app.orchestrator.execute({ path: entry.path, version: entry.version, payload });
          }
          return app.orchestrator.execute({ path: target, payload });
        },
      );
      process.exit(code);
    });

  program
    .command("resume")
    .description("continue an interrupted embedded execution from its event log")
    .argument("<execution_id>")
    .option("--json", "print one JSON document with the outcome on stdout")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("-q, --quiet", "no progress output")
    .action(async (id: string, options: RunOptions) => {
      const app = await embedded({ config: readConfig(), ...(options.db ? { dbPath: options.db } : {}) });
      const code = await runToEnd(app, options, async () => {
        const executionId = id as ExecutionId;
        const reissued = await app.orchestrator.resume(executionId);
        if (!options.quiet) process.stderr.write(`resuming ${id}: ${reissued} command(s) re-dispatched\n`);
        return { execution_id: executionId };
      });
      process.exit(code);
    });
}

/** Starts (or resumes) an execution, shows progress, waits for the end and prints the outcome. */
async function runToEnd(
  app: EmbeddedApp,
  options: RunOptions & { keepOpen?: boolean; uiUrl?: string; where?: StepLocator },
  start: () => Promise<{ execution_id: ExecutionId }>,
): Promise<number> {
  const progress = new Progress(process.stderr, !options.quiet, options.where);
  let executionId: ExecutionId | undefined;
  const early: Array<Parameters<Progress["onEvents"]>[0]> = [];
  const unsubscribe = app.orchestrator.onEvents((id, events) => {
    if (executionId === undefined) early.push(events);
    else if (id === executionId) progress.onEvents(events);
  });
  const onSigint = () => {
    process.stderr.write(`\ninterrupted; continue with: noetl resume ${executionId ?? ""}\n`);
    process.exit(130);
  };
  process.once("SIGINT", onSigint);
  try {
    executionId = (await start()).execution_id;
    if (!options.quiet) process.stderr.write(`execution ${executionId}\n`);
    if (options.uiUrl) process.stderr.write(`watch it: ${options.uiUrl}/#/executions/${executionId}\n`);
    for (const events of early) progress.onEvents(events.filter((e) => e.execution_id === executionId));
    await app.orchestrator.waitFor(executionId);
    const report = await runReport(app.orchestrator, executionId);
    if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      process.stderr.write(`${report.status} in ${report.duration_ms} ms\n`);
      if (report.error !== null) {
        const task = (report.error as { task?: unknown }).task;
        const at = options.where?.(undefined, typeof task === "string" ? task : undefined);
        process.stderr.write(`${at ? `${at}: ` : ""}error: ${JSON.stringify(report.error)}\n`);
      }
      process.stdout.write(`${JSON.stringify(report.result, null, 2)}\n`);
    }
    if (options.keepOpen) {
      process.off("SIGINT", onSigint);
      process.stderr.write("the web UI stays up: press Ctrl-C to exit\n");
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    }
    return report.status === "completed" ? EXIT_OK : EXIT_FAILED;
  } finally {
    process.off("SIGINT", onSigint);
    unsubscribe();
    await app.close();
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

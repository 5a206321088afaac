import type { EmbeddedApp } from "../app/index.ts";
import { runReport } from "../app/index.ts";
import type { ExecutionId } from "../kernel/index.ts";
import { errorLine } from "./error-line.ts";
import { EXIT_FAILED, EXIT_OK } from "./exit.ts";
import { Progress } from "./progress.ts";
import type { StepLocator } from "./step-locator.ts";

export interface EmbeddedRunOptions {
  json?: boolean;
  quiet?: boolean;
  /** Wait for Ctrl-C after the end (the web UI stays up). */
  keepOpen?: boolean;
  uiUrl?: string;
  where?: StepLocator;
}

/** Starts (or resumes) an execution, shows progress, waits for the end and prints the outcome. */
export async function runToEnd(
  app: EmbeddedApp,
  options: EmbeddedRunOptions,
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
      if (report.error !== null) process.stderr.write(`${errorLine(report.error, options.where)}\n`);
      // a failed run's result is printed only when it has one (a failed http call's response, say)
      if (report.status === "completed" || report.result !== null)
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

/** `noetl run REF` (see `defineExec`) and `noetl resume ID` (an embedded execution). */
import type { Command } from "commander";
import { embedded, readConfig } from "../../app/index.ts";
import type { ExecutionId } from "../../kernel/index.ts";
import { defineExec } from "../define-exec.ts";
import { runToEnd } from "../embedded-run.ts";

interface ResumeOptions {
  json?: boolean;
  db?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  defineExec(
    program,
    "run",
    "run a playbook (file, catalog path or id; no REF: ./noetl.yaml) embedded, in this process; same references and flags as exec",
  );

  program
    .command("resume")
    .description("continue an interrupted embedded execution from its event log")
    .argument("<execution_id>")
    .option("--json", "print one JSON document with the outcome on stdout")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("-q, --quiet", "no progress output")
    .action(async (id: string, options: ResumeOptions) => {
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

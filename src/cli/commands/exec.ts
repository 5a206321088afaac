/** `noetl exec REF` (see `defineExec`) and `noetl cancel ID` (a server's execution). */
import type { Command } from "commander";
import { defineExec } from "../define-exec.ts";
import { exitWithError } from "../exit.ts";
import { requireRemote } from "../remote.ts";

export function register(program: Command): void {
  defineExec(
    program,
    "exec",
    "run a playbook: a file embedded, a catalog path or id on a server (-r local|distributed|auto); no REF: ./noetl.yaml",
  );

  program
    .command("cancel")
    .description("cancel an execution on a server (and its sub-playbooks)")
    .argument("<execution_id>")
    .option("--reason <text>")
    .option("--server <url>", "server URL")
    .action(async (id: string, o: { reason?: string; server?: string }) => {
      try {
        const r = await requireRemote(o.server).post<{ cancelled: string[] }>(
          `/api/executions/${id}/cancel`,
          o.reason ? { reason: o.reason } : {},
        );
        process.stdout.write(`cancelled: ${r.cancelled.join(", ") || "(already finished)"}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
}

/** Client commands against a server: `noetl exec`, `noetl cancel`. */
import type { Command } from "commander";
import type { RunReport } from "../../app/index.ts";
import { EXIT_FAILED, EXIT_OK, exitWithError } from "../exit.ts";
import { buildPayload } from "../payload.ts";
import { requireRemote } from "../remote.ts";

export function register(program: Command): void {
  program
    .command("exec")
    .description("start a registered playbook on a server (--wait to follow it to the end)")
    .argument("<path>", "catalog path")
    .option("--version <n>", "catalog version (default latest)")
    .option(
      "--set <key=value>",
      "set a workload value (repeatable)",
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option("--payload <json|@file>", "workload payload as JSON")
    .option("--wait", "wait for the execution to end and print its outcome")
    .option("--json", "JSON output")
    .option("--server <url>", "server URL (default NOETL_SERVER_URL or http://127.0.0.1:8082)")
    .action(
      async (
        path: string,
        o: {
          version?: string;
          set: string[];
          payload?: string;
          wait?: boolean;
          json?: boolean;
          server?: string;
        },
      ) => {
        try {
          const http = requireRemote(o.server);
          const payload = buildPayload(o.payload, o.set);
          const started = Date.now();
          const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", {
            path,
            ...(o.version ? { version: Number(o.version) } : {}),
            payload,
          });
          if (!o.wait) {
            process.stdout.write(
              o.json ? `${JSON.stringify({ execution_id, status: "running" })}\n` : `${execution_id}\n`,
            );
            return;
          }
          process.stderr.write(`execution ${execution_id}\n`);
          for (;;) {
            const w = await http.get<{ status: string }>(
              `/api/executions/${execution_id}/wait?timeout_ms=20000`,
              { timeoutMs: 30_000 },
            );
            if (w.status !== "running") break;
          }
          const r = await http.get<RunReport>(`/api/executions/${execution_id}/result`);
          const report = { ...r, duration_ms: r.duration_ms ?? Date.now() - started };
          if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
          else {
            process.stderr.write(`${report.status}\n`);
            if (report.error) process.stderr.write(`error: ${JSON.stringify(report.error)}\n`);
            process.stdout.write(`${JSON.stringify(report.result, null, 2)}\n`);
          }
          process.exitCode = report.status === "completed" ? EXIT_OK : EXIT_FAILED;
        } catch (error) {
          exitWithError(error);
        }
      },
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

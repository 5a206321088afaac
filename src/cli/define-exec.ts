import type { Command } from "commander";
import { embedded, readConfig, serveEmbeddedUi } from "../app/index.ts";
import { type Playbook, parsePlaybook } from "../dsl/index.ts";
import type { JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import { catalogIdNotFound, serverCatalogEntry } from "./catalog-entry-by-id.ts";
import { printDiagnostics } from "./diagnostics.ts";
import { runToEnd } from "./embedded-run.ts";
import { execArguments } from "./exec-arguments.ts";
import { EXIT_INVALID, exitWithError } from "./exit.ts";
import { invalidArgument } from "./invalid-argument.ts";
import { buildPayload } from "./payload.ts";
import { formatPlan, playbookPlan } from "./playbook-plan.ts";
import { readPlaybookSource } from "./read-source.ts";
import type { Reference } from "./reference.ts";
import { activeContext, remoteClient, requireRemote } from "./remote.ts";
import { type RemoteStart, runRemote } from "./remote-run.ts";
import { type Runtime, resolveRuntime } from "./runtime.ts";
import { type StepLocator, stepLocator } from "./step-locator.ts";
import { portNumber } from "./whole-number.ts";
import { withStoreApp } from "./with-store-app.ts";

interface ExecOptions {
  runtime?: string;
  target?: string;
  set: string[];
  payload?: string;
  workload?: string;
  input?: string;
  version?: string;
  dryRun?: boolean;
  json?: boolean;
  wait?: boolean;
  server?: string;
  db?: string;
  quiet?: boolean;
  ui?: string | boolean;
}

/**
 * `noetl exec [REF]` and `noetl run [REF]` (reference §8): the same references and flags. A file
 * runs embedded, a catalog reference (path or id) on a server (`-r` chooses); `run` follows a
 * server run to its end and runs a catalog reference embedded unless a server is named (what it
 * always did). Without REF, `./noetl.yaml` or `./main.yaml` runs (see `execArguments`).
 */
export function defineExec(program: Command, name: "exec" | "run", description: string): void {
  program
    .command(name)
    .description(description)
    .argument(
      "[ref]",
      "playbook file, catalog path, catalog://path@version or catalog id (default ./noetl.yaml, ./main.yaml; " +
        "a step of that playbook: start there)",
    )
    .option("-r, --runtime <runtime>", "local (embedded), distributed (a server) or auto", "auto")
    .option("-t, --target <step>", "start at this step instead of the entry step")
    .option("--set <key=value>", "set a workload value (repeatable; dotted keys nest)", collect, [])
    .option("--payload <json|@file>", "workload payload as JSON (merged over the playbook's workload)")
    .option("--workload <json|@file>", "same as --payload")
    .option("-i, --input <file>", "workload payload from a JSON file (--payload and --set go over it)")
    .option("-V, --version <n>", "catalog version of a catalog path (default latest)")
    .option("--dry-run", "validate and print the plan (steps, entry step, tools) without running")
    .option("-j, --json", "print one JSON document on stdout")
    .option(
      "--wait",
      `distributed: wait for the end and print the outcome${name === "run" ? " (always, for run)" : ""}`,
    )
    .option(
      "--server <url>",
      "server URL (default NOETL_SERVER_URL, the current context's, or http://127.0.0.1:8082)",
    )
    .option("--db <path>", "local: SQLite database file (default .noetl/noetl.db)")
    .option("-q, --quiet", "local: no progress output")
    .option(
      "--ui [port]",
      "local: serve the web UI while the run lasts (default port 8083); stays up until Ctrl-C",
    )
    .action(async (ref: string | undefined, o: ExecOptions) => {
      let reference: Reference;
      let target: string | undefined;
      let discovered: string | undefined;
      let runtime: Runtime;
      let payload: JsonObject;
      let uiPort = 8083;
      try {
        ({ reference, target, discovered } = execArguments(ref, o));
        runtime = resolveRuntime(
          o.runtime,
          reference,
          name === "run" && !remoteClient(o.server),
          activeContext(o.server)?.runtime,
        );
        if (o.payload !== undefined && o.workload !== undefined)
          throw invalidArgument("--payload and --workload are the same option: give one");
        payload = buildPayload(o.payload ?? o.workload, o.set, o.input);
        if (typeof o.ui === "string") uiPort = portNumber("--ui", o.ui);
        if (runtime === "distributed" && o.ui)
          throw invalidArgument("--ui serves a local run only (-r local)");
      } catch (error) {
        exitWithError(error, EXIT_INVALID);
      }

      if (discovered !== undefined && !o.quiet) process.stderr.write(`playbook ./${discovered}\n`);
      let content: string | undefined;
      let where: StepLocator | undefined;
      let playbook: Playbook | undefined;
      if (reference.kind === "file") {
        try {
          content = readPlaybookSource(reference.file);
        } catch (error) {
          exitWithError(error, EXIT_INVALID);
        }
        const parsed = parsePlaybook(content, { file: reference.file });
        const errors = parsed.diagnostics.filter((d) => d.severity === "error");
        printDiagnostics(process.stderr, o.json ? errors : parsed.diagnostics, reference.file);
        if (errors.length > 0 || !parsed.playbook) process.exit(EXIT_INVALID);
        playbook = parsed.playbook;
        where = stepLocator(playbook, reference.file);
        try {
          checkTarget(playbook, reference.file, target);
        } catch (error) {
          exitWithError(error, EXIT_INVALID);
        }
      }

      if (o.dryRun) {
        try {
          const found = await describe(reference, runtime, o.server, o.db, playbook);
          checkTarget(found.playbook, found.path, target);
          const plan = playbookPlan(found.playbook, {
            path: found.path,
            ...(found.version !== undefined ? { version: found.version } : {}),
            runtime,
            ...(target !== undefined ? { entryStep: target } : {}),
          });
          process.stdout.write(o.json ? `${JSON.stringify({ ...plan, payload })}\n` : formatPlan(plan));
        } catch (error) {
          exitWithError(error, EXIT_INVALID);
        }
        return;
      }

      if (runtime === "distributed") {
        try {
          const start: RemoteStart =
            reference.kind === "file"
              ? { content: content as string }
              : reference.kind === "catalog-id"
                ? { catalog_id: reference.catalogId }
                : {
                    path: reference.path,
                    ...(reference.version !== undefined ? { version: reference.version } : {}),
                  };
          process.exitCode = await runRemote(requireRemote(o.server), start, payload, {
            wait: Boolean(o.wait) || name === "run",
            json: Boolean(o.json),
            ...(target !== undefined ? { entryStep: target } : {}),
          });
        } catch (error) {
          exitWithError(error);
        }
        return;
      }

      const app = await embedded({ config: readConfig(), ...(o.db ? { dbPath: o.db } : {}) });
      const ui = o.ui ? await serveEmbeddedUi(app, uiPort) : undefined;
      if (ui) process.stderr.write(`web UI: ${ui.url}\n`);
      const entryStep = target !== undefined ? { entry_step: target } : {};
      const code = await runToEnd(
        app,
        {
          ...(o.json ? { json: true } : {}),
          ...(o.quiet ? { quiet: true } : {}),
          keepOpen: ui !== undefined,
          ...(ui ? { uiUrl: ui.url } : {}),
          ...(where ? { where } : {}),
        },
        async () => {
          if (content !== undefined) {
            const entry = await app.orchestrator.register(content, {
              file: (reference as Reference & { kind: "file" }).file,
            });
            return app.orchestrator.execute({
              path: entry.path,
              version: entry.version,
              payload,
              ...entryStep,
            });
          }
          const r = reference as Reference & { kind: "catalog" | "catalog-id" };
          return app.orchestrator.execute({
            ...(r.kind === "catalog-id"
              ? { catalog_id: r.catalogId }
              : { path: r.path, ...(r.version !== undefined ? { version: r.version } : {}) }),
            payload,
            ...entryStep,
          });
        },
      );
      process.exit(code);
    });
}

/** The playbook a dry run describes: the file's, or the registered one (embedded store or server). */
async function describe(
  reference: Reference,
  runtime: Runtime,
  server: string | undefined,
  db: string | undefined,
  parsedFile: Playbook | undefined,
): Promise<{ playbook: Playbook; path: string; version?: number }> {
  if (reference.kind === "file") return { playbook: parsedFile as Playbook, path: reference.file };
  let found: { content: string; path: string; version: number } | undefined;
  if (runtime === "distributed") {
    const http = requireRemote(server);
    if (reference.kind === "catalog-id") found = await serverCatalogEntry(http, reference.catalogId);
    else {
      const { path, version } = reference;
      const q = `path=${encodeURIComponent(path)}${version !== undefined ? `&version=${version}` : ""}`;
      found = await http.get<{ content: string; path: string; version: number }>(
        `/api/catalog/resource?${q}`,
      );
    }
  } else {
    const entry = await withStoreApp(db, (app) =>
      reference.kind === "catalog-id"
        ? app.store.catalogGetById(reference.catalogId)
        : app.store.catalogGet(reference.path, reference.version),
    );
    if (entry && entry.archived_at === undefined) found = entry;
  }
  if (!found)
    throw reference.kind === "catalog-id"
      ? catalogIdNotFound(reference.catalogId)
      : new NoetlError("NOETL_E_CATALOG_NOT_FOUND", `no playbook registered at path '${reference.path}'`);
  const parsed = parsePlaybook(found.content, { file: found.path });
  if (!parsed.playbook) {
    printDiagnostics(process.stderr, parsed.diagnostics, found.path);
    throw new NoetlError("NOETL_E_CLI_FILE", `the playbook registered at '${found.path}' is not valid`);
  }
  return { playbook: parsed.playbook, path: found.path, version: found.version };
}

/** `-t STEP` names a step of the playbook (`where`: its file or catalog path, for the message). */
function checkTarget(playbook: Playbook, where: string, target: string | undefined): void {
  if (target !== undefined && !playbook.workflow.some((s) => s.step === target))
    throw new NoetlError("NOETL_E_STEP_NOT_FOUND", `${where} has no step '${target}' to start at`);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

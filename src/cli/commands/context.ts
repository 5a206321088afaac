/**
 * `noetl context add|list|use|set-runtime|delete|current` (reference §8): named servers with a
 * preferred runtime in `~/.noetl/config.yaml` (`$NOETL_HOME/config.yaml` when NOETL_HOME is set). The current context gives the server of the commands
 * that talk to one (after `--server` and NOETL_SERVER_URL) and the runtime of `exec|run -r auto`.
 * NoETL's auth0 options are not supported.
 */
import type { Command } from "commander";
import {
  type CliContext,
  CONTEXT_RUNTIMES,
  type ContextFile,
  type ContextRuntime,
  contextFilePath,
  currentOf,
  readConfig,
  readContextFile,
  writeContextFile,
} from "../../app/index.ts";
import { EXIT_FAILED, EXIT_INVALID, exitWithError } from "../exit.ts";
import { invalidArgument } from "../invalid-argument.ts";

export function register(program: Command): void {
  const context = program
    .command("context")
    .description(
      "named servers with a runtime (kept in ~/.noetl/config.yaml, or $NOETL_HOME/config.yaml); the current one is used by default",
    );

  context
    .command("add")
    .description("add a context (or replace one of that name)")
    .argument("<name>")
    .requiredOption("--server-url <url>", "the server's URL (http or https)")
    .option("--runtime <runtime>", "runtime of exec|run -r auto: local, distributed or auto", "auto")
    .option("--set-current", "make it the current context")
    .action((name: string, o: { serverUrl: string; runtime: string; setCurrent?: boolean }) => {
      change((file) => {
        checkName(name);
        const runtime = checkRuntime(o.runtime);
        const serverUrl = checkUrl(o.serverUrl);
        const replaced = file.contexts[name] !== undefined;
        file.contexts[name] = { ...file.contexts[name], server_url: serverUrl, runtime };
        if (o.setCurrent) file.current_context = name;
        const current = file.current_context === name ? " (current)" : "";
        return `${replaced ? "replaced" : "added"} context '${name}': ${serverUrl}, runtime ${runtime}${current}`;
      });
    });

  context
    .command("list")
    .description("list the contexts (* marks the current one)")
    .option("-j, --json", "one JSON document: {current_context, contexts}")
    .action((o: { json?: boolean }) => {
      const file = load();
      if (o.json) {
        const contexts = Object.entries(file.contexts).map(([name, c]) => ({
          name,
          server_url: c.server_url,
          runtime: c.runtime,
        }));
        process.stdout.write(
          `${JSON.stringify({ current_context: file.current_context ?? null, contexts })}\n`,
        );
        return;
      }
      const names = Object.keys(file.contexts);
      if (names.length === 0) {
        process.stderr.write("no contexts (noetl context add NAME --server-url URL)\n");
        return;
      }
      const width = Math.max(...names.map((n) => n.length));
      for (const [name, c] of Object.entries(file.contexts)) {
        const mark = name === file.current_context ? "*" : " ";
        process.stdout.write(`${mark} ${name.padEnd(width)}  ${c.server_url}  ${c.runtime}\n`);
      }
    });

  context
    .command("use")
    .description("make a context the current one")
    .argument("<name>")
    .action((name: string) => {
      change((file) => {
        known(file, name);
        file.current_context = name;
        return `current context: ${name}`;
      });
    });

  context
    .command("set-runtime")
    .description("set the runtime of the current context: local, distributed or auto")
    .argument("<runtime>")
    .action((value: string) => {
      change((file) => {
        const runtime = checkRuntime(value);
        const current = currentOf(file);
        if (!current) throw invalidArgument("no current context (noetl context use NAME)");
        (file.contexts[current.name] as CliContext).runtime = runtime;
        return `context '${current.name}': runtime ${runtime}`;
      });
    });

  context
    .command("delete")
    .description("delete a context (deleting the current one leaves none current)")
    .argument("<name>")
    .action((name: string) => {
      change((file) => {
        known(file, name);
        delete file.contexts[name];
        if (file.current_context === name) delete file.current_context;
        return `deleted context '${name}'`;
      });
    });

  context
    .command("current")
    .description("print the current context (exit 1 when there is none)")
    .option("-j, --json", "one JSON document: {name, server_url, runtime}")
    .action((o: { json?: boolean }) => {
      const current = currentOf(load());
      if (!current) {
        process.stderr.write("no current context\n");
        process.exit(EXIT_FAILED);
      }
      const { name, server_url, runtime } = current;
      process.stdout.write(
        o.json
          ? `${JSON.stringify({ name, server_url, runtime })}\n`
          : `${name}  ${server_url}  ${runtime}\n`,
      );
    });
}

/** The contexts file (an empty one when there is none); a corrupt one exits 2 with its path. */
function load(): ContextFile {
  try {
    return readContextFile(readConfig().contextsHome) ?? { contexts: {} };
  } catch (error) {
    exitWithError(error, EXIT_INVALID);
  }
}

/** Reads the file, applies `edit` (which returns the line to print), writes the file back. */
function change(edit: (file: ContextFile) => string): void {
  const home = readConfig().contextsHome;
  const file = load();
  let line: string;
  try {
    line = edit(file);
  } catch (error) {
    exitWithError(error, EXIT_INVALID);
  }
  try {
    writeContextFile(home, file);
  } catch (error) {
    exitWithError(new Error(`cannot write ${contextFilePath(home)}: ${(error as Error).message}`));
  }
  process.stderr.write(`${line}\n`);
}

function known(file: ContextFile, name: string): void {
  if (file.contexts[name] === undefined) {
    const names = Object.keys(file.contexts);
    throw invalidArgument(
      `no context '${name}'${names.length > 0 ? ` (contexts: ${names.join(", ")})` : " (noetl context add)"}`,
    );
  }
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw invalidArgument(`context name '${name}': use letters, digits, _ . - only`);
}

function checkRuntime(value: string): ContextRuntime {
  if (!CONTEXT_RUNTIMES.includes(value as ContextRuntime))
    throw invalidArgument(`runtime is local, distributed or auto, not '${value}'`);
  return value as ContextRuntime;
}

/** An http(s) URL without its trailing slashes. */
function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument(`--server-url '${value}' is not a URL (http://host:port)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalidArgument(`--server-url '${value}': the server is reached over http or https`);
  return value.replace(/\/+$/, "");
}

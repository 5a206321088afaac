/**
 * The `noetl` command line. Each command lives in `commands/<name>.ts` and exports
 * `register(program)`; this file only lists them.
 */
import { Command } from "commander";
import { exitWithError } from "./exit.ts";

const program = new Command()
  .name("noetl")
  .description("NoETL workflow engine: run playbooks embedded, or as a server with workers")
  .version("0.1.0")
  .enablePositionalOptions()
  .showHelpAfterError();

// Command modules (one line each; keep sorted).
const modules: Array<() => Promise<{ register(p: Command): void }>> = [
  () => import("./commands/catalog.ts"),
  () => import("./commands/cleanup.ts"),
  () => import("./commands/context.ts"),
  () => import("./commands/credential.ts"),
  () => import("./commands/exec.ts"),
  () => import("./commands/inspect.ts"),
  () => import("./commands/list.ts"),
  () => import("./commands/run.ts"),
  () => import("./commands/server.ts"),
  () => import("./commands/validate.ts"),
];

for (const load of modules) (await load()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  exitWithError(error);
}

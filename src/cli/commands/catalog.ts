import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { embedded, readConfig } from "../../app/index.ts";
import { readPlaybookSource } from "../read-source.ts";

interface CatalogOptions {
  db?: string;
  json?: boolean;
}

/** `noetl catalog register FILE|DIR` and `noetl catalog list` against the embedded store. */
export function register(program: Command): void {
  const catalog = program.command("catalog").description("register and list playbooks");

  catalog
    .command("register")
    .description("validate and register playbook files (a directory registers every .yaml in it)")
    .argument("<paths...>")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("--json", "JSON output")
    .action(async (paths: string[], options: CatalogOptions) => {
      const files = paths.flatMap(expand);
      await withStoreApp(options, async (app) => {
        for (const file of files) {
          const entry = await app.orchestrator.register(readPlaybookSource(file), { file });
          if (options.json)
            process.stdout.write(`${JSON.stringify({ file, path: entry.path, version: entry.version })}\n`);
          else process.stdout.write(`registered ${entry.path} v${entry.version} (${file})\n`);
        }
      });
    });

  catalog
    .command("list")
    .description("list registered playbooks")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("--json", "JSON output")
    .action(async (options: CatalogOptions) => {
      await withStoreApp(options, async (app) => {
        const entries = await app.store.catalogList();
        for (const e of entries) {
          if (options.json) {
            const { content: _c, ...rest } = e;
            process.stdout.write(`${JSON.stringify(rest)}\n`);
          } else process.stdout.write(`${e.path}  v${e.version}  ${new Date(e.created_at).toISOString()}\n`);
        }
      });
    });
}

function expand(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => join(path, f));
}

async function withStoreApp(
  options: CatalogOptions,
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
}

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { exitWithError } from "../exit.ts";
import { readPlaybookSource } from "../read-source.ts";
import { remoteClient } from "../remote.ts";
import { withStoreApp } from "../with-store-app.ts";

interface CatalogOptions {
  db?: string;
  json?: boolean;
  server?: string;
}

/** A catalog entry as the API lists it (no content). */
interface EntryInfo {
  catalog_id: string;
  path: string;
  version: number;
  kind: string;
  created_at: number;
}

/**
 * `noetl catalog register FILE|DIR`, `list`, `get PATH`: the embedded store by default, a server
 * with `--server URL` or NOETL_SERVER_URL.
 */
export function register(program: Command): void {
  const catalog = program.command("catalog").description("register, list and read playbooks");

  catalog
    .command("register")
    .description("validate and register playbook files (a directory registers every .yaml in it)")
    .argument("<paths...>")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("--server <url>", "register on a server")
    .option("--json", "JSON output")
    .action(async (paths: string[], options: CatalogOptions) => {
      try {
        const files = paths.flatMap(expand);
        const remote = remoteClient(options.server);
        const registered: Array<{ file: string; path: string; version: number; catalog_id: string }> = [];
        if (remote) {
          for (const file of files) {
            const e = await remote.post<EntryInfo>("/api/catalog/register", {
              content: readPlaybookSource(file),
            });
            registered.push({ file, path: e.path, version: e.version, catalog_id: e.catalog_id });
          }
        } else {
          await withStoreApp(options.db, async (app) => {
            for (const file of files) {
              const e = await app.orchestrator.register(readPlaybookSource(file), { file });
              registered.push({ file, path: e.path, version: e.version, catalog_id: e.catalog_id });
            }
          });
        }
        for (const r of registered) {
          process.stdout.write(
            options.json
              ? `${JSON.stringify(r)}\n`
              : `registered ${r.path} v${r.version} (${r.file}), catalog id ${r.catalog_id}\n`,
          );
        }
      } catch (error) {
        exitWithError(error);
      }
    });

  catalog
    .command("list")
    .description("list registered playbooks")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("--server <url>", "list a server's catalog")
    .option("--json", "JSON output")
    .action(async (options: CatalogOptions) => {
      try {
        const remote = remoteClient(options.server);
        let entries: EntryInfo[] = [];
        if (remote) entries = (await remote.get<{ entries: EntryInfo[] }>("/api/catalog/list")).entries;
        else
          await withStoreApp(options.db, async (app) => {
            entries = (await app.store.catalogList()).map(({ content: _c, ...rest }) => rest);
          });
        for (const e of entries) {
          process.stdout.write(
            options.json
              ? `${JSON.stringify(e)}\n`
              : `${e.path}  v${e.version}  ${new Date(e.created_at).toISOString()}\n`,
          );
        }
      } catch (error) {
        exitWithError(error);
      }
    });

  catalog
    .command("get")
    .description("print a registered playbook's YAML (latest version unless --version)")
    .argument("<path>")
    .option("--version <n>", "catalog version")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("--server <url>", "read from a server")
    .action(async (path: string, options: CatalogOptions & { version?: string }) => {
      try {
        const remote = remoteClient(options.server);
        let content: string | undefined;
        if (remote) {
          const q = `path=${encodeURIComponent(path)}${options.version ? `&version=${options.version}` : ""}`;
          content = (await remote.get<{ content: string }>(`/api/catalog/resource?${q}`)).content;
        } else {
          await withStoreApp(options.db, async (app) => {
            content = (
              await app.store.catalogGet(path, options.version ? Number(options.version) : undefined)
            )?.content;
          });
        }
        if (content === undefined) {
          process.stderr.write(`no playbook registered at ${path}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(content.endsWith("\n") ? content : `${content}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
}

function expand(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => join(path, f));
}

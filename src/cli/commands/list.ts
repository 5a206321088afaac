/** `noetl list executions|playbooks|credentials`: the embedded store, or a server (--server). */
import type { Command } from "commander";
import { NoetlError } from "../../kernel/index.ts";
import { executionPages } from "../execution-pages.ts";
import { EXIT_INVALID, exitWithError } from "../exit.ts";
import { remoteClient } from "../remote.ts";
import { wholeNumber } from "../whole-number.ts";
import { withStoreApp } from "../with-store-app.ts";

const TYPES = ["executions", "playbooks", "credentials"] as const;
type ListType = (typeof TYPES)[number];
const STATUSES = ["running", "completed", "failed", "cancelled"];

interface ListOptions {
  json?: boolean;
  status?: string;
  limit?: string;
  db?: string;
  server?: string;
}

export function register(program: Command): void {
  program
    .command("list")
    .description("list executions, playbooks or credentials (never credential data)")
    .argument("<type>", "executions, playbooks or credentials")
    .option("-j, --json", "JSON output (one document per line)")
    .option("--status <status>", "executions: running, completed, failed or cancelled")
    .option("--limit <n>", "executions: at most this many, newest first (default 50)")
    .option("--db <path>", "SQLite database file (default .noetl/noetl.db)")
    .option("--server <url>", "list a server's")
    .action(async (type: string, o: ListOptions) => {
      let what: ListType;
      let limit = 50;
      try {
        const t = type.toLowerCase().replace(/s?$/, "s");
        if (!(TYPES as readonly string[]).includes(t))
          throw new NoetlError(
            "NOETL_E_CLI_ARGUMENT",
            `list executions, playbooks or credentials, not '${type}'`,
          );
        what = t as ListType;
        if (o.limit !== undefined) limit = wholeNumber("--limit", o.limit, 1);
        if (o.status !== undefined && !STATUSES.includes(o.status))
          throw new NoetlError(
            "NOETL_E_CLI_ARGUMENT",
            `--status is one of ${STATUSES.join(", ")}, not '${o.status}'`,
          );
      } catch (error) {
        exitWithError(error, EXIT_INVALID);
      }
      try {
        const rows = await read(what, o, limit);
        for (const row of rows)
          process.stdout.write(o.json ? `${JSON.stringify(row)}\n` : `${line(what, row)}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
}

type Row = Record<string, unknown>;

async function read(what: ListType, o: ListOptions, limit: number): Promise<Row[]> {
  const remote = remoteClient(o.server);
  const filter = { ...(o.status ? { status: o.status } : {}), limit };
  if (remote) {
    if (what === "executions") return executionPages({ remote }, filter) as unknown as Promise<Row[]>;
    if (what === "playbooks")
      return (await remote.get<{ entries: Row[] }>("/api/catalog/list?kind=Playbook")).entries;
    return (await remote.get<{ credentials: Row[] }>("/api/credentials")).credentials;
  }
  return withStoreApp(o.db, async (app) => {
    if (what === "executions") return (await executionPages({ app }, filter)) as unknown as Row[];
    if (what === "playbooks")
      return (await app.store.catalogList({ kind: "Playbook" })).map(({ content: _c, ...rest }) => rest);
    return (await app.credentials.list()) as unknown as Row[];
  });
}

function line(what: ListType, r: Row): string {
  const time = (ms: unknown) => (typeof ms === "number" ? new Date(ms).toISOString() : "");
  if (what === "executions")
    return `${r.execution_id}  ${String(r.status).padEnd(9)}  ${time(r.started_at)}  ${r.path}${r.catalog_version !== undefined ? ` v${r.catalog_version}` : ""}`;
  if (what === "playbooks") return `${r.path}  v${r.version}  ${time(r.created_at)}`;
  return `${r.name}\t${r.type}`;
}

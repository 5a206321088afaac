/** `noetl credential add|list|rm`: the embedded store, or a server with --server / NOETL_SERVER_URL. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CredentialService, openEmbeddedStore, readConfig } from "../../app/index.ts";
import type { JsonObject } from "../../kernel/index.ts";
import { NoetlError } from "../../kernel/index.ts";
import { exitWithError } from "../exit.ts";
import { remoteClient } from "../remote.ts";

async function local<T>(db: string | undefined, fn: (s: CredentialService) => Promise<T>): Promise<T> {
  const config = readConfig();
  const store = await openEmbeddedStore(db);
  try {
    return await fn(
      new CredentialService(store, {
        ...(config.secretKey ? { secretKey: config.secretKey } : {}),
        keyFile: `${config.home}/secret.key`,
      }),
    );
  } finally {
    await store.close();
  }
}

function readData(arg: string): JsonObject {
  const text = arg.startsWith("@") ? readFileSync(arg.slice(1), "utf8") : arg;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new NoetlError("NOETL_E_CLI_ARGUMENT", "--data must be a JSON object (or @file with one)");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new NoetlError("NOETL_E_CLI_ARGUMENT", "--data must be a JSON object");
  return data as JsonObject;
}

export function register(program: Command): void {
  const cred = program
    .command("credential")
    .description("manage encrypted credentials (used by `auth:` and keychain)");
  cred
    .command("add")
    .argument("<name>")
    .requiredOption("--type <type>", "postgres, http, bearer, basic, api_key, nats, generic …")
    .requiredOption("--data <json|@file>", "the secret fields as a JSON object")
    .option("--description <text>")
    .option("--db <path>", "SQLite database file (embedded)")
    .option("--server <url>", "server URL")
    .action(
      async (
        name: string,
        o: { type: string; data: string; description?: string; db?: string; server?: string },
      ) => {
        try {
          const data = readData(o.data);
          const remote = remoteClient(o.server);
          if (remote)
            await remote.post("/api/credentials", {
              name,
              type: o.type,
              data,
              ...(o.description ? { description: o.description } : {}),
            });
          else
            await local(o.db, (s) =>
              s.put(name, o.type, data, o.description ? { description: o.description } : {}),
            );
          process.stdout.write(`stored credential ${name} (${o.type})\n`);
        } catch (error) {
          exitWithError(error);
        }
      },
    );
  cred
    .command("list")
    .option("--json", "JSON output")
    .option("--db <path>", "SQLite database file (embedded)")
    .option("--server <url>", "server URL")
    .action(async (o: { json?: boolean; db?: string; server?: string }) => {
      try {
        const remote = remoteClient(o.server);
        const list = remote
          ? (await remote.get<{ credentials: Array<{ name: string; type: string }> }>("/api/credentials"))
              .credentials
          : await local(o.db, (s) => s.list());
        if (o.json) process.stdout.write(`${JSON.stringify(list)}\n`);
        else for (const c of list) process.stdout.write(`${c.name}\t${c.type}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
  cred
    .command("rm")
    .argument("<name>")
    .option("--db <path>", "SQLite database file (embedded)")
    .option("--server <url>", "server URL")
    .action(async (name: string, o: { db?: string; server?: string }) => {
      try {
        const remote = remoteClient(o.server);
        let ok = true;
        if (remote) await remote.delete(`/api/credentials/${encodeURIComponent(name)}`);
        else ok = await local(o.db, (s) => s.delete(name));
        if (!ok) throw new NoetlError("NOETL_E_CREDENTIAL_NOT_FOUND", `credential '${name}' not found`);
        process.stdout.write(`removed credential ${name}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
}

import type pg from "pg";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import { sqlStatements } from "../sql-statements.ts";
import type { ToolContext } from "../tool.ts";

const { configError } = sqlStatements("postgres", {
  config: "NOETL_E_PG_CONFIG",
  script: "NOETL_E_PG_SCRIPT",
});

/** Where to connect: the pg client settings and a stable key for the pool cache. */
export interface PgConnection {
  key: string;
  config: pg.ClientConfig;
}

/**
 * The connection of a task: config `connection` (a URL or `key=value` DSN), or `auth` naming a
 * credential (`auth: name`, `auth: {credential: name}`, or inline credential fields). Credential
 * data accepts `db_host/db_port/db_user/db_password/db_name`, `host/port/user/password/database`
 * and `connection_string`/`dsn`/`url`, plus `sslmode` or `ssl`. Passwords are registered as secrets.
 */
export async function connectionOf(config: JsonObject, ctx: ToolContext): Promise<PgConnection> {
  const direct = config.connection ?? config.connection_string ?? config.dsn;
  let data: JsonObject;
  if (typeof direct === "string" && direct !== "") data = { connection_string: direct };
  else if (isJsonObject(direct)) data = direct;
  else data = await credentialOf(config.auth ?? config.credential, ctx);
  const clientConfig = clientConfigOf(data);
  if (typeof clientConfig.password === "string" && clientConfig.password !== "")
    ctx.addSecret(clientConfig.password);
  if (clientConfig.connectionString) {
    const password = urlPassword(clientConfig.connectionString);
    if (password) ctx.addSecret(password);
  }
  return { key: JSON.stringify(clientConfig), config: clientConfig };
}

async function credentialOf(auth: Json | undefined, ctx: ToolContext): Promise<JsonObject> {
  if (typeof auth === "string" && auth !== "") return ctx.credentials.get(auth);
  if (isJsonObject(auth)) {
    const name = auth.credential ?? auth.name ?? (auth.source === "credential" ? auth.key : undefined);
    if (typeof name === "string" && name !== "") return ctx.credentials.get(name);
    return auth;
  }
  throw configError("kind: postgres needs `auth` (a credential name) or `connection`");
}

export function clientConfigOf(data: JsonObject): pg.ClientConfig {
  const ssl = sslOf(data);
  const dsn = str(data.connection_string) ?? str(data.dsn) ?? str(data.url) ?? str(data.connection);
  if (dsn) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dsn)) return { connectionString: dsn, ...ssl };
    return { ...clientConfigOf(keyValueDsn(dsn)), ...ssl };
  }
  const config: pg.ClientConfig = {};
  const host = str(data.db_host) ?? str(data.host) ?? str(data.hostname);
  const port = Number(data.db_port ?? data.port);
  const user = str(data.db_user) ?? str(data.user) ?? str(data.username);
  const password = data.db_password ?? data.password;
  const database = str(data.db_name) ?? str(data.database) ?? str(data.dbname);
  if (host) config.host = host;
  if (Number.isInteger(port) && port > 0) config.port = port;
  if (user) config.user = user;
  if (password !== undefined && password !== null) config.password = String(password);
  if (database) config.database = database;
  if (!host && !database) throw configError("postgres credential has no host, database or connection_string");
  return { ...config, ...ssl };
}

function sslOf(data: JsonObject): Pick<pg.ClientConfig, "ssl"> {
  const mode = str(data.sslmode) ?? str(data.db_sslmode);
  if (mode === "disable" || mode === "allow" || mode === "prefer") return {};
  if (mode === "require") return { ssl: { rejectUnauthorized: false } };
  if (mode === "verify-ca" || mode === "verify-full") return { ssl: true };
  if (typeof data.ssl === "boolean") return { ssl: data.ssl };
  return {};
}

/** libpq `key=value key='quoted value'` DSN → credential fields. */
function keyValueDsn(dsn: string): JsonObject {
  const out: JsonObject = {};
  const re = /(\w+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/g;
  for (const m of dsn.matchAll(re)) {
    const key = m[1] as string;
    out[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
  }
  return out;
}

function urlPassword(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === "" ? undefined : password;
  } catch {
    return undefined;
  }
}

function str(value: Json | undefined): string | undefined {
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

import type { KV } from "@nats-io/kv";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection, NodeConnectionOptions } from "@nats-io/transport-node";
import { connect } from "@nats-io/transport-node";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import type { ErrorKind } from "../../protocol/index.ts";
import { abortError } from "../abort-error.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";

const DEFAULT_SERVER = "nats://127.0.0.1:4222";
const CONNECT_TIMEOUT_MS = 5_000;
const OPERATIONS = ["kv_get", "kv_put", "kv_delete", "kv_keys", "publish"] as const;
type Operation = (typeof OPERATIONS)[number];

interface NatsAuth {
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * `kind: nats` (DECISIONS 35): `operation` `kv_get | kv_put | kv_delete | kv_keys | publish` on
 * `servers`/`url` (default nats://127.0.0.1:4222) with an optional `auth` credential
 * (`{user, pass}` or `{token}`). Connections are cached per servers+auth and closed by `close()`.
 */
export function createNatsTool(): Tool {
  const connections = new Map<string, Promise<NatsConnection>>();

  const connectionFor = async (servers: string[], auth: NatsAuth): Promise<NatsConnection> => {
    const key = JSON.stringify([servers, auth]);
    const cached = connections.get(key);
    if (cached) {
      const nc = await cached.catch(() => undefined);
      if (nc && !nc.isClosed()) return nc;
      connections.delete(key);
    }
    const options: NodeConnectionOptions = {
      servers,
      timeout: CONNECT_TIMEOUT_MS,
      name: "noetl-nats-tool",
      ...auth,
    };
    const pending = connect(options);
    connections.set(key, pending);
    pending.catch(() => connections.delete(key));
    return pending;
  };

  return {
    kind: "nats",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const operation = operationOf(config);
      const servers = serversOf(config);
      const auth = await authOf(config.auth ?? config.credential, ctx);
      if (ctx.signal.aborted) throw aborted(ctx.signal);
      try {
        const nc = await withSignal(connectionFor(servers, auth), ctx.signal);
        return await withSignal(execute(operation, config, nc), ctx.signal);
      } catch (error) {
        if (error instanceof ToolError) throw error;
        if (ctx.signal.aborted) throw aborted(ctx.signal);
        throw classify(error, operation, config);
      }
    },

    async close(): Promise<void> {
      const all = [...connections.values()];
      connections.clear();
      await Promise.allSettled(all.map(async (p) => (await p).close()));
    },
  };
}

async function execute(operation: Operation, config: JsonObject, nc: NatsConnection): Promise<JsonObject> {
  if (operation === "publish") {
    const subject = required(config, "subject");
    nc.publish(subject, payloadOf(config.data ?? config.value ?? config.payload ?? null));
    await nc.flush();
    return { subject, published: true };
  }
  const bucket = required(config, "bucket");
  const kvm = new Kvm(nc);
  switch (operation) {
    case "kv_put": {
      const key = required(config, "key");
      const kv = await kvm.create(bucket);
      const revision = await kv.put(key, payloadOf(config.value ?? config.data ?? null));
      return { key, revision };
    }
    case "kv_get": {
      const key = required(config, "key");
      const entry = await (await openExisting(kvm, bucket)).get(key);
      if (entry?.operation !== "PUT") return { key, value: null, revision: null };
      return { key, value: decode(entry.string()), revision: entry.revision };
    }
    case "kv_delete": {
      const key = required(config, "key");
      await (await openExisting(kvm, bucket)).delete(key);
      return { key, deleted: true };
    }
    case "kv_keys": {
      const filter = typeof config.filter === "string" && config.filter !== "" ? config.filter : undefined;
      const keys: string[] = [];
      for await (const key of await (await openExisting(kvm, bucket)).keys(filter)) keys.push(key);
      return { keys: keys.sort() };
    }
  }
}

/** Opens a bucket that must exist (a missing one fails with a clear not_found). */
async function openExisting(kvm: Kvm, bucket: string): Promise<KV> {
  const kv = await kvm.open(bucket);
  await kv.status();
  return kv;
}

function operationOf(config: JsonObject): Operation {
  const raw = config.operation ?? config.op ?? config.action;
  const op = typeof raw === "string" ? raw.toLowerCase() : "";
  const found = OPERATIONS.find((o) => o === op);
  if (!found) {
    throw configError(
      `kind: nats: \`operation\` must be one of ${OPERATIONS.join(", ")} (got ${JSON.stringify(raw ?? null)})`,
    );
  }
  return found;
}

function serversOf(config: JsonObject): string[] {
  const raw = config.servers ?? config.url ?? config.server;
  const list = Array.isArray(raw)
    ? raw
    : typeof raw === "string" && raw !== ""
      ? raw.split(",")
      : [DEFAULT_SERVER];
  const servers = list
    .filter((s): s is string => typeof s === "string" && s.trim() !== "")
    .map((s) => s.trim());
  if (servers.length === 0) throw configError("kind: nats: `servers` holds no server url");
  return servers;
}

async function authOf(auth: Json | undefined, ctx: ToolContext): Promise<NatsAuth> {
  if (auth === undefined || auth === null || auth === "") return {};
  let data: JsonObject;
  if (typeof auth === "string") data = await ctx.credentials.get(auth);
  else if (isJsonObject(auth)) {
    const name = auth.credential ?? (auth.source === "credential" ? auth.key : undefined);
    data = typeof name === "string" && name !== "" ? await ctx.credentials.get(name) : auth;
  } else throw configError("kind: nats: `auth` must be a credential name or an object");
  const token = str(data.token);
  if (token) {
    ctx.addSecret(token);
    return { token };
  }
  const user = str(data.user) ?? str(data.username);
  const pass = str(data.pass) ?? str(data.password);
  if (user) {
    if (pass) ctx.addSecret(pass);
    return { user, ...(pass ? { pass } : {}) };
  }
  throw configError("kind: nats: the auth credential needs `token` or `user`/`pass`");
}

function required(config: JsonObject, field: string): string {
  const value = config[field];
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  throw configError(`kind: nats: this operation needs \`${field}\``);
}

/** A string is sent as is; any other value JSON-encoded. */
function payloadOf(value: Json): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parsed JSON when the stored text is JSON, else the text. */
function decode(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

function str(value: Json | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Rejects with the signal's reason as soon as it aborts. */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function classify(error: unknown, operation: Operation, config: JsonObject): ToolError {
  const target = operation === "publish" ? String(config.subject ?? "") : String(config.bucket ?? "");
  const where = `nats ${operation}${target ? ` ${target}` : ""}`;
  const [kind, retryable, code, message] = kindOf(error, config);
  return new ToolError({ kind, retryable, code, message: `${where}: ${message}` }, { cause: error });
}

function kindOf(error: unknown, config: JsonObject): [ErrorKind, boolean, string, string] {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (name === "ConnectionError" || /ECONNREFUSED|connection refused/i.test(message))
    return ["connection", true, "NOETL_E_NATS_CONNECTION", message];
  if (name === "TimeoutError") return ["timeout", true, "NOETL_E_NATS_TIMEOUT", message];
  if (/Authorization|PermissionViolation|AuthenticationExpired/.test(name))
    return ["auth", false, "NOETL_E_NATS_AUTH", message];
  if (name === "StreamNotFoundError")
    return ["not_found", false, "NOETL_E_NATS_NOT_FOUND", `bucket ${String(config.bucket ?? "")} not found`];
  if (name === "InvalidArgumentError" || name === "InvalidSubjectError" || /^invalid key/i.test(message))
    return ["schema", false, "NOETL_E_NATS_CONFIG", message];
  return ["tool_error", false, "NOETL_E_NATS_ERROR", message];
}

function configError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_NATS_CONFIG", message });
}

function aborted(signal: AbortSignal): ToolError {
  return abortError(signal, {
    timeoutCode: "NOETL_E_NATS_TIMEOUT",
    timeout: "nats operation ran past the task timeout",
    cancelled: "nats task cancelled",
  });
}

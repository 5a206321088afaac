import type { NatsConnection, NodeConnectionOptions } from "@nats-io/transport-node";
import { connect } from "@nats-io/transport-node";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import type { ErrorKind } from "../../protocol/index.ts";
import { abortError } from "../abort-error.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { KV_OPERATIONS, type KvOperation, runKvOperation } from "./kv-operations.ts";
import { configError } from "./nats-config.ts";
import { OBJECT_OPERATIONS, type ObjectOperation, runObjectOperation } from "./object-operations.ts";
import { runStreamOperation, STREAM_OPERATIONS, type StreamOperation } from "./stream-operations.ts";

const DEFAULT_SERVER = "nats://127.0.0.1:4222";
const CONNECT_TIMEOUT_MS = 5_000;
const OPERATIONS = [...KV_OPERATIONS, ...OBJECT_OPERATIONS, ...STREAM_OPERATIONS] as const;
type Operation = KvOperation | ObjectOperation | StreamOperation;

interface NatsAuth {
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * `kind: nats` (DECISIONS 35): `operation` — key/value (`kv_*`), object store (`object_*`),
 * publishing (`publish`, `js_publish`) and stream reads (`js_get_msg`, `js_stream_info`) — on
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

function execute(operation: Operation, config: JsonObject, nc: NatsConnection): Promise<JsonObject> {
  if (isOneOf(KV_OPERATIONS, operation)) return runKvOperation(operation, config, nc);
  if (isOneOf(OBJECT_OPERATIONS, operation)) return runObjectOperation(operation, config, nc);
  return runStreamOperation(operation, config, nc);
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
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
  const target = String(config.bucket ?? config.stream ?? config.subject ?? "");
  const where = `nats ${operation}${target ? ` ${target}` : ""}`;
  const [kind, retryable, code, message] = kindOf(error, operation, config);
  return new ToolError({ kind, retryable, code, message: `${where}: ${message}` }, { cause: error });
}

function kindOf(
  error: unknown,
  operation: Operation,
  config: JsonObject,
): [ErrorKind, boolean, string, string] {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (name === "ConnectionError" || /ECONNREFUSED|connection refused/i.test(message))
    return ["connection", true, "NOETL_E_NATS_CONNECTION", message];
  if (name === "TimeoutError") return ["timeout", true, "NOETL_E_NATS_TIMEOUT", message];
  if (/Authorization|PermissionViolation|AuthenticationExpired/.test(name))
    return ["auth", false, "NOETL_E_NATS_AUTH", message];
  if (name === "StreamNotFoundError") {
    const what =
      config.bucket !== undefined
        ? `bucket ${String(config.bucket)}`
        : `stream ${String(config.stream ?? "")}`;
    return ["not_found", false, "NOETL_E_NATS_NOT_FOUND", `${what} not found`];
  }
  if (name === "ObjectNotFoundError") return ["not_found", false, "NOETL_E_NATS_NOT_FOUND", message];
  // a JetStream publish that no stream answers (the client cannot tell it from no JetStream)
  if (name === "JetStreamNotEnabled" && operation === "js_publish")
    return [
      "not_found",
      false,
      "NOETL_E_NATS_NOT_FOUND",
      `no stream captures subject ${String(config.subject ?? "")} (or JetStream is not enabled)`,
    ];
  if (name === "InvalidArgumentError" || name === "InvalidSubjectError" || /^invalid key/i.test(message))
    return ["schema", false, "NOETL_E_NATS_CONFIG", message];
  return ["tool_error", false, "NOETL_E_NATS_ERROR", message];
}

function aborted(signal: AbortSignal): ToolError {
  return abortError(signal, {
    timeoutCode: "NOETL_E_NATS_TIMEOUT",
    timeout: "nats operation ran past the task timeout",
    cancelled: "nats task cancelled",
  });
}

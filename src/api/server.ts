/**
 * The HTTP API (reference §7, DECISIONS 39): routes only. Everything they do is a call on the
 * orchestrator, the store or the credential service handed in by `app/`.
 */
import { timingSafeEqual } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { ZodType } from "zod";
import { PlaybookInvalidError } from "../dsl/index.ts";
import type { CommandId, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { ClaimResult, EventType, ExecutionInfo, NoetlEvent, WorkerEvent } from "../protocol/index.ts";
import { TERMINAL_EVENTS } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import { ApiMetrics } from "./metrics.ts";
import {
  CancelBody,
  ClaimBody,
  ClaimManyBody,
  CredentialBody,
  EventsBody,
  ExecuteBody,
  RegisterBody,
  ReportsBody,
  ResultBody,
  WorkerBody,
} from "./schemas.ts";

/** What the API needs of the credential service (implemented in app/). */
export interface CredentialsPort {
  put(
    name: string,
    type: string,
    data: JsonObject,
    extra?: { description?: string; tags?: string[] },
  ): Promise<unknown>;
  get(name: string): Promise<JsonObject>;
  list(): Promise<unknown[]>;
  info(name: string): Promise<unknown>;
  delete(name: string): Promise<boolean>;
}

/** Execution info up to this size (JSON characters) rides along with a claim. */
const CLAIM_INFO_LIMIT = 4096;

export interface ApiOptions {
  orchestrator: Orchestrator;
  store: Store;
  credentials: CredentialsPort;
  /** Bearer token required on every /api route but /api/health when set. */
  token?: string;
  /** Request body limit in bytes (default 10 MiB). */
  bodyLimit?: number;
  /** Serves the web UI at `/` when given (a directory of static files). */
  uiRoot?: string;
  logger?: boolean;
}

export class ApiError extends NoetlError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details ? { details } : {});
  }
}

/** The HTTP status of a NoetlError that reaches a route: 404 for what does not exist, else 400. */
function noetlStatus(error: NoetlError): number {
  if (error instanceof ApiError) return error.status;
  return /NOT_FOUND|NOT_AVAILABLE/.test(error.code) ? 404 : 400;
}

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const { orchestrator, store, credentials } = options;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024 });
  const metrics = new ApiMetrics(orchestrator);
  app.addHook("onClose", async () => metrics.close());

  await app.register(swagger, {
    openapi: {
      info: { title: "NoETL API", version: "0.1.0", description: "NoETL-compatible control plane API" },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.setErrorHandler((error, _req, reply) => {
    const e = error as Error & { statusCode?: number; code?: string; validation?: unknown };
    if (error instanceof ApiError)
      return reply.status(error.status).send(body(error.code, error.message, error.details));
    if (error instanceof PlaybookInvalidError) {
      return reply.status(422).send(body(error.code, error.message, { diagnostics: error.diagnostics }));
    }
    if (error instanceof NoetlError)
      return reply.status(noetlStatus(error)).send(body(error.code, error.message));
    if (e.statusCode && e.statusCode < 500) {
      const code = e.statusCode === 413 ? "NOETL_E_API_TOO_LARGE" : "NOETL_E_API_BAD_REQUEST";
      return reply.status(e.statusCode).send(body(code, e.message));
    }
    app.log.error(error);
    return reply.status(500).send(body("NOETL_E_API_INTERNAL", "internal error"));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(body("NOETL_E_API_NOT_FOUND", `no route ${req.method} ${req.url}`)),
  );

  if (options.token) {
    const expected = Buffer.from(`Bearer ${options.token}`);
    app.addHook("onRequest", async (req) => {
      if (!req.url.startsWith("/api/") || req.url.startsWith("/api/health")) return;
      const got = Buffer.from(req.headers.authorization ?? "");
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        throw new ApiError(401, "NOETL_E_API_UNAUTHORIZED", "missing or wrong bearer token");
      }
    });
  }

  // ---- health and metrics ---------------------------------------------------------------------
  app.get("/api/health", { schema: { tags: ["system"] } }, async () => ({ status: "ok" }));
  const metricsRoute = async (_req: FastifyRequest, reply: FastifyReply) => {
    reply.header("content-type", metrics.contentType);
    return metrics.text();
  };
  app.get("/metrics", { schema: { hide: true } }, metricsRoute);
  app.get("/api/metrics", { schema: { tags: ["system"] } }, metricsRoute);

  // ---- catalog --------------------------------------------------------------------------------
  app.post("/api/catalog/register", { schema: { tags: ["catalog"] } }, async (req, reply) => {
    const b = parse(RegisterBody, req.body);
    const content = b.content ?? Buffer.from(b.content_base64 ?? "", "base64").toString("utf8");
    const entry = await orchestrator.register(content);
    return reply
      .status(201)
      .send({ catalog_id: entry.catalog_id, path: entry.path, version: entry.version, kind: entry.kind });
  });
  const listCatalog = async (req: FastifyRequest) => {
    const q = req.query as { path?: string };
    const entries = await store.catalogList(q.path ? { path: q.path } : {});
    return { entries: entries.map(({ content: _c, ...rest }) => rest) };
  };
  app.get("/api/catalog/list", { schema: { tags: ["catalog"] } }, listCatalog);
  app.post("/api/catalog/list", { schema: { tags: ["catalog"] } }, listCatalog);
  app.get("/api/catalog/resource", { schema: { tags: ["catalog"] } }, async (req) => {
    const q = req.query as { path?: string; version?: string };
    if (!q.path) throw new ApiError(422, "NOETL_E_API_VALIDATION", "query parameter `path` is required");
    const entry = await store.catalogGet(q.path, q.version ? Number(q.version) : undefined);
    if (!entry) throw new ApiError(404, "NOETL_E_CATALOG_NOT_FOUND", `no playbook at ${q.path}`);
    return entry;
  });

  // ---- executions -----------------------------------------------------------------------------
  app.post("/api/execute", { schema: { tags: ["executions"] } }, async (req, reply) => {
    const b = parse(ExecuteBody, req.body);
    const { execution_id } = await orchestrator.execute({
      ...(b.path ? { path: b.path } : {}),
      ...(b.version !== undefined ? { version: Number(b.version) } : {}),
      ...(b.content ? { content: b.content } : {}),
      payload: (b.payload ?? b.workload ?? {}) as JsonObject,
      ...(b.parent_execution_id ? { parent_execution_id: b.parent_execution_id as ExecutionId } : {}),
    });
    return reply.status(201).send({ execution_id, status: "running" });
  });
  app.get("/api/executions", { schema: { tags: ["executions"] } }, async (req) => {
    const q = req.query as {
      status?: string;
      path?: string;
      limit?: string;
      offset?: string;
      parent_execution_id?: string;
    };
    const rows = await store.listExecutions({
      ...(q.status ? { status: q.status as never } : {}),
      ...(q.path ? { path: q.path } : {}),
      ...(q.parent_execution_id ? { parent_execution_id: q.parent_execution_id as ExecutionId } : {}),
      limit: clampInt(q.limit, 50, 1, 500),
      offset: clampInt(q.offset, 0, 0, 1_000_000),
    });
    return { executions: rows };
  });
  app.get("/api/executions/:id", { schema: { tags: ["executions"] } }, async (req) => {
    const id = idParam(req);
    const row = await execution(store, id);
    const s = await orchestrator.status(id);
    return {
      ...row,
      status: s.status,
      result: s.result,
      error: s.error,
      steps: s.steps,
      runs: s.runs,
      current: s.current,
    };
  });
  app.get("/api/executions/:id/status", { schema: { tags: ["executions"] } }, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    const s = await orchestrator.status(id);
    return { execution_id: id, status: s.status, current: s.current, runs: s.runs, error: s.error };
  });
  app.get("/api/executions/:id/result", { schema: { tags: ["executions"] } }, async (req) => {
    const id = idParam(req);
    const row = await execution(store, id);
    const s = await orchestrator.status(id);
    return {
      execution_id: id,
      status: s.status,
      result: s.result,
      error: s.error,
      steps: s.steps,
      runs: s.runs,
      duration_ms: row.ended_at !== undefined ? row.ended_at - row.started_at : null,
    };
  });
  app.get("/api/executions/:id/vars", { schema: { tags: ["executions"] } }, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    return { execution_id: id, ctx: (await orchestrator.status(id)).ctx };
  });
  app.get("/api/executions/:id/info", { schema: { tags: ["workers"] } }, async (req) =>
    orchestrator.getExecution(idParam(req)),
  );
  app.get("/api/executions/:id/events", { schema: { tags: ["events"] } }, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    const q = req.query as { after_seq?: string; limit?: string; types?: string };
    const events = await store.readEvents(id, {
      afterSeq: clampInt(q.after_seq, 0, 0, Number.MAX_SAFE_INTEGER),
      limit: clampInt(q.limit, 1000, 1, 10_000),
      ...(q.types ? { types: q.types.split(",") as EventType[] } : {}),
    });
    return { events };
  });
  app.get("/api/executions/:id/wait", { schema: { tags: ["executions"] } }, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    const q = req.query as { timeout_ms?: string };
    const deadline = Date.now() + clampInt(q.timeout_ms, 25_000, 1, 60_000);
    // Waits on this replica's watchers, re-checking the store each second (another replica may
    // have finished the execution).
    while (Date.now() < deadline) {
      const row = await execution(store, id);
      if (row.status !== "running") break;
      try {
        return await orchestrator.waitFor(
          id,
          AbortSignal.timeout(Math.min(1000, Math.max(1, deadline - Date.now()))),
        );
      } catch {
        // not finished within this slice
      }
    }
    const s = await orchestrator.status(id);
    return { execution_id: id, status: s.status, result: s.result, error: s.error };
  });
  app.post("/api/executions/:id/cancel", { schema: { tags: ["executions"] } }, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    const b = parse(CancelBody, req.body);
    const cancelled = await orchestrator.cancel(id, b?.reason, b?.cascade ?? true);
    return { execution_id: id, cancelled };
  });
  app.get("/api/executions/:id/stream", { schema: { tags: ["events"] } }, async (req, reply) => {
    const id = idParam(req);
    await execution(store, id);
    const q = req.query as { after_seq?: string };
    const after = clampInt(
      (req.headers["last-event-id"] as string | undefined) ?? q.after_seq,
      0,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    await streamEvents(store, orchestrator, id, after, req, reply);
  });

  // ---- events from workers ----------------------------------------------------------------------
  const ingest = async (req: FastifyRequest, reply: FastifyReply) => {
    const b = parse(EventsBody, req.body);
    const events = (b.events ?? (b.event ? [b.event] : [])) as unknown as WorkerEvent[];
    const key = req.headers["idempotency-key"];
    const stamped =
      typeof key === "string" && key
        ? events.map((e, i) => (e.event_id ? e : { ...e, event_id: `${key}:${i}` }))
        : events;
    await orchestrator.report(b.execution_id as ExecutionId, stamped);
    return reply.status(202).send({ accepted: stamped.length });
  };
  app.post("/api/events", { schema: { tags: ["events"] } }, ingest);
  app.post("/api/events/batch", { schema: { tags: ["events"] } }, ingest);
  // The reports of several commands in one request (a worker finishing several at once); every
  // event carries its own event_id, so a retried request never ingests twice.
  app.post("/api/events/reports", { schema: { tags: ["events"] } }, async (req, reply) => {
    const b = parse(ReportsBody, req.body);
    if (b.reports.some((r) => r.events.some((e) => !e.event_id)))
      throw new ApiError(
        422,
        "NOETL_E_API_VALIDATION",
        "every event of a multi-report request needs an event_id",
      );
    // each report stands alone: one that fails (an unknown execution, say) fails by itself
    const outcomes = await Promise.allSettled(
      b.reports.map((r) =>
        orchestrator.report(r.execution_id as ExecutionId, r.events as unknown as WorkerEvent[]),
      ),
    );
    let accepted = 0;
    const results = outcomes.map((o, i) => {
      if (o.status === "fulfilled") {
        accepted += b.reports[i]?.events.length ?? 0;
        return { ok: true };
      }
      const e = o.reason;
      if (e instanceof NoetlError)
        return { error: { status: noetlStatus(e), code: e.code, message: e.message } };
      app.log.error(e);
      return { error: { status: 500, code: "NOETL_E_API_INTERNAL", message: "internal error" } };
    });
    return reply.status(202).send({ accepted, results });
  });

  // ---- commands (workers) -------------------------------------------------------------------------
  app.get("/api/commands/:id", { schema: { tags: ["workers"] } }, async (req) => {
    const row = await store.getCommand((req.params as { id: string }).id as CommandId);
    if (!row) throw new ApiError(404, "NOETL_E_COMMAND_NOT_FOUND", "command not found");
    return row;
  });
  // A successful claim carries the execution's info (`GET /api/executions/:id/info`) when it is
  // small and the worker does not hold it already, so a worker does not ask for it separately
  // before running the command.
  const infoBytes = new WeakMap<ExecutionInfo, number>();
  const withInfo = async (claim: ClaimResult, known: readonly string[] = []) => {
    if (claim.status !== "claimed" || !claim.command) return claim;
    if (known.includes(claim.command.execution_id)) return claim;
    const info = await orchestrator.getExecution(claim.command.execution_id).catch(() => undefined);
    if (!info) return claim;
    let bytes = infoBytes.get(info);
    if (bytes === undefined) {
      bytes = JSON.stringify(info).length;
      infoBytes.set(info, bytes);
    }
    return bytes <= CLAIM_INFO_LIMIT ? { ...claim, execution: info } : claim;
  };
  app.post("/api/commands/:id/claim", { schema: { tags: ["workers"] } }, async (req) => {
    const b = parse(ClaimBody, req.body);
    const claim = await orchestrator.claim((req.params as { id: string }).id as CommandId, b.worker_id);
    return withInfo(claim, b.known_executions);
  });
  // Several claims in one request (a worker handed several notices at once): one outcome per
  // id, in order, each as the single-command route answers it.
  app.post("/api/commands/claim", { schema: { tags: ["workers"] } }, async (req) => {
    const b = parse(ClaimManyBody, req.body);
    const claims = await orchestrator.claimMany(b.command_ids as CommandId[], b.worker_id);
    return { claims: await Promise.all(claims.map((c) => withInfo(c, b.known_executions))) };
  });
  app.post("/api/commands/:id/heartbeat", { schema: { tags: ["workers"] } }, async (req) => {
    const b = parse(WorkerBody, req.body);
    return orchestrator.heartbeat((req.params as { id: string }).id as CommandId, b.worker_id);
  });

  // ---- results ----------------------------------------------------------------------------------
  app.post("/api/results", { schema: { tags: ["workers"] } }, async (req, reply) => {
    const b = parse(ResultBody, req.body);
    return reply
      .status(201)
      .send(await orchestrator.putResult(b.execution_id as ExecutionId, b.name, (b.data ?? null) as Json));
  });
  app.get("/api/results", { schema: { tags: ["workers"] } }, async (req) => {
    const ref = (req.query as { ref?: string }).ref;
    if (!ref) throw new ApiError(422, "NOETL_E_API_VALIDATION", "query parameter `ref` is required");
    return { ref, data: await orchestrator.resolveResult(ref) };
  });

  // ---- credentials --------------------------------------------------------------------------------
  app.get("/api/credentials", { schema: { tags: ["credentials"] } }, async () => ({
    credentials: await credentials.list(),
  }));
  app.post("/api/credentials", { schema: { tags: ["credentials"] } }, async (req, reply) => {
    const b = parse(CredentialBody, req.body);
    const info = await credentials.put(b.name, b.type, b.data as JsonObject, {
      ...(b.description ? { description: b.description } : {}),
      ...(b.tags ? { tags: b.tags } : {}),
    });
    return reply.status(201).send(info);
  });
  app.get("/api/credentials/:name", { schema: { tags: ["credentials"] } }, async (req) => {
    const name = (req.params as { name: string }).name;
    const info = await credentials.info(name);
    if (!info) throw new ApiError(404, "NOETL_E_CREDENTIAL_NOT_FOUND", `credential '${name}' not found`);
    const include = (req.query as { include_data?: string }).include_data === "true";
    if (!include) return info;
    return { ...(info as object), data: await credentials.get(name) };
  });
  app.delete("/api/credentials/:name", { schema: { tags: ["credentials"] } }, async (req) => {
    const name = (req.params as { name: string }).name;
    if (!(await credentials.delete(name)))
      throw new ApiError(404, "NOETL_E_CREDENTIAL_NOT_FOUND", `credential '${name}' not found`);
    return { deleted: name };
  });

  if (options.uiRoot) {
    const fastifyStatic = (await import("@fastify/static")).default;
    await app.register(fastifyStatic, { root: options.uiRoot, prefix: "/", index: ["index.html"] });
  }
  return app;
}

function body(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

function parse<T>(schema: ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = issues[0];
  throw new ApiError(
    422,
    "NOETL_E_API_VALIDATION",
    first ? `${first.path || "body"}: ${first.message}` : "invalid request",
    { issues },
  );
}

function idParam(req: FastifyRequest): ExecutionId {
  const id = (req.params as { id: string }).id;
  if (!/^\d{1,20}$/.test(id))
    throw new ApiError(400, "NOETL_E_API_BAD_REQUEST", `'${id}' is not an execution id`);
  return id as ExecutionId;
}

async function execution(store: Store, id: ExecutionId) {
  const row = await store.getExecution(id);
  if (!row) throw new ApiError(404, "NOETL_E_EXECUTION_NOT_FOUND", `execution ${id} not found`);
  return row;
}

function clampInt(raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(n)));
}

/** Server-sent events: the stored log after `after`, then live events until the execution ends. */
async function streamEvents(
  store: Store,
  orchestrator: Orchestrator,
  id: ExecutionId,
  after: number,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  let last = after;
  let ended = false;
  const queue: NoetlEvent[] = [];
  const send = (e: NoetlEvent) => {
    if ((e.seq ?? 0) <= last) return;
    last = e.seq ?? last;
    raw.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    if (TERMINAL_EVENTS.has(e.type)) ended = true;
  };
  let replaying = true;
  const unsubscribe = orchestrator.onEvents((eid, events) => {
    if (eid !== id) return;
    if (replaying) queue.push(...events);
    else for (const e of events) send(e);
    if (ended) finish();
  });
  const ping = setInterval(() => raw.write(": ping\n\n"), 15_000);
  const finish = () => {
    clearInterval(ping);
    unsubscribe();
    if (!raw.writableEnded) raw.end();
  };
  req.raw.on("close", finish);
  for (;;) {
    const page = await store.readEvents(id, { afterSeq: last, limit: 1000 });
    for (const e of page) send(e);
    if (page.length < 1000) break;
  }
  replaying = false;
  for (const e of queue.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))) send(e);
  const row = await store.getExecution(id);
  if (ended || (row && row.status !== "running")) finish();
}

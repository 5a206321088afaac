/**
 * The routes workers call: report events (singly, in a batch, or the reports of several commands
 * at once), ask for work, fetch, claim (one or several) and heartbeat commands, store and resolve
 * results (ours, and NoETL's `/api/result/...`). Reports, requests for work and multi-claims are
 * `WorkerCalls`, which a worker channel also serves.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CommandId, ExecutionId, Json } from "../kernel/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { Store } from "../store/index.ts";
import { ApiError } from "./api-error.ts";
import { execution, idParam, parse } from "./request-parsing.ts";
import { ClaimBody, PutResultBody, ResultBody, WorkerBody } from "./schemas.ts";
import type { WorkerCalls } from "./worker-calls.ts";

export function registerWorkerRoutes(
  app: FastifyInstance,
  deps: { orchestrator: Orchestrator; store: Store; calls: WorkerCalls },
): void {
  const { orchestrator, store, calls } = deps;

  // ---- events from workers ----------------------------------------------------------------------
  const ingest = async (req: FastifyRequest, reply: FastifyReply) => {
    const key = req.headers["idempotency-key"];
    const { status, body } = await calls.report(req.body, typeof key === "string" && key ? key : undefined);
    return reply.status(status).send(body);
  };
  app.post("/api/events", { schema: { tags: ["events"] } }, ingest);
  app.post("/api/events/batch", { schema: { tags: ["events"] } }, ingest);
  // The reports of several commands in one request (a worker finishing several at once).
  app.post("/api/events/reports", { schema: { tags: ["events"] } }, async (req, reply) => {
    const { status, body } = await calls.reports(req.body);
    return reply.status(status).send(body);
  });

  // ---- commands (workers) -------------------------------------------------------------------------
  app.get("/api/commands/:id", { schema: { tags: ["workers"] } }, async (req) => {
    const id = (req.params as { id: string }).id as CommandId;
    // embedded (exclusive) mode keeps no command rows: its open commands are in memory
    const row = (await store.getCommand(id)) ?? orchestrator.heldCommand(id);
    if (!row) throw new ApiError(404, "NOETL_E_COMMAND_NOT_FOUND", "command not found");
    return row;
  });
  // A successful claim carries the execution's info when it is small (see WorkerCalls.withInfo).
  app.post("/api/commands/:id/claim", { schema: { tags: ["workers"] } }, async (req) => {
    const b = parse(ClaimBody, req.body);
    const claim = await orchestrator.claim((req.params as { id: string }).id as CommandId, b.worker_id);
    return calls.withInfo(claim, b.known_executions);
  });
  // Several claims in one request (a worker handed several notices at once): one outcome per
  // id, in order, each as the single-command route answers it.
  app.post("/api/commands/claim", { schema: { tags: ["workers"] } }, async (req, reply) => {
    const { status, body } = await calls.claim(req.body);
    return reply.status(status).send(body);
  });
  // A worker's request for work (see WorkerCalls.next): the asker is gone when its connection
  // closes before the answer is written.
  app.post("/api/commands/next", { schema: { tags: ["workers"] } }, async (req, reply) => {
    const gone = new AbortController();
    const leave = () => {
      if (!reply.raw.writableFinished) gone.abort();
    };
    reply.raw.once("close", leave);
    try {
      const { status, body } = await calls.next(req.body, gone.signal);
      return reply.status(status).send(body);
    } finally {
      reply.raw.off("close", leave);
    }
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
  const resolve = async (req: FastifyRequest) => {
    const ref = (req.query as { ref?: string }).ref;
    if (!ref) throw new ApiError(422, "NOETL_E_API_VALIDATION", "query parameter `ref` is required");
    return { ref, data: await orchestrator.resolveResult(ref) };
  };
  app.get("/api/results", { schema: { tags: ["workers"] } }, resolve);
  // NoETL's (Rust) result routes: the same store and references, its reply shape
  app.put("/api/result/:id", { schema: { tags: ["workers"] } }, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    const b = parse(PutResultBody, req.body);
    const ref = await orchestrator.putResult(id, b.name, b.data as Json);
    return {
      ref: ref.ref,
      store: resultTier(ref.store),
      scope: b.scope ?? "execution",
      bytes: ref.bytes,
      sha256: ref.sha256 ?? null,
      expires_at: null, // stored results have no TTL
    };
  });
  app.get("/api/result/resolve", { schema: { tags: ["workers"] } }, resolve);
}

/**
 * A store's name as NoETL's result tiers name it: the in-memory store is `memory`, the others
 * keep results in a table of their database (`db`).
 */
function resultTier(storeName: string): string {
  return storeName === "memory" ? "memory" : "db";
}

/**
 * The routes workers call: report events (singly, in a batch, or the reports of several commands
 * at once), ask for work, fetch, claim (one or several) and heartbeat commands, store and resolve
 * results.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CommandId, ExecutionId, Json } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { ClaimResult, ExecutionInfo, WorkerEvent } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import { ApiError, noetlStatus } from "./api-error.ts";
import { parse } from "./request-parsing.ts";
import {
  ClaimBody,
  ClaimManyBody,
  EventsBody,
  NextBody,
  ReportsBody,
  ResultBody,
  WorkerBody,
} from "./schemas.ts";

/** Execution info up to this size (JSON characters) rides along with a claim. */
const CLAIM_INFO_LIMIT = 4096;

export function registerWorkerRoutes(
  app: FastifyInstance,
  deps: { orchestrator: Orchestrator; store: Store },
): void {
  const { orchestrator, store } = deps;

  // ---- events from workers ----------------------------------------------------------------------
  const ingest = async (req: FastifyRequest, reply: FastifyReply) => {
    const b = parse(EventsBody, req.body);
    const events = (b.events ?? (b.event ? [b.event] : [])) as unknown as WorkerEvent[];
    const key = req.headers["idempotency-key"];
    const stamped =
      typeof key === "string" && key
        ? events.map((e, i) => (e.event_id ? e : { ...e, event_id: `${key}:${i}` }))
        : events;
    const commands = await orchestrator.report(b.execution_id as ExecutionId, stamped, undefined, b.handoff);
    return reply
      .status(202)
      .send(b.handoff ? { accepted: stamped.length, commands } : { accepted: stamped.length });
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
        orchestrator.report(
          r.execution_id as ExecutionId,
          r.events as unknown as WorkerEvent[],
          undefined,
          r.handoff,
        ),
      ),
    );
    let accepted = 0;
    const results = outcomes.map((o, i) => {
      if (o.status === "fulfilled") {
        accepted += b.reports[i]?.events.length ?? 0;
        return b.reports[i]?.handoff ? { ok: true, commands: o.value } : { ok: true };
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
  // A worker's request for work: held until a new command of its pool is committed claimed for
  // it, its wait ends, its connection closes, or the server shuts down (then answered empty).
  const waiting = new Set<AbortController>();
  app.addHook("preClose", async () => {
    for (const w of waiting) w.abort();
  });
  app.post("/api/commands/next", { schema: { tags: ["workers"] } }, async (req, reply) => {
    const b = parse(NextBody, req.body);
    const wait = new AbortController();
    const timer = setTimeout(() => wait.abort(), b.wait_ms ?? 20_000);
    const gone = () => {
      if (!reply.raw.writableFinished) wait.abort();
    };
    reply.raw.once("close", gone);
    waiting.add(wait);
    try {
      const claims = await orchestrator.next(
        { worker_id: b.worker_id, pool: b.pool, max: b.max },
        wait.signal,
      );
      if (reply.raw.destroyed) {
        // answered as the connection closed: nobody will run them
        await orchestrator.release(claims.flatMap((c) => (c.command ? [c.command] : [])));
        return { commands: [] };
      }
      return { commands: await Promise.all(claims.map((c) => withInfo(c, b.known_executions))) };
    } finally {
      clearTimeout(timer);
      waiting.delete(wait);
      reply.raw.off("close", gone);
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
  app.get("/api/results", { schema: { tags: ["workers"] } }, async (req) => {
    const ref = (req.query as { ref?: string }).ref;
    if (!ref) throw new ApiError(422, "NOETL_E_API_VALIDATION", "query parameter `ref` is required");
    return { ref, data: await orchestrator.resolveResult(ref) };
  });
}

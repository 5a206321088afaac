/**
 * The execution routes: start one, list them, status, result, info, events, wait, cancel,
 * tokens injected, forced ends (finalize), cleanup of stuck executions and the SSE stream.
 */
import type { FastifyInstance } from "fastify";
import type { ExecutionId, JsonObject } from "../kernel/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { ExecutionStatus } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import { ApiError, errorReply } from "./api-error.ts";
import { type EventPageQuery, readEventPage } from "./event-page.ts";
import { clampInt, execution, idParam, parse } from "./request-parsing.ts";
import {
  CancelBody,
  CleanupBody,
  ExecuteBatchBody,
  ExecuteBody,
  FinalizeBody,
  RenderBody,
  TokenBody,
} from "./schemas.ts";
import { staleExecutions } from "./stale-executions.ts";
import { streamEvents } from "./stream-events.ts";

export function registerExecutionRoutes(
  app: FastifyInstance,
  deps: { orchestrator: Orchestrator; store: Store },
): void {
  const { orchestrator, store } = deps;
  /** Starts the execution an execute request asks for. */
  const start = async (body: unknown) => {
    const b = parse(ExecuteBody, body);
    const path = b.path;
    const version = b.version === undefined || b.version === "latest" ? undefined : Number(b.version);
    const { execution_id } = await orchestrator.execute({
      ...(path ? { path } : {}),
      ...(version !== undefined ? { version } : {}),
      ...(b.catalog_id !== undefined ? { catalog_id: String(b.catalog_id) } : {}),
      ...(b.content ? { content: b.content } : {}),
      payload: (b.payload ?? b.workload ?? {}) as JsonObject,
      ...(b.parent_execution_id ? { parent_execution_id: b.parent_execution_id as ExecutionId } : {}),
      ...(b.entry_step !== undefined ? { entry_step: b.entry_step } : {}),
    });
    return { execution_id, status: "running" as const };
  };
  app.post("/api/execute", { schema: { tags: ["executions"] } }, async (req, reply) =>
    reply.status(201).send(await start(req.body)),
  );
  // NoETL's batch: each request starts on its own (one that fails, an unknown path say, fails alone)
  app.post("/api/execute/batch", { schema: { tags: ["executions"] } }, async (req) => {
    const requests = parse(ExecuteBatchBody, req.body);
    const list = Array.isArray(requests) ? requests : requests.requests;
    const results = [];
    for (const request of list) {
      try {
        results.push(await start(request));
      } catch (error) {
        const { status, body, internal } = errorReply(error);
        if (internal) req.log.error(error);
        results.push({ error: { status, ...body.error } });
      }
    }
    const started = results.filter((r) => "execution_id" in r).length;
    return { results, started, failed: results.length - started };
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
    // NoETL's detail carries a page of the events (`include_events=false` leaves them out)
    const q = req.query as EventPageQuery & { include_events?: string };
    const events =
      q.include_events === "false"
        ? undefined
        : await readEventPage(store, id, row.path, q, { pageSize: 100, limit: 100, maxLimit: 500 });
    return {
      ...row,
      status: s.status,
      result: s.result,
      error: s.error,
      steps: s.steps,
      runs: s.runs,
      current: s.current,
      ...(events
        ? {
            events: events.events,
            pagination: { page: events.page, page_size: events.page_size, has_more: events.has_more },
          }
        : {}),
    };
  });
  app.get("/api/executions/:id/status", { schema: { tags: ["executions"] } }, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    const s = await orchestrator.status(id);
    return {
      execution_id: id,
      status: s.status,
      current: s.current,
      runs: s.runs,
      error: s.error,
      ...pollFlags(s.status),
      current_step: s.current[0] ?? null,
    };
  });
  app.get("/api/executions/:id/cancellation-check", { schema: { tags: ["executions"] } }, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    const { status } = await orchestrator.status(id);
    const flags = pollFlags(status);
    return { execution_id: id, cancelled: flags.is_cancelled, status, ...flags };
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
  app.get("/api/executions/:id/info", { schema: { tags: ["workers"] } }, async (req) =>
    orchestrator.getExecution(idParam(req)),
  );
  app.get("/api/executions/:id/events", { schema: { tags: ["events"] } }, async (req) => {
    const id = idParam(req);
    const row = await execution(store, id);
    const { has_more: _more, ...page } = await readEventPage(
      store,
      id,
      row.path,
      req.query as EventPageQuery,
      {
        limit: 1000,
        maxLimit: 10_000,
      },
    );
    return page;
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
  // NoETL's cleanup: executions running with no event for `older_than_minutes` are cancelled, as
  // the cancel route does (sub-playbooks too); `dry_run` only lists them. Ages are read on the
  // orchestrator's clock, the one that stamped the events.
  app.post("/api/executions/cleanup", { schema: { tags: ["executions"] } }, async (req) => {
    const b = parse(CleanupBody, req.body);
    const minutes = b?.older_than_minutes ?? 5;
    const stale = await staleExecutions(store, orchestrator.clock.now() - minutes * 60_000);
    if (b?.dry_run)
      return {
        cancelled_count: stale.length,
        execution_ids: stale,
        dry_run: true,
        message: `dry run: ${stale.length} execution(s) running with no event for ${minutes} minute(s) would be cancelled`,
      };
    const cancelled = new Set<ExecutionId>();
    const reason = `cleanup: no event for ${minutes} minute(s)`;
    for (const id of stale) {
      if (cancelled.has(id)) continue; // a child already cancelled with its parent
      for (const c of await orchestrator.cancel(id, reason)) cancelled.add(c);
    }
    return {
      cancelled_count: cancelled.size,
      execution_ids: [...cancelled],
      dry_run: false,
      message: `cancelled ${cancelled.size} execution(s) running with no event for ${minutes} minute(s)`,
    };
  });
  app.post("/api/executions/:id/tokens", { schema: { tags: ["executions"] } }, async (req, reply) => {
    const id = idParam(req);
    await execution(store, id);
    const b = parse(TokenBody, req.body);
    const event_id = await orchestrator.inject(id, b.step, (b.input ?? {}) as JsonObject);
    return reply.status(202).send({ execution_id: id, step: b.step, status: "accepted", event_id });
  });
  app.post("/api/executions/:id/finalize", { schema: { tags: ["executions"] } }, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    const b = parse(FinalizeBody, req.body);
    const reason = b?.reason ?? b?.error;
    const out = await orchestrator.finalize(id, b?.status ?? "failed", reason, b?.cascade ?? true);
    return { execution_id: id, ...out };
  });
  app.get("/api/replay/state", { schema: { tags: ["executions"] } }, async (req) => {
    const raw = (req.query as { execution_id?: string }).execution_id ?? "";
    if (!/^\d{1,20}$/.test(raw))
      throw new ApiError(400, "NOETL_E_API_BAD_REQUEST", "`execution_id` (an execution id) is required");
    const id = raw as ExecutionId;
    await execution(store, id);
    return { execution_id: id, ...(await orchestrator.replay(id)) };
  });
  app.post("/api/context/render", { schema: { tags: ["executions"] } }, async (req) => {
    const b = parse(RenderBody, req.body);
    const id = b.execution_id as ExecutionId;
    await execution(store, id);
    const { rendered, names } = await orchestrator.render(id, b.template, {
      ...(b.extra_context ? { extra: b.extra_context as JsonObject } : {}),
      strict: b.strict ?? true,
    });
    return { status: "ok", rendered, context_keys: names };
  });
  app.get("/api/executions/:id/stream", { schema: { tags: ["events"] } }, async (req, reply) => {
    const id = idParam(req);
    const row = await execution(store, id);
    const q = req.query as { after_seq?: string };
    const after = clampInt(
      (req.headers["last-event-id"] as string | undefined) ?? q.after_seq,
      0,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    await streamEvents(store, orchestrator, id, row.path, after, req, reply);
  });
}

/** The fields NoETL's clients poll on (reference §7: status, cancellation-check). */
function pollFlags(status: ExecutionStatus) {
  return {
    completed: status !== "running",
    failed: status === "failed",
    is_cancelled: status === "cancelled",
  };
}

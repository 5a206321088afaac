/**
 * The execution variables (`ctx`): read with `GET /api/executions/{id}/vars` (ours) or NoETL's
 * `/api/vars/{execution_id}[/{var}]`, which also writes and deletes them from outside. Every
 * write is a `ctx.updated` event (source `api`) the engine applies; an execution that has
 * finished is not patched (409).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { Store } from "../store/index.ts";
import { ApiError } from "./api-error.ts";
import { execution, idParam, parse } from "./request-parsing.ts";
import { VarsBody, varName } from "./schemas.ts";

export function registerVarRoutes(
  app: FastifyInstance,
  deps: { orchestrator: Orchestrator; store: Store },
): void {
  const { orchestrator, store } = deps;
  /** The execution's ctx as it stands (404 for an unknown execution). */
  const ctxOf = async (id: ExecutionId): Promise<JsonObject> => (await summaryOf(id)).ctx;
  const summaryOf = async (id: ExecutionId) => {
    await execution(store, id);
    return orchestrator.status(id);
  };
  const tags = { schema: { tags: ["executions"] } };

  app.get("/api/executions/:id/vars", tags, async (req) => {
    const id = idParam(req);
    return { execution_id: id, ctx: await ctxOf(id) };
  });
  app.get("/api/vars/:id", tags, async (req) => {
    const id = idParam(req);
    const ctx = await ctxOf(id);
    const variables = Object.fromEntries(Object.entries(ctx).map(([name, value]) => [name, { value }]));
    return { execution_id: id, variables, count: Object.keys(variables).length };
  });
  app.get("/api/vars/:id/:var", tags, async (req) => {
    const id = idParam(req);
    const name = nameParam(req);
    const ctx = await ctxOf(id);
    if (!Object.hasOwn(ctx, name)) throw notFound(id, name);
    return { execution_id: id, var_name: name, value: ctx[name] };
  });
  app.post("/api/vars/:id", tags, async (req) => {
    const id = idParam(req);
    await execution(store, id);
    const b = parse(VarsBody, req.body);
    const values = b.variables as JsonObject;
    const event_id = await orchestrator.patchCtx(id, {
      values,
      ...(b.var_type ? { var_type: b.var_type } : {}),
      ...(b.source_step ? { source_step: b.source_step } : {}),
    });
    const variables = Object.fromEntries(
      Object.entries(values).map(([name, value]) => [
        name,
        {
          value: value as Json,
          type: b.var_type ?? "user_defined",
          ...(b.source_step ? { source_step: b.source_step } : {}),
        },
      ]),
    );
    return { execution_id: id, variables, count: Object.keys(variables).length, event_id };
  });
  app.delete("/api/vars/:id", tags, async (req) => {
    const id = idParam(req);
    const { ctx, status } = await summaryOf(id);
    const names = Object.keys(ctx);
    if (names.length === 0 && status !== "running") {
      throw new ApiError(
        409,
        "NOETL_E_EXECUTION_FINISHED",
        `execution ${id} has already finished (${status})`,
      );
    }
    // nothing to delete writes nothing
    const event_id = names.length > 0 ? await orchestrator.patchCtx(id, { removed: names }) : undefined;
    return { execution_id: id, deleted: names, count: names.length, ...(event_id ? { event_id } : {}) };
  });
  app.delete("/api/vars/:id/:var", tags, async (req) => {
    const id = idParam(req);
    const name = nameParam(req);
    if (!Object.hasOwn(await ctxOf(id), name)) throw notFound(id, name);
    const event_id = await orchestrator.patchCtx(id, { removed: [name] });
    return { execution_id: id, deleted: [name], count: 1, event_id };
  });
}

function nameParam(req: FastifyRequest): string {
  return parse(varName, (req.params as { var: string }).var);
}

function notFound(id: ExecutionId, name: string): ApiError {
  return new ApiError(404, "NOETL_E_VAR_NOT_FOUND", `execution ${id} has no variable '${name}'`);
}

/**
 * Reading a request: a body checked against a zod schema, an execution id from the path, an
 * integer query parameter within bounds, the fields of a route that takes them from the query or
 * a POST body, and the execution a route names (404 when unknown).
 */
import type { FastifyRequest } from "fastify";
import type { ZodType } from "zod";
import type { ExecutionId } from "../kernel/index.ts";
import type { Store } from "../store/index.ts";
import { ApiError } from "./api-error.ts";

export function parse<T>(schema: ZodType<T>, value: unknown): T {
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

export function idParam(req: FastifyRequest): ExecutionId {
  const id = (req.params as { id: string }).id;
  if (!/^\d{1,20}$/.test(id))
    throw new ApiError(400, "NOETL_E_API_BAD_REQUEST", `'${id}' is not an execution id`);
  return id as ExecutionId;
}

export async function execution(store: Store, id: ExecutionId) {
  const row = await store.getExecution(id);
  if (!row) throw new ApiError(404, "NOETL_E_EXECUTION_NOT_FOUND", `execution ${id} not found`);
  return row;
}

/** A route's fields from a JSON body (NoETL's POST shape) and the query string, the query winning. */
export function bodyAndQuery(req: FastifyRequest): Record<string, unknown> {
  const body = req.body !== null && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {};
  return { ...body, ...(req.query as Record<string, unknown>) };
}

export function clampInt(raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(n)));
}

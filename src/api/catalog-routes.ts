/** The catalog routes: register a playbook, list the catalog, fetch one entry. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { Store } from "../store/index.ts";
import { ApiError } from "./api-error.ts";
import { parse } from "./request-parsing.ts";
import { RegisterBody } from "./schemas.ts";

export function registerCatalogRoutes(
  app: FastifyInstance,
  deps: { orchestrator: Orchestrator; store: Store },
): void {
  const { orchestrator, store } = deps;
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
}

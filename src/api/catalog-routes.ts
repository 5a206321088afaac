/**
 * The catalog routes: register a playbook, list the catalog, fetch one entry, delete entries
 * (archived: kept for the executions started from them) and restore them, and the form schema of
 * a playbook's workload (`ui_schema`).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { loadPlaybook } from "../dsl/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { CatalogEntry, Store } from "../store/index.ts";
import { ApiError } from "./api-error.ts";
import { bodyAndQuery, parse } from "./request-parsing.ts";
import { CatalogPathBody, RegisterBody } from "./schemas.ts";
import { workloadSchema } from "./workload-schema.ts";

export function registerCatalogRoutes(
  app: FastifyInstance,
  deps: { orchestrator: Orchestrator; store: Store },
): void {
  const { orchestrator, store } = deps;
  app.post("/api/catalog/register", { schema: { tags: ["catalog"] } }, async (req, reply) => {
    const b = parse(RegisterBody, req.body);
    const content =
      b.content !== undefined
        ? plainOrBase64(b.content)
        : Buffer.from(b.content_base64 ?? "", "base64").toString("utf8");
    const entry = await orchestrator.register(content);
    return reply
      .status(201)
      .send({ catalog_id: entry.catalog_id, path: entry.path, version: entry.version, kind: entry.kind });
  });
  const listCatalog = async (req: FastifyRequest) => {
    // the filter from the query, or from NoETL's POST body (`{path, resource_type}`)
    const q = bodyAndQuery(req);
    const path = typeof q.path === "string" && q.path !== "" ? q.path : undefined;
    const kind = [q.kind, q.resource_type].find((k): k is string => typeof k === "string" && k !== "");
    const archived = q.include_archived === true || q.include_archived === "true";
    const entries = await store.catalogList({
      ...(path ? { path } : {}),
      ...(kind ? { kind } : {}),
      ...(archived ? { include_archived: true } : {}),
    });
    return { entries: entries.map(({ content: _c, ...rest }) => rest) };
  };
  app.get("/api/catalog/list", { schema: { tags: ["catalog"] } }, listCatalog);
  app.post("/api/catalog/list", { schema: { tags: ["catalog"] } }, listCatalog);
  const resource = async (req: FastifyRequest) => {
    // `?path=&version=`, or NoETL's POST body `{path, version}` (version a number or `latest`),
    // or `{catalog_id}` (an entry by its id, deleted or not)
    const q = bodyAndQuery(req);
    if (q.catalog_id !== undefined && q.catalog_id !== null && q.catalog_id !== "") {
      const id = String(q.catalog_id);
      const byId = /^\d+$/.test(id) ? await store.catalogGetById(id) : undefined;
      if (!byId) throw new ApiError(404, "NOETL_E_CATALOG_NOT_FOUND", `no catalog entry ${id}`);
      return byId;
    }
    const path = typeof q.path === "string" ? q.path : "";
    if (!path) throw new ApiError(422, "NOETL_E_API_VALIDATION", "`path` or `catalog_id` is required");
    const version = versionParam(q.version);
    const entry = await store.catalogGet(path, version);
    if (!entry) throw new ApiError(404, "NOETL_E_CATALOG_NOT_FOUND", `no playbook at ${path}`);
    return entry;
  };
  app.get("/api/catalog/resource", { schema: { tags: ["catalog"] } }, resource);
  app.post("/api/catalog/resource", { schema: { tags: ["catalog"] } }, resource);
  // NoETL's `GET /api/catalog/{path}/ui_schema?version=`: a path has slashes, so this is the
  // catalog's one wildcard route (list, resource… above are matched first)
  app.get("/api/catalog/*", { schema: { tags: ["catalog"] } }, async (req) => {
    const rest = (req.params as { "*": string })["*"];
    const path = rest.endsWith("/ui_schema") ? decodedPath(rest.slice(0, -"/ui_schema".length)) : "";
    if (!path) throw new ApiError(404, "NOETL_E_API_NOT_FOUND", `no route GET ${req.url}`);
    const version = versionParam((req.query as { version?: string }).version);
    const entry = await store.catalogGet(path, version);
    if (!entry) throw notFound(path, version, "registered");
    const { workload } = loadPlaybook(entry.content, { file: entry.path });
    return { path: entry.path, version: entry.version, schema: workloadSchema(workload) };
  });
  // delete archives the entries (executions started from them go on); restore undoes it
  for (const [route, verb, act, none] of [
    ["delete", "deleted", orchestrator.archive, "to delete"],
    ["restore", "restored", orchestrator.restore, "deleted"],
  ] as const) {
    app.post(`/api/catalog/${route}`, { schema: { tags: ["catalog"] } }, async (req) => {
      const b = parse(CatalogPathBody, req.body);
      const version = b.version === undefined ? undefined : Number(b.version);
      const entries = await act.call(orchestrator, b.path, version);
      if (entries.length === 0) throw notFound(b.path, version, none);
      return {
        status: verb,
        message: `${verb} ${versions(entries)} of ${b.path}`,
        path: b.path,
        [verb]: entries.map(({ catalog_id, version }) => ({ catalog_id, version })),
        count: entries.length,
      };
    });
  }
}

function notFound(path: string, version: number | undefined, what: string): ApiError {
  const v = version === undefined ? "" : ` version ${version}`;
  return new ApiError(404, "NOETL_E_CATALOG_NOT_FOUND", `no playbook ${what} at ${path}${v}`);
}

/** A catalog path as a URL carries it, its slashes plain or escaped (`%2F`). */
function decodedPath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** A `version` parameter: a positive integer, or none / `latest` (undefined: the newest). */
function versionParam(v: unknown): number | undefined {
  const version = v === undefined || v === null || v === "" || v === "latest" ? undefined : Number(v);
  if (version !== undefined && !(Number.isInteger(version) && version > 0))
    throw new ApiError(422, "NOETL_E_API_VALIDATION", "`version` must be a positive integer or `latest`");
  return version;
}

function versions(entries: readonly CatalogEntry[]): string {
  return entries.length === 1
    ? `version ${entries[0]?.version}`
    : `versions ${entries.map((e) => e.version).join(", ")}`;
}

/**
 * NoETL clients send `content` as YAML text or base64 of it (reference §7). Base64 has no spaces,
 * colons or line breaks inside a line, which any playbook has: only then is it decoded, and kept
 * if the decoded text is a playbook.
 */
function plainOrBase64(content: string): string {
  const compact = content.trim();
  if (!/^[A-Za-z0-9+/=\r\n]+$/.test(compact) || compact.length % 4 === 1) return content;
  const text = Buffer.from(compact, "base64").toString("utf8");
  return /\bapiVersion\s*:|\bkind\s*:\s*Playbook/.test(text) ? text : content;
}

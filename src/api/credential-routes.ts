/** The credential routes: list, create or replace, read (optionally with the data), delete. */
import type { FastifyInstance } from "fastify";
import type { JsonObject } from "../kernel/index.ts";
import { ApiError } from "./api-error.ts";
import { parse } from "./request-parsing.ts";
import { CredentialBody } from "./schemas.ts";

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

export function registerCredentialRoutes(app: FastifyInstance, deps: { credentials: CredentialsPort }): void {
  const { credentials } = deps;
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
}

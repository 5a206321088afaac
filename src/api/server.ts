/**
 * The HTTP API (reference §7, DECISIONS 39): routes only. Everything they do is a call on the
 * orchestrator, the store or the credential service handed in by `app/`.
 */
import { timingSafeEqual } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { PlaybookInvalidError } from "../dsl/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { Store } from "../store/index.ts";
import { ApiError, errorBody, noetlStatus } from "./api-error.ts";
import { registerCatalogRoutes } from "./catalog-routes.ts";
import { type CredentialsPort, registerCredentialRoutes } from "./credential-routes.ts";
import { registerExecutionRoutes } from "./execution-routes.ts";
import { ApiMetrics } from "./metrics.ts";
import { registerWorkerRoutes } from "./worker-routes.ts";

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
      return reply.status(error.status).send(errorBody(error.code, error.message, error.details));
    if (error instanceof PlaybookInvalidError) {
      return reply.status(422).send(errorBody(error.code, error.message, { diagnostics: error.diagnostics }));
    }
    if (error instanceof NoetlError)
      return reply.status(noetlStatus(error)).send(errorBody(error.code, error.message));
    if (e.statusCode && e.statusCode < 500) {
      const code = e.statusCode === 413 ? "NOETL_E_API_TOO_LARGE" : "NOETL_E_API_BAD_REQUEST";
      return reply.status(e.statusCode).send(errorBody(code, e.message));
    }
    app.log.error(error);
    return reply.status(500).send(errorBody("NOETL_E_API_INTERNAL", "internal error"));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(errorBody("NOETL_E_API_NOT_FOUND", `no route ${req.method} ${req.url}`)),
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

  // The route groups, in this order (it is the order of the OpenAPI document).
  registerCatalogRoutes(app, { orchestrator, store });
  registerExecutionRoutes(app, { orchestrator, store });
  registerWorkerRoutes(app, { orchestrator, store }); // events, commands, results
  registerCredentialRoutes(app, { credentials });

  if (options.uiRoot) {
    const fastifyStatic = (await import("@fastify/static")).default;
    await app.register(fastifyStatic, { root: options.uiRoot, prefix: "/", index: ["index.html"] });
  }
  return app;
}

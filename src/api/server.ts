/**
 * The HTTP API (reference §7, DECISIONS 39): routes only. Everything they do is a call on the
 * orchestrator, the store or the credential service handed in by `app/`.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { Store } from "../store/index.ts";
import { ApiError, errorBody, errorReply } from "./api-error.ts";
import { bearerCheck } from "./bearer-token.ts";
import { registerCatalogRoutes } from "./catalog-routes.ts";
import { type CredentialsPort, registerCredentialRoutes } from "./credential-routes.ts";
import { registerExecutionRoutes } from "./execution-routes.ts";
import { ApiMetrics } from "./metrics.ts";
import { registerVarRoutes } from "./var-routes.ts";
import { WorkerCalls } from "./worker-calls.ts";
import { attachWorkerChannel } from "./worker-channel.ts";
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
  /** Answers a worker channel may hold unread before it is closed (bytes; default 64 MiB). */
  channelMaxUnsentBytes?: number;
  logger?: boolean;
}

const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const { orchestrator, store, credentials } = options;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
  });
  // Workers' hot calls, over HTTP (the worker routes below) or a worker channel. At shutdown the
  // requests for work are answered first (this preClose hook runs before the channel's).
  const calls = new WorkerCalls(orchestrator, (error) => app.log.error(error));
  app.addHook("preClose", async () => calls.stopWaiting());
  const channels = attachWorkerChannel(app, {
    calls,
    ...(options.token ? { token: options.token } : {}),
    maxLine: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(options.channelMaxUnsentBytes ? { maxUnsentBytes: options.channelMaxUnsentBytes } : {}),
  });
  const metrics = new ApiMetrics(orchestrator, channels.open);
  app.addHook("onClose", async () => metrics.close());

  await app.register(swagger, {
    openapi: {
      info: { title: "NoETL API", version: "0.1.0", description: "NoETL-compatible control plane API" },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.setErrorHandler((error, _req, reply) => {
    const { status, body, internal } = errorReply(error);
    if (internal) app.log.error(error);
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(errorBody("NOETL_E_API_NOT_FOUND", `no route ${req.method} ${req.url}`)),
  );

  if (options.token) {
    const authorized = bearerCheck(options.token);
    app.addHook("onRequest", async (req) => {
      if (!req.url.startsWith("/api/") || req.url.startsWith("/api/health")) return;
      if (!authorized(req.headers.authorization)) {
        throw new ApiError(401, "NOETL_E_API_UNAUTHORIZED", "missing or wrong bearer token");
      }
    });
  }

  // ---- health and metrics ---------------------------------------------------------------------
  app.get("/api/health", { schema: { tags: ["system"] } }, async () => ({ status: "ok" }));
  app.get("/health", { schema: { hide: true } }, async () => ({ status: "ok" }));
  const metricsRoute = async (_req: FastifyRequest, reply: FastifyReply) => {
    reply.header("content-type", metrics.contentType);
    return metrics.text();
  };
  app.get("/metrics", { schema: { hide: true } }, metricsRoute);
  app.get("/api/metrics", { schema: { tags: ["system"] } }, metricsRoute);

  // The route groups, in this order (it is the order of the OpenAPI document).
  registerCatalogRoutes(app, { orchestrator, store });
  registerExecutionRoutes(app, { orchestrator, store });
  registerVarRoutes(app, { orchestrator, store });
  registerWorkerRoutes(app, { orchestrator, store, calls }); // events, commands, results
  registerCredentialRoutes(app, { credentials });

  if (options.uiRoot) {
    const fastifyStatic = (await import("@fastify/static")).default;
    await app.register(fastifyStatic, { root: options.uiRoot, prefix: "/", index: ["index.html"] });
  }
  return app;
}

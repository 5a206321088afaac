/**
 * @module api
 * HTTP routes (fastify) in front of the orchestrator: the NoETL-compatible `/api/...` surface.
 */
export { ApiError } from "./api-error.ts";
export type { CredentialsPort } from "./credential-routes.ts";
export { ERROR_CODES } from "./error-codes.ts";
export type { ApiOptions } from "./server.ts";
export { buildApi } from "./server.ts";

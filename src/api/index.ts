/**
 * @module api
 * HTTP routes (fastify) in front of the orchestrator: the NoETL-compatible `/api/...` surface.
 */
export { ERROR_CODES } from "./error-codes.ts";
export type { ApiOptions, CredentialsPort } from "./server.ts";
export { ApiError, buildApi } from "./server.ts";

/**
 * @module tools/http
 * `kind: http`: HTTP requests on undici (pooled agents, redirects, timeouts, credential auth).
 */

export { ERROR_CODES } from "./error-codes.ts";
export { createHttpTool } from "./http-tool.ts";

/**
 * The API's errors: `ApiError` (a NoetlError with an HTTP status), the status of any NoetlError
 * that reaches a route, the JSON shape of an error reply, and the reply to any error.
 */
import { PlaybookInvalidError } from "../dsl/index.ts";
import { NoetlError } from "../kernel/index.ts";

export class ApiError extends NoetlError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details ? { details } : {});
  }
}

/**
 * The HTTP status of a NoetlError that reaches a route: 404 for what does not exist, 409 for an
 * execution that has already finished, else 400.
 */
export function noetlStatus(error: NoetlError): number {
  if (error instanceof ApiError) return error.status;
  if (error.code === "NOETL_E_EXECUTION_FINISHED") return 409;
  return /NOT_FOUND|NOT_AVAILABLE/.test(error.code) ? 404 : 400;
}

/** The body of an error reply: `{ error: { code, message, details? } }`. */
export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/**
 * The reply to an error a route (or a worker channel's call) threw: its status and body, and
 * whether it is internal (unexpected: logged, and answered without its details).
 */
export function errorReply(error: unknown): {
  status: number;
  body: ReturnType<typeof errorBody>;
  internal: boolean;
} {
  const e = error as Error & { statusCode?: number };
  if (error instanceof ApiError)
    return {
      status: error.status,
      body: errorBody(error.code, error.message, error.details),
      internal: false,
    };
  if (error instanceof PlaybookInvalidError)
    return {
      status: 422,
      body: errorBody(error.code, error.message, { diagnostics: error.diagnostics }),
      internal: false,
    };
  if (error instanceof NoetlError)
    return { status: noetlStatus(error), body: errorBody(error.code, error.message), internal: false };
  if (e?.statusCode && e.statusCode < 500) {
    const code = e.statusCode === 413 ? "NOETL_E_API_TOO_LARGE" : "NOETL_E_API_BAD_REQUEST";
    return { status: e.statusCode, body: errorBody(code, e.message), internal: false };
  }
  return { status: 500, body: errorBody("NOETL_E_API_INTERNAL", "internal error"), internal: true };
}

/**
 * The API's errors: `ApiError` (a NoetlError with an HTTP status), the status of any NoetlError
 * that reaches a route, and the JSON shape of an error reply.
 */
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

/** The HTTP status of a NoetlError that reaches a route: 404 for what does not exist, else 400. */
export function noetlStatus(error: NoetlError): number {
  if (error instanceof ApiError) return error.status;
  return /NOT_FOUND|NOT_AVAILABLE/.test(error.code) ? 404 : 400;
}

/** The body of an error reply: `{ error: { code, message, details? } }`. */
export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

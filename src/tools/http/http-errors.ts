import { STATUS_CODES } from "node:http";
import type { ErrorKind } from "../../protocol/index.ts";
import { abortError } from "../abort-error.ts";
import { ToolError } from "../tool.ts";
import type { HttpRequest } from "./http-request.ts";
import { redact } from "./http-request.ts";
import type { HttpResult } from "./http-response.ts";
import { parseRetryAfter } from "./retry-after.ts";

/** Marks an abort caused by the tool's own `timeout`. */
export class RequestTimeout extends Error {
  override readonly name = "RequestTimeout";
}

export function statusError(result: HttpResult, statusText: string): ToolError {
  const status = result.status_code;
  const [kind, retryable] = kindOf(status);
  const retryAfter = parseRetryAfter(result.headers["retry-after"], Date.now());
  const reason = statusText || STATUS_CODES[status] || "error";
  return new ToolError(
    {
      kind,
      retryable,
      code: "NOETL_E_HTTP_STATUS",
      message: `HTTP ${status}: ${reason}`,
      status_code: status,
      ...(retryAfter === undefined ? {} : { retry_after: retryAfter }),
    },
    { data: result, extra: { http: { status, headers: result.headers } } },
  );
}

function kindOf(status: number): [ErrorKind, boolean] {
  if (status === 429) return ["rate_limit", true];
  if (status === 401 || status === 403) return ["auth", false];
  if (status === 404) return ["not_found", false];
  if (status >= 500) return ["server_error", true];
  return ["client_error", false];
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);
const TIMEOUT_CODES = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "ETIMEDOUT",
]);

export function transportError(error: unknown, req: HttpRequest, timeoutMs: number): ToolError {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const where = `${req.method} ${redact(req.url)}`;
  if (code && TIMEOUT_CODES.has(code)) return timeoutError(req, timeoutMs, error);
  if (/redirect loop/i.test(message)) {
    return new ToolError(
      {
        kind: "client_error",
        retryable: false,
        code: "NOETL_E_HTTP_REDIRECTS",
        message: `${where}: ${message}`,
      },
      { cause: error },
    );
  }
  if (code === "UND_ERR_INVALID_ARG" || code === "ERR_INVALID_ARG_TYPE" || code === "ERR_INVALID_CHAR") {
    return new ToolError(
      { kind: "schema", retryable: false, code: "NOETL_E_HTTP_CONFIG", message: `${where}: ${message}` },
      { cause: error },
    );
  }
  const tls = code !== undefined && /CERT|SELF_SIGNED|ERR_TLS|ERR_SSL/.test(code);
  return new ToolError(
    {
      kind: "connection",
      // a refused or reset connection may work later; a certificate problem will not
      retryable: !tls,
      code: "NOETL_E_HTTP_CONNECTION",
      message: `${where}: ${message}${code && !message.includes(code) ? ` (${code})` : ""}`,
    },
    { cause: error },
  );
}

function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || TIMEOUT_CODES.has(code) || depth === 0))
      return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function timeoutError(req: HttpRequest, timeoutMs: number, cause: unknown): ToolError {
  return new ToolError(
    {
      kind: "timeout",
      retryable: true,
      code: "NOETL_E_HTTP_TIMEOUT",
      message: `${req.method} ${redact(req.url)} timed out after ${timeoutMs / 1000} s`,
    },
    { cause },
  );
}

export function aborted(signal: AbortSignal, req: HttpRequest): ToolError {
  const what = `${req.method} ${redact(req.url)}`;
  return abortError(signal, {
    timeoutCode: "NOETL_E_HTTP_TIMEOUT",
    timeout: `${what} ran past the task timeout`,
    cancelled: `${what} cancelled`,
  });
}

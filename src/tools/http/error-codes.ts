import type { ErrorCodeDoc } from "../../kernel/index.ts";

/**
 * Error codes of `kind: http` (docs/errors.md lists them; a test keeps them in sync).
 * Cancellation uses the shared `NOETL_E_CANCELLED`.
 */
export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_HTTP_CONFIG",
    summary: "kind: http has no valid `url`, an unknown `method`, or an unusable `auth` credential.",
  },
  {
    code: "NOETL_E_HTTP_STATUS",
    summary:
      "The server answered non-2xx, an unfollowed 3xx included (kind rate_limit, auth, not_found, client_error or server_error; output.data has the response).",
  },
  { code: "NOETL_E_HTTP_TIMEOUT", summary: "The request ran past its `timeout` (timeout, retryable)." },
  {
    code: "NOETL_E_HTTP_CONNECTION",
    summary: "The connection failed: refused, reset, DNS or TLS error (connection, retryable).",
  },
  { code: "NOETL_E_HTTP_TOO_LARGE", summary: "The response body exceeds 50 MiB." },
  { code: "NOETL_E_HTTP_REDIRECTS", summary: "More than 5 redirects." },
];

import type { ErrorCodeDoc } from "../../kernel/index.ts";

/**
 * Error codes of `kind: nats` (docs/errors.md lists them; a test keeps them in sync).
 * Cancellation uses the shared `NOETL_E_CANCELLED`.
 */
export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_NATS_CONFIG",
    summary:
      "kind: nats has an unknown `operation`, misses `bucket`/`key`/`subject`/`stream`, has an invalid key, subject, `seq` or `encoding`, or an unusable `auth`.",
  },
  {
    code: "NOETL_E_NATS_CONNECTION",
    summary: "Cannot connect to the NATS server (connection, retryable).",
  },
  { code: "NOETL_E_NATS_TIMEOUT", summary: "A NATS request timed out (timeout, retryable)." },
  { code: "NOETL_E_NATS_AUTH", summary: "NATS refused the credentials or the permission (auth)." },
  {
    code: "NOETL_E_NATS_NOT_FOUND",
    summary:
      "The KV bucket, object store, object or stream does not exist, or no stream captures a `js_publish` subject (not_found).",
  },
  { code: "NOETL_E_NATS_ERROR", summary: "Any other NATS or JetStream error (e.g. JetStream not enabled)." },
];

import type { ErrorCodeDoc } from "../kernel/index.ts";

export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_API_VALIDATION",
    summary: "The request body or query does not match the endpoint's schema (HTTP 422).",
  },
  { code: "NOETL_E_API_BAD_REQUEST", summary: "The request is malformed (bad JSON, bad id) (HTTP 400)." },
  { code: "NOETL_E_API_TOO_LARGE", summary: "The request body exceeds the server's limit (HTTP 413)." },
  { code: "NOETL_E_API_NOT_FOUND", summary: "No such route (HTTP 404)." },
  {
    code: "NOETL_E_API_UNAUTHORIZED",
    summary: "The server requires `Authorization: Bearer <NOETL_API_TOKEN>` (HTTP 401).",
  },
  {
    code: "NOETL_E_API_INTERNAL",
    summary: "An unexpected server error (HTTP 500); the server log has the details.",
  },
  {
    code: "NOETL_E_API_UNAVAILABLE",
    summary: "The server is shutting down and takes no new worker channel (HTTP 503); the worker uses HTTP.",
  },
  { code: "NOETL_E_COMMAND_NOT_FOUND", summary: "No command with that id (HTTP 404)." },
  { code: "NOETL_E_VAR_NOT_FOUND", summary: "The execution's ctx has no variable of that name (HTTP 404)." },
  {
    code: "NOETL_E_EVENT_NOT_FOUND",
    summary: "The execution has no event of the `since_event_id` given (HTTP 404).",
  },
  {
    code: "NOETL_E_API_UNREACHABLE",
    summary: "The client could not reach the server (connection refused, timeout).",
  },
];

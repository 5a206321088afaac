import type { ErrorCodeDoc } from "../../kernel/index.ts";

/**
 * Error codes of `kind: postgres` (docs/errors.md lists them; a test keeps them in sync).
 * Cancellation uses the shared `NOETL_E_CANCELLED`.
 */
export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_PG_CONFIG",
    summary:
      "kind: postgres has no SQL, no connection (`auth`), or `params` that do not fit the placeholders (`$n` with several statements, a missing name, a wrong count, mixed styles).",
  },
  { code: "NOETL_E_PG_SCRIPT", summary: "The postgres `script` file or URL could not be read." },
  {
    code: "NOETL_E_PG_CONNECTION",
    summary:
      "Cannot reach or lost the PostgreSQL server, SQLSTATE class 08 or 57P01-03 (db_connection, retryable).",
  },
  {
    code: "NOETL_E_PG_CONSTRAINT",
    summary: "A statement violated a constraint, SQLSTATE class 23 (db_constraint; output.pg has details).",
  },
  { code: "NOETL_E_PG_DEADLOCK", summary: "Deadlock detected, SQLSTATE 40P01 (db_deadlock, retryable)." },
  {
    code: "NOETL_E_PG_TIMEOUT",
    summary:
      "A statement was cancelled by statement_timeout (57014, db_timeout) or ran past the task timeout.",
  },
  {
    code: "NOETL_E_PG_ERROR",
    summary: "Any other PostgreSQL error (db_error; output.pg has code, message, detail, hint, position).",
  },
];

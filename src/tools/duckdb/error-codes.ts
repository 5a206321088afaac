import type { ErrorCodeDoc } from "../../kernel/index.ts";

/**
 * Error codes of `kind: duckdb` (docs/errors.md lists them; a test keeps them in sync).
 * Cancellation uses the shared `NOETL_E_CANCELLED`.
 */
export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_DUCKDB_CONFIG",
    summary: "kind: duckdb has no SQL, or `params` with several statements.",
  },
  { code: "NOETL_E_DUCKDB_SCRIPT", summary: "The duckdb `script` file or URL could not be read." },
  { code: "NOETL_E_DUCKDB_OPEN", summary: "The duckdb `database` file could not be opened." },
  {
    code: "NOETL_E_DUCKDB_ERROR",
    summary: "A statement failed (db_error; output.error.details.statement_index says which).",
  },
  {
    code: "NOETL_E_DUCKDB_TIMEOUT",
    summary: "A statement ran past the task timeout (it is interrupted).",
  },
];

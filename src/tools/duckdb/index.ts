/**
 * @module tools/duckdb
 * `kind: duckdb`: SQL statements on a DuckDB database (in memory or a file; one instance per path).
 */

export { createDuckdbTool } from "./duckdb-tool.ts";
export { ERROR_CODES } from "./error-codes.ts";

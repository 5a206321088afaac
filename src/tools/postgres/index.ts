/**
 * @module tools/postgres
 * `kind: postgres`: SQL statements over pooled `pg` connections (one pool per connection).
 */

export { ERROR_CODES } from "./error-codes.ts";
export { createPostgresTool } from "./postgres-tool.ts";

/**
 * @module kernel
 * Shared vocabulary with no dependencies: JSON values, branded ids, clock and id sources,
 * the base error and Result.
 */

export type { ErrorCodeDoc, SourcePosition } from "./errors.ts";
export { formatPosition, NoetlError, playbookLine } from "./errors.ts";
export type { Brand, Clock, CommandId, EventId, ExecutionId, IdSource } from "./ids.ts";
export { SNOWFLAKE_EPOCH_MS, SnowflakeIds } from "./ids.ts";
export type { Json, JsonObject } from "./json.ts";
export { isJsonObject } from "./json.ts";
export { LineSplitter } from "./line-splitter.ts";
export type { Result } from "./result.ts";
export { err, ok } from "./result.ts";

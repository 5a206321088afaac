/**
 * @module tools
 * The Tool contract and registry. Each tool kind lives in its own sub-folder (a leaf);
 * only `app/` imports them.
 */

export { ToolRegistry } from "./registry.ts";
export { taskInput, taskTimeoutMs } from "./task-options.ts";
export type { CredentialAccessor, Tool, ToolContext, ToolLogger } from "./tool.ts";
export { MIN_SECRET_LENGTH, ToolError } from "./tool.ts";

/**
 * @module tools/shell
 * `kind: shell`: run shell commands.
 */

export { ERROR_CODES } from "./error-codes.ts";
export { createShellTool } from "./shell-tool.ts";

/**
 * @module tools/shell
 * `kind: shell`: run shell commands (a string or a list), bounded output, process-group kill.
 */

export { ERROR_CODES } from "./error-codes.ts";
export { createShellTool } from "./shell-tool.ts";

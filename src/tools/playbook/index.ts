/**
 * @module tools/playbook
 * `kind: playbook`: child executions (by catalog path or file), awaited; failures propagate.
 */

export { ERROR_CODES } from "./error-codes.ts";
export { playbookTool } from "./playbook-tool.ts";

/**
 * @module tools/noop
 * `kind: noop`: returns `config.result`, else the task input.
 */
export { noopTool } from "./noop-tool.ts";

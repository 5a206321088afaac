/**
 * @module tools/noop
 * `kind: noop`: returns `config.result`, else `{status: "noop", step}`.
 */
export { noopTool } from "./noop-tool.ts";

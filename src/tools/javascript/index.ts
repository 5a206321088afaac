/**
 * @module tools/javascript
 * `kind: javascript`: a function body run in a pool of worker threads.
 */
export { ERROR_CODES } from "./error-codes.ts";
export type { JavascriptToolOptions } from "./javascript-tool.ts";
export { createJavascriptTool } from "./javascript-tool.ts";

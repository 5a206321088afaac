/**
 * @module tools/python
 * `kind: python`: a pool of warm interpreters, one fresh namespace per task.
 */

export { ERROR_CODES } from "./error-codes.ts";
export type { PythonToolOptions } from "./python-tool.ts";
export { createPythonTool } from "./python-tool.ts";

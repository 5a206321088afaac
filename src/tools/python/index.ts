/**
 * @module tools/python
 * `kind: python`: warm interpreter pool.
 */

export { ERROR_CODES } from "./error-codes.ts";
export type { PythonToolOptions } from "./python-tool.ts";
export { createPythonTool } from "./python-tool.ts";

/**
 * @module tools/artifact
 * `kind: artifact`: put/get result references.
 */
export { artifactTool } from "./artifact-tool.ts";
export { ERROR_CODES } from "./error-codes.ts";

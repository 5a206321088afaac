/**
 * @module tools/secrets
 * `kind: secrets`: a secret from the worker's environment (`provider: env`), registered for redaction.
 */

export { ERROR_CODES } from "./error-codes.ts";
export type { SecretsToolOptions } from "./secrets-tool.ts";
export { createSecretsTool } from "./secrets-tool.ts";

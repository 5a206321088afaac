import type { Json, JsonObject } from "../../kernel/index.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { MIN_SECRET_LENGTH, ToolError } from "../tool.ts";

export interface SecretsToolOptions {
  /** Where the `env` provider reads (default: the worker's `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * `kind: secrets` (reference §5): `name` (the secret's name; `secret` when `name` is the task's
 * label in a pipeline) and `provider` (default and only
 * `env`, as the reference's worker): the value of the worker's environment variable `name`,
 * returned as `{value}` and registered as a secret, so everything the worker reports (events,
 * results, errors, captured output) shows it as `[REDACTED]`: only the later tasks of the same
 * step see it. An unset variable, another provider or a value too short to redact is an error.
 */
export function createSecretsTool(options: SecretsToolOptions = {}): Tool {
  const env = options.env ?? process.env;
  return {
    kind: "secrets",
    run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const name = config.secret ?? config.name;
      if (typeof name !== "string" || name === "") {
        return Promise.reject(configError("kind: secrets needs `name` (or `secret`): the secret's name"));
      }
      const provider = config.provider ?? "env";
      if (provider !== "env") {
        return Promise.reject(
          configError(`kind: secrets: provider ${JSON.stringify(provider)} is not supported (only env)`),
        );
      }
      const value = env[name];
      if (value === undefined) {
        return Promise.reject(
          new ToolError({
            kind: "not_found",
            retryable: false,
            code: "NOETL_E_SECRETS_MISSING",
            message: `secret ${name}: the environment variable is not set on the worker`,
          }),
        );
      }
      if (value.length < MIN_SECRET_LENGTH) {
        return Promise.reject(
          new ToolError({
            kind: "tool_error",
            retryable: false,
            code: "NOETL_E_SECRETS_TOO_SHORT",
            message: `secret ${name} is shorter than ${MIN_SECRET_LENGTH} characters: too short to be redacted`,
          }),
        );
      }
      ctx.addSecret(value);
      return Promise.resolve({ value });
    },
  };
}

function configError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_SECRETS_CONFIG", message });
}

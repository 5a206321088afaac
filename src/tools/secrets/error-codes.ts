import type { ErrorCodeDoc } from "../../kernel/index.ts";

export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_SECRETS_CONFIG",
    summary: "kind: secrets has no `name`, or a `provider` other than `env`.",
  },
  {
    code: "NOETL_E_SECRETS_MISSING",
    summary: "The environment variable a `kind: secrets` task names is not set on the worker.",
  },
  {
    code: "NOETL_E_SECRETS_TOO_SHORT",
    summary: "The secret is shorter than 4 characters, too short to be redacted safely.",
  },
];

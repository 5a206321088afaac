import type { ErrorCodeDoc } from "../../kernel/index.ts";

/**
 * Error codes of `kind: shell` (docs/errors.md lists them; a test keeps them in sync).
 * Cancellation uses the shared `NOETL_E_CANCELLED`.
 */
export const ERROR_CODES: ErrorCodeDoc[] = [
  { code: "NOETL_E_SHELL_CONFIG", summary: "kind: shell needs `command` or `cmds`." },
  {
    code: "NOETL_E_SHELL_EXIT",
    summary: "A shell command exited non-zero (output.data has returncode, stdout, stderr).",
  },
  {
    code: "NOETL_E_SHELL_TIMEOUT",
    summary: "A shell command ran past its timeout (its process group is killed).",
  },
  { code: "NOETL_E_SHELL_START", summary: "The shell could not be started." },
];

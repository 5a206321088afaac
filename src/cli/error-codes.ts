import type { ErrorCodeDoc } from "../kernel/index.ts";

export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_CLI_ARGUMENT",
    summary: "A command-line argument is malformed (e.g. --set without =, --payload not a JSON object).",
  },
  {
    code: "NOETL_E_CLI_FILE",
    summary: "A playbook file cannot be read, is a directory, is binary, or is too large.",
  },
];

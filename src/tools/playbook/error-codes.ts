import type { ErrorCodeDoc } from "../../kernel/index.ts";

export const ERROR_CODES: ErrorCodeDoc[] = [
  { code: "NOETL_E_CHILD_FAILED", summary: "A sub-playbook (kind: playbook) failed or was cancelled." },
  {
    code: "NOETL_E_PLAYBOOK_TOOL",
    summary: "kind: playbook has no `path`, or its playbook file cannot be read.",
  },
];

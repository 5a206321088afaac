import type { ErrorCodeDoc } from "../kernel/index.ts";

export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_CATALOG_NOT_FOUND",
    summary: "No playbook is registered at that catalog path/version or id.",
  },
  { code: "NOETL_E_EXECUTION_NOT_FOUND", summary: "No execution with that id." },
  {
    code: "NOETL_E_EXECUTION_FINISHED",
    summary: "The execution has already finished: its ctx cannot be patched nor a token injected (HTTP 409).",
  },
  {
    code: "NOETL_E_STEP_NOT_FOUND",
    summary:
      "The execution's playbook has no step of that name: a token injected into it (HTTP 404), or a run started at it (`noetl run -t`).",
  },
  {
    code: "NOETL_E_EXECUTION_CORRUPT",
    summary: "An execution's event log does not start with playbook.initialized.",
  },
  {
    code: "NOETL_E_EXECUTE_REQUEST",
    summary: "An execute request names neither a playbook path nor content.",
  },
  { code: "REFERENCE_NOT_AVAILABLE", summary: "A result reference (noetl://…) could not be resolved." },
];

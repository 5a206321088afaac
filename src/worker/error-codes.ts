import type { ErrorCodeDoc } from "../kernel/index.ts";

export const ERROR_CODES: ErrorCodeDoc[] = [
  { code: "NOETL_E_UNKNOWN_TOOL", summary: "A task's kind has no tool on this worker." },
  {
    code: "NOETL_E_PIPELINE_RUNAWAY",
    summary: "A step's pipeline ran more than 10,000 tasks (a jump or retry loop that never ends).",
  },
  { code: "NOETL_E_JUMP_TARGET", summary: "A policy `jump` target is not a task of the step." },
  { code: "NOETL_E_POLICY_FAIL", summary: "A policy rule chose `do: fail` for a task that succeeded." },
  { code: "NOETL_E_TOOL", summary: "A tool failed with an unclassified error." },
  {
    code: "NOETL_E_WORKER",
    summary: "The worker could not prepare a command (e.g. a result reference could not be read).",
  },
  { code: "NOETL_E_UNKNOWN", summary: "A step failed without error details." },
  { code: "NOETL_E_KEYCHAIN_KIND", summary: "A keychain entry has a kind the worker cannot resolve." },
  {
    code: "NOETL_E_KEYCHAIN_OAUTH2",
    summary: "An `oauth2` keychain entry's token request failed (unreachable, refused, or not JSON).",
  },
  {
    code: "NOETL_E_KEYCHAIN_TEMPLATE",
    summary: "A keychain entry's template could not be rendered (against `workload` and earlier entries).",
  },
];

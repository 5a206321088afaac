import type { ErrorCodeDoc } from "../kernel/index.ts";

/** Every diagnostic code of the DSL (docs/errors.md lists them; a test keeps them in sync). */
export const ERROR_CODES: ErrorCodeDoc[] = [
  { code: "NOETL_E_PLAYBOOK_INVALID", summary: "The playbook has errors (the diagnostics list each one)." },
  {
    code: "NOETL_E_DSL_YAML",
    summary: "The document is not valid YAML (or nests too deep, or has too many aliases).",
  },
  {
    code: "NOETL_E_DSL_NOT_A_MAP",
    summary: "The document (or a part of it) is not a map where one is required.",
  },
  {
    code: "NOETL_E_DSL_API_VERSION",
    summary: "apiVersion is missing or not noetl.io/v2 (noetl.io/v10 is an alias).",
  },
  { code: "NOETL_E_DSL_KIND", summary: "kind is missing or not Playbook." },
  { code: "NOETL_E_DSL_METADATA", summary: "metadata is missing or has no name." },
  {
    code: "NOETL_E_DSL_UNKNOWN_KEY",
    summary: "An unknown key at the root (use --lenient to make it a warning) or in a step.",
  },
  {
    code: "NOETL_E_DSL_ROOT_VARS",
    summary: "Root `vars` is not supported: use `workload` for inputs or `set: ctx.*` for state.",
  },
  { code: "NOETL_E_DSL_WORKFLOW", summary: "workflow is missing, empty or not a list of steps." },
  {
    code: "NOETL_E_DSL_STEP_NAME",
    summary: "A step has no name, a duplicate name, or a reserved name (ctx, iter, workload …).",
  },
  { code: "NOETL_E_DSL_TOOL", summary: "A step's tool is malformed (not a map or list of tasks, no kind)." },
  { code: "NOETL_E_DSL_TASK_LABEL", summary: "Two tasks of one step have the same label." },
  {
    code: "NOETL_E_DSL_TOOL_CONFIG",
    summary: "A tool's configuration misses a required field for its kind (e.g. http without url).",
  },
  {
    code: "NOETL_E_DSL_POLICY",
    summary: "A task policy rule is malformed (missing or unknown `do`, bad attempts/backoff).",
  },
  { code: "NOETL_E_DSL_JUMP_TARGET", summary: "A `jump` names a task label that is not in the same step." },
  { code: "NOETL_E_DSL_NEXT", summary: "A step's `next` is malformed." },
  {
    code: "NOETL_E_DSL_ARC_TARGET",
    summary: "An arc (or entry_step, final_step, on_error) names a step that does not exist.",
  },
  {
    code: "NOETL_E_DSL_LOOP",
    summary: "A loop is malformed (needs `in` and `iterator`; mode sequential|parallel).",
  },
  { code: "NOETL_E_DSL_ADMIT", summary: "An admission rule is malformed." },
  { code: "NOETL_E_DSL_TEMPLATE", summary: "A template does not parse." },
  {
    code: "NOETL_E_DSL_KEYCHAIN",
    summary:
      "A keychain entry is malformed or of a kind this engine does not resolve (static, bearer, env, credential, oauth2 are supported).",
  },
  {
    code: "NOETL_E_DSL_WORKBOOK",
    summary: "A workbook entry is malformed or a workbook call names an unknown entry.",
  },
  {
    code: "NOETL_E_DSL_LEGACY_REJECTED",
    summary: "A legacy construct that has no safe meaning (set_ctx, set_iter, expr, case).",
  },
  {
    code: "NOETL_W_DSL_LEGACY",
    summary:
      "Warning: a legacy shape was rewritten to the canonical form (`noetl migrate` rewrites the file).",
  },
  { code: "NOETL_W_DSL_UNREACHABLE", summary: "Warning: a step cannot be reached from the entry step." },
  { code: "NOETL_W_DSL_UNKNOWN_KEY", summary: "Warning: an unknown root key was ignored (--lenient)." },
];

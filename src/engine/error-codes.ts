import type { ErrorCodeDoc } from "../kernel/index.ts";

/** Errors the engine raises while routing (they reach handlers as `error.code`). */
export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_LOOP_NOT_A_LIST",
    summary: "A step's `loop.in` rendered to something other than a list (null counts as empty).",
  },
  {
    code: "NOETL_E_LOOP_FAILED",
    summary: "A fail_fast loop had a failed iteration (the first iteration error is reported when known).",
  },
  {
    code: "NOETL_E_NO_NEXT",
    summary:
      "A step without `next`, or none of whose arcs matched, finished while `executor.spec.no_next_is_error` is set.",
  },
  {
    code: "NOETL_E_TEMPLATE",
    summary: "A template in a step's input, set, admission or arcs failed to render (kind: schema).",
  },
  { code: "NOETL_E_CANCELLED", summary: "The execution (or a task) was cancelled." },
  {
    code: "NOETL_E_FINALIZED",
    summary: "The execution was forced to end as failed (`POST /api/executions/{id}/finalize`).",
  },
];

import type { ErrorCodeDoc } from "../../kernel/index.ts";

export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_ARTIFACT_CONFIG",
    summary: "kind: artifact has a bad `action` or no reference (`ref`, `result_ref` or `uri`) for get.",
  },
  { code: "NOETL_E_ARTIFACT_MISSING", summary: "The result reference an artifact get names does not exist." },
];

import type { ErrorCodeDoc } from "../../kernel/index.ts";

/** Error codes of `kind: javascript` (docs/errors.md lists them; a test keeps them in sync). */
export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_JS",
    summary: "The javascript code threw (or failed to compile); output.js has name, message, stack.",
  },
  { code: "NOETL_E_JS_CONFIG", summary: "kind: javascript needs `code` (a string: a function body)." },
  {
    code: "NOETL_E_JS_RESULT",
    summary: "The javascript result is not JSON (a function, Map, bigint, cycle …).",
  },
  {
    code: "NOETL_E_JS_TIMEOUT",
    summary: "The javascript task ran past its timeout; the worker thread was replaced.",
  },
  {
    code: "NOETL_E_JS_OUT_OF_MEMORY",
    summary: "The javascript task exceeded the worker's heap limit; the worker was replaced.",
  },
  {
    code: "NOETL_E_JS_CRASHED",
    summary:
      "The javascript worker thread died during the task (process.exit, uncaught error in a callback).",
  },
  {
    code: "NOETL_E_JS_CANCELLED",
    summary: "The javascript task was cancelled; the worker thread was replaced.",
  },
];

import type { ErrorCodeDoc } from "../../kernel/index.ts";

/**
 * Error codes of `kind: python` (docs/errors.md lists them; a test keeps them in sync).
 * Cancellation uses the shared `NOETL_E_CANCELLED`.
 */
export const ERROR_CODES: ErrorCodeDoc[] = [
  {
    code: "NOETL_E_PYTHON",
    summary: "The python code raised an exception (output.py has type, message, traceback).",
  },
  {
    code: "NOETL_E_PYTHON_CRASHED",
    summary: "The python interpreter died during the task (it is replaced).",
  },
  {
    code: "NOETL_E_PYTHON_TIMEOUT",
    summary: "The python task ran past its timeout (the interpreter is replaced).",
  },
  {
    code: "NOETL_E_PYTHON_SCRIPT",
    summary: "kind: python has no `code`, or its `script` could not be loaded.",
  },
];

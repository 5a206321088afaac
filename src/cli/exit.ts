import { formatPosition, NoetlError } from "../kernel/index.ts";

/** Exit codes: 0 ok, 1 failed execution / runtime error, 2 invalid input (playbook, arguments). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;

/** Print an error for a person (never a stack trace unless NOETL_DEBUG is set) and exit. */
export function exitWithError(error: unknown, code = EXIT_FAILED): never {
  if (error instanceof NoetlError) {
    const where = error.position ? `${formatPosition(error.position)}: ` : "";
    process.stderr.write(`error ${error.code}: ${where}${error.message}\n`);
  } else if (error instanceof Error) {
    process.stderr.write(`error: ${error.message}\n`);
  } else {
    process.stderr.write(`error: ${String(error)}\n`);
  }
  if (process.env.NOETL_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  process.exit(code);
}

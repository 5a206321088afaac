import { NoetlError } from "../kernel/index.ts";

/**
 * A command-line count (`--concurrency 8`) or port (`--port 8082`): a whole number of at least
 * `min` (and at most `max`).
 */
export function wholeNumber(
  option: string,
  text: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new NoetlError(
      "NOETL_E_CLI_ARGUMENT",
      max === Number.MAX_SAFE_INTEGER
        ? `${option} needs a whole number of at least ${min}, not '${text}'`
        : `${option} needs a whole number from ${min} to ${max}, not '${text}'`,
    );
  return n;
}

/** A TCP port given on the command line (0: any free port). */
export function portNumber(option: string, text: string): number {
  return wholeNumber(option, text, 0, 65_535);
}

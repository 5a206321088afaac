import { NoetlError } from "../kernel/index.ts";

/** A command-line count (`--concurrency 8`): a whole number of at least `min`. */
export function wholeNumber(option: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new NoetlError(
      "NOETL_E_CLI_ARGUMENT",
      `${option} needs a whole number of at least ${min}, not '${text}'`,
    );
  return n;
}

import { NoetlError } from "../kernel/index.ts";

/** A command-line argument the CLI refuses (exit 2 where the command treats it as invalid). */
export function invalidArgument(message: string): NoetlError {
  return new NoetlError("NOETL_E_CLI_ARGUMENT", message);
}

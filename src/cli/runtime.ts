import type { ContextRuntime } from "../app/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { Reference } from "./reference.ts";

export type Runtime = "local" | "distributed";

/**
 * The runtime of `noetl exec|run` (reference §8): an explicit `-r local|distributed` wins, then
 * the current context's `runtime` (`contextRuntime`); `auto` (the default) runs a file locally
 * (embedded) and a catalog reference on a server.
 * `catalogLocal`: `run` keeps running a catalog path embedded, as it always did, unless a server
 * is named (`--server`, NOETL_SERVER_URL, a current context).
 */
export function resolveRuntime(
  flag: string | undefined,
  ref: Reference,
  catalogLocal: boolean,
  contextRuntime?: ContextRuntime,
): Runtime {
  const wanted = flag ?? "auto";
  if (wanted === "local" || wanted === "distributed") return wanted;
  if (wanted !== "auto")
    throw new NoetlError(
      "NOETL_E_CLI_ARGUMENT",
      `-r/--runtime is local, distributed or auto, not '${wanted}'`,
    );
  if (contextRuntime === "local" || contextRuntime === "distributed") return contextRuntime;
  if (ref.kind === "file") return "local";
  return catalogLocal ? "local" : "distributed";
}

/**
 * Values a template made itself (list and dict literals, `dict()`, `range()`, `|list`,
 * `.copy()`), the only ones its mutating methods (`append`, `update`, …) may change. Everything
 * else a template sees — `workload`, `ctx`, step results, inputs — is the engine's state: changed
 * in place, it would differ from what the event log replays, so those methods refuse it (copy
 * first: `{% set xs = workload.items | list %}`).
 */
import { TemplateError } from "./template-error.ts";

const owned = new WeakSet<object>();

/** Marks a value the template made; returns it. */
export function own<T extends object>(value: T): T {
  owned.add(value);
  return value;
}

/** Throws unless the template made `value` (a mutating method is about to change it). */
export function requireOwned(value: object, method: string): void {
  if (owned.has(value)) return;
  throw new TemplateError(
    "NOETL_E_TEMPLATE_TYPE",
    `${method}() cannot change a value the template did not make (workload, ctx, inputs and step results are read-only): copy it first, e.g. \`{% set xs = workload.items | list %}\``,
  );
}

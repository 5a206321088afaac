import { referencedNames } from "../expr/index.ts";
import type { Task } from "../protocol/index.ts";

const cache = new WeakMap<readonly Task[], ReadonlySet<string>>();

/**
 * The root names a task pipeline's templates read (configs, policy conditions and writes).
 * Cached by the tasks array: the engine and the worker share it for every run of a step.
 */
export function pipelineNames(tasks: readonly Task[]): ReadonlySet<string> {
  let names = cache.get(tasks);
  if (!names) {
    names = referencedNames(
      tasks.map((t) => [t.config, t.policy.rules.map((r) => [r.when ?? null, r.then.set ?? null])]),
    );
    cache.set(tasks, names);
  }
  return names;
}

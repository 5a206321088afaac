/** The late-2025 step `retry:` block, as task policy rules (reference §1.9, DECISIONS 2). */
import type { PolicyRule, Task } from "../protocol/index.ts";
import type { Diagnostics, Path } from "./diagnostics.ts";
import { asJson, isObj } from "./raw.ts";

/**
 * The late-2025 step `retry: {max_attempts, initial_delay, backoff_multiplier, max_delay,
 * retry_when}` → a retry rule on each task (reference §1.9): `when` = `retry_when`, else the task
 * failed; `attempts` = `max_attempts` (3); `delay` = `initial_delay` (1 s); a multiplier above 1
 * backs off exponentially (×2 per attempt: other multipliers are rounded to it, with a warning).
 */
export function legacyRetry(raw: unknown, tasks: Task[], path: Path, d: Diagnostics): void {
  if (!isObj(raw)) {
    d.error(
      "NOETL_E_DSL_LEGACY_REJECTED",
      "step `retry` must be a map (max_attempts, initial_delay, …)",
      path,
    );
    return;
  }
  const multiplier = raw.backoff_multiplier === undefined ? 2 : Number(raw.backoff_multiplier);
  d.warn(
    "NOETL_W_DSL_LEGACY",
    `step \`retry\` is legacy; write a task rule \`spec.policy.rules: [{when, then: {do: retry, attempts, backoff, delay}}]\`${
      multiplier > 1 && multiplier !== 2 ? ` (backoff_multiplier ${multiplier} runs as exponential, ×2)` : ""
    }`,
    path,
  );
  const num = (v: unknown, fallback: number) => (typeof v === "number" && v >= 0 ? v : fallback);
  const rule: PolicyRule = {
    when: asJson(raw.retry_when ?? "{{ output.status == 'error' }}"),
    else: false,
    then: {
      do: "retry",
      attempts: Math.max(1, Math.floor(num(raw.max_attempts, 3))),
      delay: num(raw.initial_delay, 1),
      backoff: multiplier > 1 ? "exponential" : "none",
      ...(typeof raw.max_delay === "number" ? { max_delay: raw.max_delay } : {}),
    },
  };
  for (const t of tasks) t.policy.rules.push(rule);
}

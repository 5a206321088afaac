/** Retry delay of DECISIONS 24 (seconds in, milliseconds out). `random` is injected for tests. */
import type { PolicyThen } from "../protocol/index.ts";

export function retryDelayMs(
  then: PolicyThen,
  retryNumber: number,
  random: () => number = Math.random,
): number {
  const base = (then.delay ?? 1) * 1000;
  let delay: number;
  switch (then.backoff ?? "none") {
    case "linear":
      delay = base * retryNumber;
      break;
    case "exponential":
      delay = base * 2 ** (retryNumber - 1);
      break;
    default:
      delay = base;
  }
  if (then.max_delay !== undefined) delay = Math.min(delay, then.max_delay * 1000);
  if (then.jitter === true) delay = random() * delay;
  else if (typeof then.jitter === "number" && then.jitter > 0)
    delay = delay * (1 - then.jitter + random() * 2 * then.jitter);
  return Math.max(0, Math.round(delay));
}

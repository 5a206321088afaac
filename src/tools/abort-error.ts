import { ToolError } from "./tool.ts";

/** True when an abort reason is the task timeout (`AbortSignal.timeout`), not a cancellation. */
export function isTimeoutReason(reason: unknown): reason is Error {
  return reason instanceof Error && reason.name === "TimeoutError";
}

/**
 * The error of a task whose signal aborted: `timeout` (retryable) when the task timeout fired,
 * else `cancelled` (NOETL_E_CANCELLED).
 */
export function abortError(
  signal: AbortSignal,
  texts: { timeoutCode: string; timeout: string; cancelled: string },
): ToolError {
  if (isTimeoutReason(signal.reason)) {
    return new ToolError({
      kind: "timeout",
      retryable: true,
      code: texts.timeoutCode,
      message: texts.timeout,
    });
  }
  return new ToolError({
    kind: "cancelled",
    retryable: false,
    code: "NOETL_E_CANCELLED",
    message: texts.cancelled,
  });
}

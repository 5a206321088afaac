/** Config conventions every tool shares: the task input and the task timeout. */
import type { JsonObject } from "../kernel/index.ts";
import { isJsonObject } from "../kernel/index.ts";
import type { ToolContext } from "./tool.ts";

/**
 * A task's input: `config.args`, then `config.input`, then the step input (objects; later wins:
 * reference §2.3). The tool's own values are its defaults; the step's input, with the message an
 * arc sent it, is what this call was given.
 */
export function taskInput(stepInput: JsonObject, config: JsonObject): JsonObject {
  const args = config.args;
  const input = config.input;
  if (!isJsonObject(args) && !isJsonObject(input)) return stepInput;
  return { ...(isJsonObject(args) ? args : {}), ...(isJsonObject(input) ? input : {}), ...stepInput };
}

/** The task timeout in ms: the step's `spec.timeout` (ctx), else `config.timeout` seconds, else the fallback. */
export function taskTimeoutMs(config: JsonObject, ctx: ToolContext, fallbackMs: number): number {
  if (ctx.timeoutMs !== undefined && ctx.timeoutMs > 0) return ctx.timeoutMs;
  const seconds = Number(config.timeout);
  return config.timeout !== undefined && config.timeout !== null && seconds > 0 ? seconds * 1000 : fallbackMs;
}

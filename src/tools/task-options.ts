/** Config conventions every tool shares: the task input and the task timeout. */
import type { JsonObject } from "../kernel/index.ts";
import { isJsonObject } from "../kernel/index.ts";
import type { ToolContext } from "./tool.ts";

/** A task's input: the step input, then `config.args`, then `config.input` (objects; later wins). */
export function taskInput(stepInput: JsonObject, config: JsonObject): JsonObject {
  const args = config.args;
  const input = config.input;
  if (!isJsonObject(args) && !isJsonObject(input)) return stepInput;
  return { ...stepInput, ...(isJsonObject(args) ? args : {}), ...(isJsonObject(input) ? input : {}) };
}

/** The task timeout in ms: the step's `spec.timeout` (ctx), else `config.timeout` seconds, else the fallback. */
export function taskTimeoutMs(config: JsonObject, ctx: ToolContext, fallbackMs: number): number {
  if (ctx.timeoutMs !== undefined && ctx.timeoutMs > 0) return ctx.timeoutMs;
  const seconds = Number(config.timeout);
  return config.timeout !== undefined && config.timeout !== null && seconds > 0 ? seconds * 1000 : fallbackMs;
}

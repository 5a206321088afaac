import type { Json, JsonObject } from "../../kernel/index.ts";
import type { Tool, ToolContext } from "../tool.ts";

/**
 * `kind: noop`: does nothing. Returns `config.result` when the config has a `result` key (any
 * JSON, including null), else `{status: "noop", step}` (the reference's result), so a noop task
 * can carry a computed value or just route.
 */
export const noopTool: Tool = {
  kind: "noop",
  run(config: JsonObject, ctx: ToolContext): Promise<Json> {
    if (Object.hasOwn(config, "result")) return Promise.resolve(config.result ?? null);
    return Promise.resolve({ status: "noop", step: ctx.step });
  },
};

import type { Json, JsonObject } from "../../kernel/index.ts";
import type { Tool, ToolContext } from "../tool.ts";

/**
 * `kind: noop`: does nothing. Returns `config.result` when the config has a `result` key (any
 * JSON, including null), else the task's merged input (`{}` when there is none), so a noop task
 * can pass values along a pipeline or just route.
 */
export const noopTool: Tool = {
  kind: "noop",
  run(config: JsonObject, ctx: ToolContext): Promise<Json> {
    if (Object.hasOwn(config, "result")) return Promise.resolve(config.result ?? null);
    return Promise.resolve(ctx.input ?? {});
  },
};

/**
 * `kind: artifact`: store a value as a result reference (`action: put`, `data`, optional
 * `name`) or read one back (`action: get`, `ref` — also `result_ref`, upstream's name, or `uri` —
 * a reference string or ResultRef map).
 */
import type { Json, JsonObject } from "../../kernel/index.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";

export const artifactTool: Tool = {
  kind: "artifact",
  async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
    const given = config.ref ?? config.result_ref ?? config.uri;
    const action = config.action ?? (given !== undefined ? "get" : "put");
    if (action === "put") {
      const data = config.data !== undefined ? config.data : (ctx.input.data ?? null);
      const name = typeof config.name === "string" ? config.name : `${ctx.step}.${ctx.task}`;
      return (await ctx.controlPlane.putResult(ctx.executionId, name, data)) as unknown as Json;
    }
    if (action === "get") {
      const raw = given ?? ctx.input.ref ?? ctx.input.result_ref;
      const ref =
        typeof raw === "string"
          ? raw
          : raw && typeof raw === "object" && !Array.isArray(raw)
            ? raw.ref
            : undefined;
      if (typeof ref !== "string")
        throw configError(
          "artifact get needs `ref` or `result_ref` (a reference string or a result_ref map)",
        );
      try {
        return await ctx.controlPlane.resolveResult(ref);
      } catch (error) {
        throw new ToolError(
          {
            kind: "missing_reference",
            retryable: false,
            code: "NOETL_E_ARTIFACT_MISSING",
            message: `artifact ${ref} not found`,
          },
          { cause: error },
        );
      }
    }
    throw configError(`artifact action must be get or put (got ${JSON.stringify(action)})`);
  },
};

function configError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_ARTIFACT_CONFIG", message });
}

/**
 * `kind: artifact`: store a value as a result reference (`action: put`, `data`; named
 * `<step>.<task>`, the task's `name` being its label) or read one back (`action: get`, `ref` — also `result_ref`, upstream's name, or `uri` —
 * a reference string, a ResultRef map or a put's result). Both return the reference's shape
 * `{data?, uri, size_bytes, compressed}` (reference §5): put without `data`, get with it.
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
      const stored = await ctx.controlPlane.putResult(ctx.executionId, `${ctx.step}.${ctx.task}`, data);
      return { uri: stored.ref, size_bytes: stored.bytes, compressed: false };
    }
    if (action === "get") {
      const uri = uriOf(given ?? ctx.input.ref ?? ctx.input.result_ref ?? ctx.input.uri);
      if (uri === undefined)
        throw configError(
          "artifact get needs `ref`, `result_ref` or `uri` (a reference string, a result_ref map or a put's result)",
        );
      let data: Json;
      try {
        data = await ctx.controlPlane.resolveResult(uri);
      } catch (error) {
        throw new ToolError(
          {
            kind: "missing_reference",
            retryable: false,
            code: "NOETL_E_ARTIFACT_MISSING",
            message: `artifact ${uri} not found`,
          },
          { cause: error },
        );
      }
      return { data, uri, size_bytes: Buffer.byteLength(JSON.stringify(data)), compressed: false };
    }
    throw configError(`artifact action must be get or put (got ${JSON.stringify(action)})`);
  },
};

/** The reference string of a string, a ResultRef map (`ref`) or a put's result (`uri`). */
function uriOf(raw: Json | undefined): string | undefined {
  if (typeof raw === "string") return raw;
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    const ref = raw.ref ?? raw.uri;
    return typeof ref === "string" ? ref : undefined;
  }
  return undefined;
}

function configError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_ARTIFACT_CONFIG", message });
}

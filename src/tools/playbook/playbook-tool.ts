import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { ExecutionId, Json, JsonObject } from "../../kernel/index.ts";
import type { Tool, ToolContext } from "../index.ts";
import { ToolError } from "../index.ts";

/**
 * `kind: playbook`: runs a child execution (catalog path, or a playbook file) with the task's
 * input as its payload, waits for it, and returns its result. A failed child is a task error.
 * Cancelling the parent task cancels the child. `async: true` / `wait: false`: fire-and-forget,
 * returns `{status: started, execution_id, path, async: true}`.
 */
export const playbookTool: Tool = {
  kind: "playbook",
  async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
    const path = typeof config.path === "string" ? config.path : undefined;
    if (!path) throw schemaError("kind: playbook needs `path` (a catalog path or a playbook file)");
    const payload = { ...ctx.input };
    const version = typeof config.version === "number" ? config.version : undefined;
    const content = /\.ya?ml$/i.test(path) ? await readPlaybookFile(path) : undefined;
    const { execution_id } = await ctx.controlPlane.execute({
      ...(content ? { content } : { path, ...(version !== undefined ? { version } : {}) }),
      payload,
      parent_execution_id: ctx.executionId,
    });
    const wait = config.wait !== false && config.async !== true;
    if (!wait) return { status: "started", execution_id, path, async: true };
    const onAbort = () => void ctx.controlPlane.cancel(execution_id as ExecutionId, "parent task cancelled");
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      const summary = await ctx.controlPlane.waitFor(execution_id, ctx.signal);
      if (summary.status !== "completed") {
        const childError = (summary.error ?? null) as JsonObject | null;
        const message =
          childError && typeof childError.message === "string"
            ? childError.message
            : `child ${summary.status}`;
        throw new ToolError(
          {
            kind: "tool_error",
            retryable: false,
            code: "NOETL_E_CHILD_FAILED",
            message: `child playbook ${path} (execution ${execution_id}) ${summary.status}: ${message}`,
            details: { execution_id, status: summary.status, error: childError },
          },
          { data: { execution_id, status: summary.status, error: childError } },
        );
      }
      return { execution_id, status: summary.status, result: summary.result ?? null };
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
  },
};

async function readPlaybookFile(path: string): Promise<string> {
  try {
    return await readFile(resolve(path), "utf8");
  } catch (error) {
    throw schemaError(`cannot read playbook file ${path}: ${(error as Error).message}`);
  }
}

function schemaError(message: string): ToolError {
  return new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_PLAYBOOK_TOOL", message });
}

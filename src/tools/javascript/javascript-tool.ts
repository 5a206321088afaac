import type { Json, JsonObject } from "../../kernel/index.ts";
import type { ErrorKind } from "../../protocol/index.ts";
import { isTimeoutReason } from "../abort-error.ts";
import { taskInput, taskTimeoutMs } from "../task-options.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { type JsFailure, JsTaskFailure, JsWorkerPool } from "./js-worker-pool.ts";
import { toJson } from "./to-json.ts";

/** Options of {@link createJavascriptTool}. */
export interface JavascriptToolOptions {
  /** Worker threads kept warm (default 2). */
  poolSize?: number;
  /** V8 old-generation heap limit per thread, MiB (default 256). */
  maxOldGenerationSizeMb?: number;
  /** Task timeout when neither the context nor `config.timeout` sets one, ms (default 60 000). */
  defaultTimeoutMs?: number;
  /**
   * How long a thread whose line ran empty polls for its next task, µs (default 1000; 0: never;
   * see `JsWorkerPoolOptions.spinUs`).
   */
  spinUs?: number;
}

/**
 * `kind: javascript`: runs `config.code` — the body of an async function of `(input, context)`
 * that may `return` a value; input keys that are identifiers are also bound as locals — in a
 * lazily started pool of worker threads. The result must be JSON (see {@link toJson}). Timeouts,
 * cancellation and heap exhaustion terminate the thread, which is replaced on the next task.
 */
export function createJavascriptTool(options: JavascriptToolOptions = {}): Tool {
  const pool = new JsWorkerPool({
    size: Math.max(1, options.poolSize ?? 2),
    maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 256,
    ...(options.spinUs !== undefined ? { spinUs: options.spinUs } : {}),
  });
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
  return {
    kind: "javascript",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const code = config.code;
      if (typeof code !== "string") {
        throw toolError(
          "schema",
          "NOETL_E_JS_CONFIG",
          "kind: javascript needs `code` (a string: a function body)",
        );
      }
      const timeoutMs = taskTimeoutMs(config, ctx, defaultTimeoutMs);
      let reply: Awaited<ReturnType<JsWorkerPool["run"]>>;
      try {
        reply = await pool.run({
          code,
          input: taskInput(ctx.input, config),
          // the render context is built and copied only for code that reads it (it may be large)
          context: /\bcontext\b/.test(code) ? ctx.context : {},
          timeoutMs,
          signal: ctx.signal,
        });
      } catch (error) {
        if (error instanceof JsTaskFailure) throw failureError(error.failure);
        throw error;
      }
      if (!reply.ok) {
        const { name, message, stack } = reply.error;
        if (reply.clone) {
          throw toolError("tool_error", "NOETL_E_JS_RESULT", `javascript result is not JSON: ${message}`);
        }
        throw new ToolError(
          {
            kind: "tool_error",
            retryable: false,
            code: "NOETL_E_JS",
            message: `${name}: ${message}`,
            exception_type: name,
          },
          { extra: { js: { name, message, stack } } },
        );
      }
      try {
        return toJson(reply.value);
      } catch (error) {
        throw toolError(
          "tool_error",
          "NOETL_E_JS_RESULT",
          `javascript result is not JSON: ${(error as Error).message}`,
        );
      }
    },
    close: () => pool.close(),
  };
}

function failureError(failure: JsFailure): ToolError {
  switch (failure.kind) {
    case "timeout":
      return timeoutError(`javascript task timed out after ${failure.timeoutMs} ms`);
    case "aborted":
      if (isTimeoutReason(failure.reason)) {
        return timeoutError(`javascript task timed out: ${failure.reason.message}`);
      }
      return toolError("cancelled", "NOETL_E_JS_CANCELLED", "javascript task cancelled");
    case "out_of_memory":
      return toolError(
        "tool_error",
        "NOETL_E_JS_OUT_OF_MEMORY",
        `javascript task ran out of memory: ${failure.message}`,
      );
    case "crashed":
      return toolError("tool_error", "NOETL_E_JS_CRASHED", `javascript worker crashed: ${failure.message}`);
  }
}

function timeoutError(message: string): ToolError {
  return new ToolError({ kind: "timeout", retryable: true, code: "NOETL_E_JS_TIMEOUT", message });
}

function toolError(kind: ErrorKind, code: string, message: string): ToolError {
  return new ToolError({ kind, retryable: false, code, message });
}

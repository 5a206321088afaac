import type { Json, JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import { isTimeoutReason } from "../abort-error.ts";
import { taskInput, taskTimeoutMs } from "../task-options.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { type PyFailure, type PyReply, PyTaskFailure, PythonInterpreterPool } from "./interpreter-pool.ts";
import { loadCode } from "./load-code.ts";

/** Options of {@link createPythonTool}. */
export interface PythonToolOptions {
  /** Interpreter, resolved once (default: `NOETL_PYTHON`, else `python3`). */
  python?: string;
  /** Warm interpreters (default 2, started on demand). */
  poolSize?: number;
  /** Bound on captured stdout and on stderr per task, UTF-8 bytes (default 64 KiB). */
  maxOutputBytes?: number;
  /** Address-space limit (RLIMIT_AS) while a task runs, MiB (default none; `config.memory_mb` overrides). */
  memoryMb?: number;
  /** Task timeout when neither the context nor `config.timeout` sets one, ms (default 300 000). */
  timeoutMs?: number;
}

/**
 * `kind: python` (DECISIONS 32): runs `code` or `script` in a pool of warm interpreters with a
 * fresh namespace per task. Inputs are bound as variables and as `input_data`, `context` is the
 * render context, `libs` are imported; the result is `result`, a top-level `return`, or
 * `main(**inputs)`. Output is captured (bounded) and passed to `ctx.emitOutput`. An exception is a
 * `tool_error` with `output.py`; a timeout, cancellation or crash replaces the interpreter.
 */
export function createPythonTool(options: PythonToolOptions = {}): Tool {
  const pool = new PythonInterpreterPool({
    python: options.python ?? process.env.NOETL_PYTHON ?? "python3",
    size: Math.max(1, options.poolSize ?? 2),
  });
  const maxOutput = options.maxOutputBytes ?? 65_536;
  const defaultTimeoutMs = options.timeoutMs ?? 300_000;
  return {
    kind: "python",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const { code, filename } = await loadCode(config, ctx);
      const memoryMb = Number(config.memory_mb ?? options.memoryMb ?? 0);
      const request = {
        code,
        filename,
        inputs: taskInput(ctx.input, config),
        context: contextFor(code, ctx),
        libs: isJsonObject(config.libs) ? config.libs : {},
        ...(memoryMb > 0 ? { memory_mb: memoryMb } : {}),
        max_output: maxOutput,
      };
      let reply: PyReply;
      try {
        reply = await pool.run(request, taskTimeoutMs(config, ctx, defaultTimeoutMs), ctx.signal);
      } catch (error) {
        if (error instanceof PyTaskFailure) throw failureError(error.failure);
        throw error;
      }
      if (reply.stdout) ctx.emitOutput?.("stdout", reply.stdout);
      if (reply.stderr) ctx.emitOutput?.("stderr", reply.stderr);
      if (reply.ok) return reply.result;
      const { type, message, traceback } = reply.error;
      throw new ToolError(
        {
          kind: "tool_error",
          retryable: false,
          code: "NOETL_E_PYTHON",
          message: message ? `${type}: ${message}` : type,
          exception_type: type,
        },
        { extra: { py: { type, message, traceback } } },
      );
    },
    close: () => pool.close(),
  };
}

/**
 * The render context sent with a task (it may be large): all of it for code that names `context`;
 * for code defining `main`, the entries whose names occur in the code (main's parameters are
 * matched by name from the input, then the context); otherwise none.
 */
function contextFor(code: string, ctx: ToolContext): JsonObject {
  if (/\bcontext\b/.test(code)) return ctx.context;
  if (!/\bdef\s+main\s*\(/.test(code)) return {};
  const names = new Set(code.match(/[A-Za-z_][A-Za-z0-9_]*/g));
  const subset: JsonObject = {};
  for (const [key, value] of Object.entries(ctx.context)) if (names.has(key)) subset[key] = value;
  return subset;
}

function failureError(failure: PyFailure): ToolError {
  switch (failure.kind) {
    case "timeout":
      return timeoutError(`python task timed out after ${failure.timeoutMs} ms (interpreter replaced)`);
    case "aborted":
      if (isTimeoutReason(failure.reason)) {
        return timeoutError(`python task timed out: ${failure.reason.message} (interpreter replaced)`);
      }
      return new ToolError({
        kind: "cancelled",
        retryable: false,
        code: "NOETL_E_CANCELLED",
        message: "python task cancelled (interpreter replaced)",
      });
    case "crashed":
      return new ToolError({
        kind: "tool_error",
        retryable: false,
        code: "NOETL_E_PYTHON_CRASHED",
        message: failure.message,
      });
  }
}

function timeoutError(message: string): ToolError {
  return new ToolError({ kind: "timeout", retryable: true, code: "NOETL_E_PYTHON_TIMEOUT", message });
}

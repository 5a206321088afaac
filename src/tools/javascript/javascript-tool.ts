/**
 * `kind: javascript` (our own tool, DECISIONS 35): `code` is the body of an async function of
 * `input` and `context` (input keys are also bound as local names); its return value is the
 * result. Runs in a pool of reused worker threads with a heap limit and a per-task timeout;
 * a thread that times out, is cancelled or crashes is replaced.
 */
import { Worker } from "node:worker_threads";
import type { Json, JsonObject } from "../../kernel/index.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { toJson } from "./to-json.ts";
import { WORKER_SOURCE } from "./worker-source.ts";

export interface JavascriptToolOptions {
  /** Worker threads (default 2). */
  poolSize?: number;
  /** Heap limit per thread in MB (default 256). */
  maxOldGenerationSizeMb?: number;
  /** Default task timeout in ms (default 60 s). */
  timeoutMs?: number;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  clone?: boolean;
  error?: { name: string; message: string; stack: string };
}

export function createJavascriptTool(options: JavascriptToolOptions = {}): Tool {
  const size = Math.max(1, options.poolSize ?? 2);
  const heap = options.maxOldGenerationSizeMb ?? 256;
  const defaultTimeout = options.timeoutMs ?? 60_000;
  const slots: Slot[] = [];
  const waiting: Array<(slot: Slot) => void> = [];
  let nextId = 1;

  const spawn = (): Slot => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: heap },
    });
    worker.unref();
    return { worker, busy: false };
  };
  const acquire = (): Promise<Slot> => {
    const free = slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (slots.length < size) {
      const slot = spawn();
      slot.busy = true;
      slots.push(slot);
      return Promise.resolve(slot);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (slot: Slot, replace: boolean): void => {
    let s = slot;
    if (replace) {
      void slot.worker.terminate();
      const i = slots.indexOf(slot);
      s = spawn();
      if (i >= 0) slots[i] = s;
    }
    const next = waiting.shift();
    if (next) {
      s.busy = true;
      next(s);
    } else s.busy = false;
  };

  return {
    kind: "javascript",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      if (typeof config.code !== "string") {
        throw new ToolError({
          kind: "schema",
          retryable: false,
          code: "NOETL_E_JS_CONFIG",
          message: "kind: javascript needs `code` (a function body)",
        });
      }
      const timeout =
        ctx.timeoutMs ?? (typeof config.timeout === "number" ? config.timeout * 1000 : defaultTimeout);
      const slot = await acquire();
      const id = nextId++;
      return new Promise<Json>((resolve, reject) => {
        let done = false;
        const finish = (replace: boolean, fn: () => void) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          slot.worker.off("message", onMessage);
          slot.worker.off("error", onError);
          slot.worker.off("exit", onExit);
          ctx.signal.removeEventListener("abort", onAbort);
          release(slot, replace);
          fn();
        };
        const fail = (
          code: string,
          kind: "tool_error" | "timeout" | "cancelled",
          message: string,
          js?: Reply["error"],
        ) =>
          new ToolError(
            { kind, retryable: kind === "timeout", code, message },
            js ? { extra: { js: { name: js.name, message: js.message, stack: js.stack } } } : {},
          );
        const onMessage = (reply: Reply) => {
          if (reply.id !== id) return;
          if (!reply.ok) {
            const e = reply.error ?? { name: "Error", message: "unknown error", stack: "" };
            const code = reply.clone ? "NOETL_E_JS_RESULT" : "NOETL_E_JS";
            return finish(false, () => reject(fail(code, "tool_error", `${e.name}: ${e.message}`, e)));
          }
          try {
            const value = toJson(reply.value);
            finish(false, () => resolve(value));
          } catch (error) {
            finish(false, () => reject(fail("NOETL_E_JS_RESULT", "tool_error", (error as Error).message)));
          }
        };
        const onError = (error: Error) => {
          const oom =
            /heap|memory/i.test(error.message) ||
            (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
          finish(true, () =>
            reject(
              fail(
                oom ? "NOETL_E_JS_OUT_OF_MEMORY" : "NOETL_E_JS_CRASHED",
                "tool_error",
                `javascript worker died: ${error.message}`,
              ),
            ),
          );
        };
        const onExit = (code: number) =>
          finish(true, () =>
            reject(fail("NOETL_E_JS_CRASHED", "tool_error", `javascript worker exited with code ${code}`)),
          );
        const onAbort = () =>
          finish(true, () => reject(fail("NOETL_E_JS_CANCELLED", "cancelled", "javascript task cancelled")));
        const timer = setTimeout(
          () =>
            finish(true, () =>
              reject(fail("NOETL_E_JS_TIMEOUT", "timeout", `javascript task timed out after ${timeout} ms`)),
            ),
          timeout,
        );
        slot.worker.on("message", onMessage);
        slot.worker.on("error", onError);
        slot.worker.on("exit", onExit);
        if (ctx.signal.aborted) return onAbort();
        ctx.signal.addEventListener("abort", onAbort, { once: true });
        slot.worker.postMessage({ id, code: config.code, input: ctx.input, context: ctx.context });
      });
    },
    async close() {
      const all = slots.splice(0);
      await Promise.allSettled(all.map((s) => s.worker.terminate()));
    },
  };
}

/**
 * `kind: python` (DECISIONS 32): a pool of warm interpreters running `runner.py`, speaking JSON
 * lines (requests on stdin, responses on fd 3; user output is captured per task). A fresh
 * namespace per task; a crashed, timed-out or cancelled interpreter is replaced.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Json, JsonObject } from "../../kernel/index.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";

export interface PythonToolOptions {
  /** Interpreter (default: NOETL_PYTHON, else python3), resolved once. */
  python?: string;
  /** Warm interpreters (default 2). */
  poolSize?: number;
  /** Bound on captured stdout/stderr per task, in characters (default 64 KiB). */
  maxOutputBytes?: number;
  /** Address-space limit per interpreter in MB (default none). */
  memoryMb?: number;
  /** Default task timeout in ms (default 300 s). */
  timeoutMs?: number;
}

const RUNNER = fileURLToPath(new URL("./runner.py", import.meta.url));

interface Reply {
  id: number;
  ok: boolean;
  result?: Json;
  stdout?: string;
  stderr?: string;
  error?: { type: string; message: string; traceback: string };
}

interface Proc {
  child: ChildProcess;
  busy: boolean;
  dead: boolean;
  buffer: string;
  waiter?: (r: Reply | Error) => void;
}

export function createPythonTool(options: PythonToolOptions = {}): Tool {
  const python = options.python ?? process.env.NOETL_PYTHON ?? "python3";
  const size = Math.max(1, options.poolSize ?? 2);
  const maxOutput = options.maxOutputBytes ?? 65_536;
  const procs: Proc[] = [];
  const waiting: Array<(p: Proc) => void> = [];
  let nextId = 1;

  const start = (): Proc => {
    const child = spawn(python, ["-u", RUNNER], {
      stdio: ["pipe", "ignore", "ignore", "pipe"],
      env: {
        ...process.env,
        ...(options.memoryMb ? { NOETL_PY_MEMORY_MB: String(options.memoryMb) } : {}),
        PYTHONUNBUFFERED: "1",
      },
    });
    const proc: Proc = { child, busy: false, dead: false, buffer: "" };
    const out = child.stdio[3] as Readable;
    out.setEncoding("utf8");
    out.on("data", (chunk: string) => {
      proc.buffer += chunk;
      let nl = proc.buffer.indexOf("\n");
      while (nl >= 0) {
        const line = proc.buffer.slice(0, nl);
        proc.buffer = proc.buffer.slice(nl + 1);
        nl = proc.buffer.indexOf("\n");
        if (!line.trim()) continue;
        const w = proc.waiter;
        proc.waiter = undefined;
        try {
          w?.(JSON.parse(line) as Reply);
        } catch (error) {
          w?.(error as Error);
        }
      }
    });
    const onDeath = (why: string) => {
      if (proc.dead) return;
      proc.dead = true;
      const w = proc.waiter;
      proc.waiter = undefined;
      w?.(new Error(why));
    };
    child.on("exit", (code, signal) => onDeath(`python interpreter exited (${signal ?? code})`));
    child.on("error", (error) => onDeath(`cannot start ${python}: ${error.message}`));
    (child.stdin as Writable).on("error", () => undefined);
    child.unref();
    (child.stdin as Writable & { unref?: () => void }).unref?.();
    (out as Readable & { unref?: () => void }).unref?.();
    return proc;
  };

  const acquire = (): Promise<Proc> => {
    for (let i = 0; i < procs.length; i++) {
      const p = procs[i] as Proc;
      if (p.dead) procs[i] = start();
    }
    const free = procs.find((p) => !p.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (procs.length < size) {
      const p = start();
      p.busy = true;
      procs.push(p);
      return Promise.resolve(p);
    }
    return new Promise((res) => waiting.push(res));
  };

  const release = (proc: Proc, kill: boolean): void => {
    let p = proc;
    if (kill || proc.dead) {
      proc.child.kill("SIGKILL");
      const i = procs.indexOf(proc);
      p = start();
      if (i >= 0) procs[i] = p;
    }
    const next = waiting.shift();
    if (next) {
      p.busy = true;
      next(p);
    } else p.busy = false;
  };

  return {
    kind: "python",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const code = await loadCode(config, ctx);
      const libs =
        config.libs && typeof config.libs === "object" && !Array.isArray(config.libs) ? config.libs : {};
      const timeout =
        ctx.timeoutMs ??
        (typeof config.timeout === "number" ? config.timeout * 1000 : (options.timeoutMs ?? 300_000));
      const proc = await acquire();
      const id = nextId++;
      const reply = await new Promise<Reply | Error>((resolve) => {
        let settled = false;
        const settle = (r: Reply | Error, kill: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          ctx.signal.removeEventListener("abort", onAbort);
          proc.waiter = undefined;
          release(proc, kill);
          resolve(r);
        };
        const timer = setTimeout(() => settle(timeoutError(timeout), true), timeout);
        const onAbort = () => settle(abortError(), true);
        if (ctx.signal.aborted) return onAbort();
        ctx.signal.addEventListener("abort", onAbort, { once: true });
        proc.waiter = (r) => settle(r, r instanceof Error);
        const request = JSON.stringify({
          id,
          code,
          inputs: ctx.input,
          context: ctx.context,
          libs,
          max_output: maxOutput,
        });
        (proc.child.stdin as Writable).write(`${request}\n`);
      });
      if (reply instanceof ToolError) throw reply;
      if (reply instanceof Error) {
        throw new ToolError({
          kind: "tool_error",
          retryable: false,
          code: "NOETL_E_PYTHON_CRASHED",
          message: reply.message,
        });
      }
      if (reply.stdout) ctx.emitOutput?.("stdout", reply.stdout);
      if (reply.stderr) ctx.emitOutput?.("stderr", reply.stderr);
      if (!reply.ok) {
        const e = reply.error ?? { type: "Error", message: "unknown error", traceback: "" };
        throw new ToolError(
          {
            kind: "tool_error",
            retryable: false,
            code: "NOETL_E_PYTHON",
            message: `${e.type}: ${e.message}`,
            exception_type: e.type,
          },
          {
            extra: {
              py: {
                type: e.type,
                message: e.message,
                traceback: e.traceback,
                stdout: reply.stdout ?? "",
                stderr: reply.stderr ?? "",
              },
            },
          },
        );
      }
      return reply.result ?? null;
    },
    async close() {
      for (const p of procs.splice(0)) p.child.kill("SIGKILL");
    },
  };
}

async function loadCode(config: JsonObject, ctx: ToolContext): Promise<string> {
  if (typeof config.code === "string") return config.code;
  const script = config.script;
  if (typeof script === "string") return script;
  if (script && typeof script === "object" && !Array.isArray(script)) {
    const source = (script.source ?? {}) as JsonObject;
    const type = String(source.type ?? (script.uri ? "file" : "inline"));
    if (type === "inline" && typeof source.code === "string") return source.code;
    const location = String(source.path ?? source.url ?? script.uri ?? "");
    try {
      if (type === "http" || type === "https" || /^https?:\/\//.test(location)) {
        const res = await fetch(location, { signal: ctx.signal });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return await res.text();
      }
      return await readFile(resolvePath(location.replace(/^file:\/\//, "")), "utf8");
    } catch (error) {
      throw new ToolError({
        kind: "schema",
        retryable: false,
        code: "NOETL_E_PYTHON_SCRIPT",
        message: `cannot load python script ${location}: ${(error as Error).message}`,
      });
    }
  }
  throw new ToolError({
    kind: "schema",
    retryable: false,
    code: "NOETL_E_PYTHON_SCRIPT",
    message: "kind: python needs `code` or `script`",
  });
}

function timeoutError(ms: number): ToolError {
  return new ToolError({
    kind: "timeout",
    retryable: true,
    code: "NOETL_E_PYTHON_TIMEOUT",
    message: `python task timed out after ${ms} ms`,
  });
}

function abortError(): ToolError {
  return new ToolError({
    kind: "cancelled",
    retryable: false,
    code: "NOETL_E_CANCELLED",
    message: "python task cancelled",
  });
}

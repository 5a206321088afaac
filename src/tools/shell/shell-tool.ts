/**
 * `kind: shell` (DECISIONS 35): `command` (a string) or `cmds` (a list run in order, stopping at
 * the first non-zero exit), optional `env`, `cwd`, `timeout` (seconds), `shell` (default
 * /bin/sh). Result `{returncode, stdout, stderr}`; a non-zero exit is a task error carrying it.
 */
import { spawn } from "node:child_process";
import type { Json, JsonObject } from "../../kernel/index.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";

const MAX_OUTPUT = 1024 * 1024;

interface RunResult extends JsonObject {
  returncode: number;
  stdout: string;
  stderr: string;
}

export function createShellTool(): Tool {
  return {
    kind: "shell",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const list = commandsOf(config);
      if (list.length === 0) {
        throw new ToolError({
          kind: "schema",
          retryable: false,
          code: "NOETL_E_SHELL_CONFIG",
          message: "kind: shell needs `command` or `cmds`",
        });
      }
      const env = { ...process.env, ...stringMap(config.env) };
      const cwd = typeof config.cwd === "string" ? config.cwd : undefined;
      const shell = typeof config.shell === "string" ? config.shell : "/bin/sh";
      const timeout =
        ctx.timeoutMs ?? (typeof config.timeout === "number" ? config.timeout * 1000 : undefined);
      const results: RunResult[] = [];
      for (const command of list) {
        const r = await runOne(shell, command, env, cwd, timeout, ctx);
        results.push(r);
        if (r.returncode !== 0) {
          const data = list.length > 1 ? { ...r, results } : r;
          throw new ToolError(
            {
              kind: "tool_error",
              retryable: false,
              code: "NOETL_E_SHELL_EXIT",
              message: `command exited with code ${r.returncode}: ${r.stderr.trim().slice(0, 500) || command}`,
            },
            { data },
          );
        }
      }
      const last = results[results.length - 1] as RunResult;
      return list.length > 1 ? { ...last, results } : last;
    },
  };
}

function commandsOf(config: JsonObject): string[] {
  const raw = config.cmds ?? config.commands ?? config.command;
  if (typeof raw === "string") return [raw];
  if (Array.isArray(raw)) return raw.map(String);
  return [];
}

function stringMap(v: Json | undefined): Record<string, string> {
  if (!v || typeof v !== "object" || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = typeof val === "string" ? val : JSON.stringify(val);
  return out;
}

function runOne(
  shell: string,
  command: string,
  env: NodeJS.ProcessEnv,
  cwd: string | undefined,
  timeoutMs: number | undefined,
  ctx: ToolContext,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ["-c", command], {
      env,
      ...(cwd ? { cwd } : {}),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d.slice(0, MAX_OUTPUT - stdout.length);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += d.slice(0, MAX_OUTPUT - stderr.length);
    });
    let killedFor: "timeout" | "cancelled" | undefined;
    const kill = (why: "timeout" | "cancelled") => {
      killedFor = why;
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = timeoutMs ? setTimeout(() => kill("timeout"), timeoutMs) : undefined;
    const onAbort = () => kill("cancelled");
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
      reject(
        new ToolError({
          kind: "tool_error",
          retryable: false,
          code: "NOETL_E_SHELL_START",
          message: error.message,
        }),
      );
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
      if (killedFor === "timeout") {
        return reject(
          new ToolError({
            kind: "timeout",
            retryable: true,
            code: "NOETL_E_SHELL_TIMEOUT",
            message: `command timed out after ${timeoutMs} ms`,
          }),
        );
      }
      if (killedFor === "cancelled") {
        return reject(
          new ToolError({
            kind: "cancelled",
            retryable: false,
            code: "NOETL_E_CANCELLED",
            message: "command cancelled",
          }),
        );
      }
      resolve({ returncode: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

import { spawn } from "node:child_process";
import { constants } from "node:os";
import { performance } from "node:perf_hooks";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import { isTimeoutReason } from "../abort-error.ts";
import type { Tool, ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { BoundedOutput } from "./bounded-output.ts";

/** Bound on captured stdout and on stderr per command, bytes. */
const MAX_OUTPUT = 1024 * 1024;

/** What one command printed and how it exited (an entry of the result's `commands`). */
interface CommandResult extends JsonObject {
  command: string;
  returncode: number;
  stdout: string;
  stderr: string;
}

interface ShellRun {
  shell: string;
  env: NodeJS.ProcessEnv;
  cwd: string | undefined;
  /** Absolute deadline (ms since epoch) of the whole task, when it has a timeout. */
  deadline: number | undefined;
  timeoutMs: number | undefined;
  ctx: ToolContext;
}

/**
 * `kind: shell` (DECISIONS 35): `command` (a string) or `cmds`/`commands` (a list run in order,
 * stopping at the first non-zero exit); `env` (merged over the worker's environment; null unsets),
 * `cwd`, `timeout` (seconds, for the whole task), `shell` (default /bin/sh). Result
 * `{returncode, stdout, stderr, commands, duration_ms}` (reference §5): the top-level
 * `returncode`/`stdout`/`stderr` are the last command run's (the failing one on error),
 * `commands` has `{command, returncode, stdout, stderr}` per command run and `duration_ms` is the
 * wall time of the whole task. A non-zero exit is a `tool_error` carrying that result as data; a
 * timeout or cancellation kills the process group.
 */
export function createShellTool(): Tool {
  return {
    kind: "shell",
    async run(config: JsonObject, ctx: ToolContext): Promise<Json> {
      const started = performance.now();
      const commands = commandsOf(config);
      if (commands.length === 0) {
        throw new ToolError({
          kind: "schema",
          retryable: false,
          code: "NOETL_E_SHELL_CONFIG",
          message: "kind: shell needs `command` (a string) or `cmds` (a list of strings)",
        });
      }
      const timeoutMs = taskTimeoutMs(config, ctx);
      const run: ShellRun = {
        shell: typeof config.shell === "string" && config.shell !== "" ? config.shell : "/bin/sh",
        env: envOf(config.env),
        cwd: typeof config.cwd === "string" && config.cwd !== "" ? config.cwd : undefined,
        deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
        timeoutMs,
        ctx,
      };
      const results: CommandResult[] = [];
      const resultOf = (): JsonObject => {
        const { returncode, stdout, stderr } = results[results.length - 1] as CommandResult;
        const duration_ms = Math.round(performance.now() - started);
        return { returncode, stdout, stderr, commands: results, duration_ms };
      };
      for (const command of commands) {
        const outcome = await runCommand(command, run);
        results.push(outcome.result);
        if (outcome.killed) throw killedError(outcome.killed, run, command, resultOf());
        if (outcome.result.returncode !== 0) {
          const stderr = outcome.result.stderr.trim();
          throw new ToolError(
            {
              kind: "tool_error",
              retryable: false,
              code: "NOETL_E_SHELL_EXIT",
              message: `command exited with code ${outcome.result.returncode}: ${stderr ? stderr.slice(-500) : command}`,
              status_code: outcome.result.returncode,
            },
            { data: resultOf() },
          );
        }
      }
      return resultOf();
    },
  };
}

/** Commands from `command`/`cmds`/`commands`/`cmd` (a string or a list). */
function commandsOf(config: JsonObject): string[] {
  const raw = config.cmds ?? config.commands ?? config.command ?? config.cmd;
  if (typeof raw === "string") return raw.trim() === "" ? [] : [raw];
  if (Array.isArray(raw)) {
    return raw.filter((c) => c !== null).map((c) => (typeof c === "string" ? c : JSON.stringify(c)));
  }
  return [];
}

function envOf(value: Json | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!isJsonObject(value)) return env;
  for (const [key, v] of Object.entries(value)) {
    if (v === null) delete env[key];
    else env[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return env;
}

function taskTimeoutMs(config: JsonObject, ctx: ToolContext): number | undefined {
  if (ctx.timeoutMs !== undefined && ctx.timeoutMs > 0) return ctx.timeoutMs;
  const raw = config.timeout ?? config.timeout_seconds;
  const seconds = Number(raw);
  return raw !== undefined && raw !== null && seconds > 0 ? seconds * 1000 : undefined;
}

type KillReason = "timeout" | "cancelled";

function runCommand(command: string, run: ShellRun): Promise<{ result: CommandResult; killed?: KillReason }> {
  return new Promise((resolve, reject) => {
    const { ctx } = run;
    if (ctx.signal.aborted) {
      resolve({
        result: { command, returncode: -1, stdout: "", stderr: "" },
        killed: abortReason(ctx.signal),
      });
      return;
    }
    const child = spawn(run.shell, ["-c", command], {
      env: run.env,
      ...(run.cwd ? { cwd: run.cwd } : {}),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout = new BoundedOutput(MAX_OUTPUT);
    const stderr = new BoundedOutput(MAX_OUTPUT);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    let killed: KillReason | undefined;
    const kill = (reason: KillReason) => {
      if (killed) return;
      killed = reason;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
      // A grandchild that left the group may keep the pipes open: do not wait for it.
      child.once("exit", () => {
        child.stdout.destroy();
        child.stderr.destroy();
      });
    };
    const remaining = run.deadline === undefined ? undefined : Math.max(0, run.deadline - Date.now());
    const timer = remaining === undefined ? undefined : setTimeout(() => kill("timeout"), remaining);
    const onAbort = () => kill(abortReason(ctx.signal));
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
    };
    child.on("error", (error) => {
      cleanup();
      reject(
        new ToolError({
          kind: "tool_error",
          retryable: false,
          code: "NOETL_E_SHELL_START",
          message: `cannot start ${run.shell}: ${error.message}`,
        }),
      );
    });
    child.on("close", (code, signal) => {
      cleanup();
      const returncode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);
      const result = { command, returncode, stdout: stdout.text(), stderr: stderr.text() };
      resolve(killed ? { result, killed } : { result });
    });
  });
}

function abortReason(signal: AbortSignal): KillReason {
  const reason: unknown = signal.reason;
  return isTimeoutReason(reason) ? "timeout" : "cancelled";
}

function killedError(reason: KillReason, run: ShellRun, command: string, data: JsonObject): ToolError {
  if (reason === "timeout") {
    return new ToolError(
      {
        kind: "timeout",
        retryable: true,
        code: "NOETL_E_SHELL_TIMEOUT",
        message: `command timed out${run.timeoutMs ? ` after ${run.timeoutMs} ms` : ""}: ${command}`,
      },
      { data },
    );
  }
  return new ToolError(
    {
      kind: "cancelled",
      retryable: false,
      code: "NOETL_E_CANCELLED",
      message: `command cancelled: ${command}`,
    },
    { data },
  );
}

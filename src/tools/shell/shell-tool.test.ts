import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { toolContext } from "../test-context.ts";
import type { ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { createShellTool, ERROR_CODES } from "./index.ts";

const tool = createShellTool();
const run = (config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<Json> =>
  tool.run(config, toolContext(ctx));
async function failure(config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<ToolError> {
  const error: unknown = await run(config, ctx).catch((e: unknown) => e);
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}

/** The result without its `duration_ms` (checked to be a non-negative integer), for deepEqual. */
function timed(value: Json | undefined): JsonObject {
  const { duration_ms, ...rest } = value as JsonObject;
  assert.ok(
    Number.isInteger(duration_ms) && (duration_ms as number) >= 0,
    `duration_ms ${String(duration_ms)}`,
  );
  return rest;
}

/** True when the process exists and is not a zombie (an orphan may wait for a non-reaping init). */
function isRunning(pid: number): boolean {
  if (!existsSync("/proc/self")) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("shell tool", () => {
  let dir = "";
  before(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "noetl-shell-")));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("has kind shell and documents its codes", () => {
    assert.equal(tool.kind, "shell");
    assert.ok(ERROR_CODES.some((c) => c.code === "NOETL_E_SHELL_EXIT"));
  });

  it("runs a command and returns returncode, stdout, stderr, commands and duration_ms", async () => {
    assert.deepEqual(timed(await run({ command: "echo hi; echo err >&2" })), {
      returncode: 0,
      stdout: "hi\n",
      stderr: "err\n",
      commands: [{ command: "echo hi; echo err >&2", returncode: 0, stdout: "hi\n", stderr: "err\n" }],
    });
  });

  it("measures duration_ms over the whole task", async () => {
    const out = (await run({ cmds: ["sleep 0.15", "sleep 0.15"] })) as JsonObject;
    assert.ok((out.duration_ms as number) >= 280, `duration_ms ${String(out.duration_ms)}`);
    assert.ok((out.duration_ms as number) < 5000);
  });

  it("fails on a non-zero exit, carrying the result as data", async () => {
    const error = await failure({ command: "echo out; echo bad >&2; exit 3" });
    assert.equal(error.info.kind, "tool_error");
    assert.equal(error.info.retryable, false);
    assert.equal(error.info.code, "NOETL_E_SHELL_EXIT");
    assert.match(error.info.message, /code 3: bad/);
    assert.deepEqual(timed(error.data), {
      returncode: 3,
      stdout: "out\n",
      stderr: "bad\n",
      commands: [
        { command: "echo out; echo bad >&2; exit 3", returncode: 3, stdout: "out\n", stderr: "bad\n" },
      ],
    });
  });

  it("runs a list in order: the last command's returncode/stdout/stderr plus every command", async () => {
    const out = await run({ cmds: ["echo one", "echo two >&2; echo 2"] });
    assert.deepEqual(timed(out), {
      returncode: 0,
      stdout: "2\n",
      stderr: "two\n",
      commands: [
        { command: "echo one", returncode: 0, stdout: "one\n", stderr: "" },
        { command: "echo two >&2; echo 2", returncode: 0, stdout: "2\n", stderr: "two\n" },
      ],
    });
    assert.equal(((await run({ commands: ["true", "echo x"] })) as JsonObject).stdout, "x\n");
  });

  it("stops a list at the first non-zero exit", async () => {
    const marker = join(dir, "never");
    const error = await failure({ cmds: ["echo a", "exit 4", `touch ${marker}`] });
    const data = error.data as { returncode: number; commands: { command: string }[] };
    assert.equal(data.returncode, 4);
    assert.deepEqual(
      data.commands.map((c) => c.command),
      ["echo a", "exit 4"],
    );
    assert.equal(
      ((await run({ command: `test -e ${marker} && echo yes || echo no` })) as JsonObject).stdout,
      "no\n",
    );
  });

  it("merges env over the process environment (null unsets, non-strings JSON)", async () => {
    process.env.NOETL_SHELL_TEST_KEEP = "kept";
    process.env.NOETL_SHELL_TEST_DROP = "dropped";
    try {
      const out = (await run({
        command: 'echo "$A|$N|$NOETL_SHELL_TEST_KEEP|$(printenv NOETL_SHELL_TEST_DROP || echo unset)"',
        env: { A: "x", N: 5, NOETL_SHELL_TEST_DROP: null },
      })) as JsonObject;
      assert.equal(out.stdout, "x|5|kept|unset\n");
    } finally {
      delete process.env.NOETL_SHELL_TEST_KEEP;
      delete process.env.NOETL_SHELL_TEST_DROP;
    }
  });

  it("runs in cwd", async () => {
    assert.equal(((await run({ command: "pwd", cwd: dir })) as JsonObject).stdout, `${dir}\n`);
  });

  it("uses the configured shell", async () => {
    assert.equal(
      ((await run({ command: "echo $0", shell: "/bin/bash" })) as JsonObject).stdout,
      "/bin/bash\n",
    );
  });

  it("times out (retryable) and kills the whole process group", async () => {
    const pidFile = join(dir, "pid");
    const started = Date.now();
    const error = await failure({ command: `sleep 30 & echo $! > ${pidFile}; wait`, timeout: 0.3 });
    assert.equal(error.info.kind, "timeout");
    assert.equal(error.info.retryable, true);
    assert.equal(error.info.code, "NOETL_E_SHELL_TIMEOUT");
    assert.deepEqual(
      (error.data as { commands: { returncode: number }[] }).commands.map((c) => c.returncode),
      [137],
    );
    assert.ok(Date.now() - started < 5000);
    const pid = Number(((await run({ command: `cat ${pidFile}` })) as JsonObject).stdout);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!isRunning(pid), `background process ${pid} still running`);
  });

  it("takes the timeout from the context", async () => {
    const error = await failure({ command: "sleep 30" }, { timeoutMs: 200 });
    assert.equal(error.info.kind, "timeout");
  });

  it("cancels on abort", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled")), 100);
    const error = await failure({ command: "sleep 30" }, { signal: controller.signal });
    assert.equal(error.info.kind, "cancelled");
  });

  it("bounds output to 1 MiB with a truncation marker", async () => {
    const out = (await run({ command: "head -c 1100000 /dev/zero | tr '\\0' x" })) as JsonObject;
    const stdout = out.stdout as string;
    assert.ok(stdout.startsWith("x".repeat(1024 * 1024)));
    assert.match(stdout, /\.\.\.\[truncated 51424 bytes\]$/);
  });

  it("needs a command", async () => {
    assert.equal((await failure({})).info.code, "NOETL_E_SHELL_CONFIG");
  });

  it("reports a shell that cannot start", async () => {
    const error = await failure({ command: "true", shell: "/nonexistent/sh" });
    assert.equal(error.info.code, "NOETL_E_SHELL_START");
  });
});

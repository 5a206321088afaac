import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { toolContext } from "../test-context.ts";
import type { ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { createPythonTool, ERROR_CODES } from "./index.ts";

function toolErrorOf(error: unknown): ToolError {
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}

describe("python tool", () => {
  const tool = createPythonTool({ poolSize: 2 });
  const run = (config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<Json> =>
    tool.run(config, toolContext(ctx));
  const failure = async (config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<ToolError> =>
    toolErrorOf(await run(config, ctx).catch((e: unknown) => e));
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "noetl-python-"));
  });
  after(async () => {
    await tool.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  it("has kind python and documents its codes", () => {
    assert.equal(tool.kind, "python");
    assert.deepEqual(ERROR_CODES.map((c) => c.code).sort(), [
      "NOETL_E_PYTHON",
      "NOETL_E_PYTHON_CRASHED",
      "NOETL_E_PYTHON_SCRIPT",
      "NOETL_E_PYTHON_TIMEOUT",
    ]);
  });

  it("binds inputs as variables and as input_data, and context", async () => {
    const out = await run(
      { code: "result = {'sum': a + b, 'keys': sorted(input_data), 'who': context['workload']['name']}" },
      { input: { a: 1, b: 2 }, context: { workload: { name: "w" } } },
    );
    assert.deepEqual(out, { sum: 3, keys: ["a", "b"], who: "w" });
  });

  it("merges config.args, config.input, then the step's input (later wins: reference §2.3)", async () => {
    const out = await run(
      { code: "result = input_data", args: { b: 2, c: 2, d: 2 }, input: { c: 3, d: 3 } },
      { input: { a: 1, d: 1 } },
    );
    assert.deepEqual(out, { a: 1, b: 2, c: 3, d: 1 });
  });

  it("gives each task a fresh namespace", async () => {
    await run({ code: "leak = 1\nresult = 1" });
    for (let i = 0; i < 4; i++) assert.equal(await run({ code: "result = 'leak' in globals()" }), false);
  });

  it("returns the value of a top-level return, with inputs as assignable locals", async () => {
    assert.equal(await run({ code: "n = n + 1\nreturn n * 10" }, { input: { n: 1 } }), 20);
    assert.equal(
      await run({ code: "if input_data['x'] > 1:\n    return 'big'\nreturn 'small'" }, { input: { x: 5 } }),
      "big",
    );
  });

  it("supports await in code with a top-level return", async () => {
    assert.equal(await run({ code: "import asyncio\nawait asyncio.sleep(0)\nreturn 7" }), 7);
  });

  it("calls main(**inputs) passing only the parameters it accepts", async () => {
    assert.deepEqual(
      await run(
        { code: "def main(a, context):\n    return [a, context['k']]" },
        { input: { a: 1, b: 2 }, context: { k: "v" } },
      ),
      [1, "v"],
    );
    assert.deepEqual(
      await run(
        { code: "def main(a, **rest):\n    return {'a': a, 'rest': rest}" },
        { input: { a: 1, b: 2 } },
      ),
      { a: 1, rest: { b: 2 } },
    );
    assert.equal(await run({ code: "async def main(x):\n    return x * 2" }, { input: { x: 4 } }), 8);
  });

  it("matches main's parameters by name from the input, then from the render context", async () => {
    assert.deepEqual(
      await run(
        { code: "def main(n, workload, missing=7):\n    return [n, workload['region'], missing]" },
        { input: { n: 1 }, context: { n: 99, workload: { region: "eu" }, other: 1 } },
      ),
      [1, "eu", 7],
    );
    assert.deepEqual(
      await run(
        {
          code: "import asyncio\nasync def main(workload):\n    await asyncio.sleep(0)\n    return workload",
        },
        { context: { workload: { a: 1 } } },
      ),
      { a: 1 },
    );
  });

  it("decodes code_b64 and code_base64", async () => {
    const b64 = Buffer.from("result = n + 1").toString("base64");
    assert.equal(await run({ code_b64: b64 }, { input: { n: 1 } }), 2);
    assert.equal(await run({ code_base64: b64 }, { input: { n: 2 } }), 3);
  });

  it("prefers a `result` variable over main, and an input named result is not a result", async () => {
    assert.equal(await run({ code: "result = 1\ndef main():\n    return 2" }), 1);
    assert.equal(await run({ code: "def main():\n    return 2" }, { input: { result: "input" } }), 2);
  });

  it("returns a summary of the variables the code bound when it sets no result (reference §5)", async () => {
    assert.deepEqual(
      await run(
        {
          code: "import os\nx = 1\nname = n * 2\n_private = 3\ndef helper():\n    pass\nclass K:\n    pass\nm2 = m",
          libs: { m: "math" },
        },
        { input: { n: 2, unchanged: "in" } },
      ),
      { x: 1, name: 4 },
    );
    assert.deepEqual(
      await run({ code: "n = n + 1" }, { input: { n: 1 } }),
      { n: 2 },
      "a rebound input is kept",
    );
    assert.deepEqual(await run({ code: "print('hi')" }), {});
  });

  it("imports libs into the namespace", async () => {
    const out = await run({
      code: "result = [m.sqrt(16), j.dumps([1]), od.__name__]",
      libs: { m: "math", j: "json", od: { from: "collections", import: "OrderedDict" } },
    });
    assert.deepEqual(out, [4, "[1]", "OrderedDict"]);
  });

  it("runs a script file (absolute or relative to the cwd) and inline script sources", async () => {
    const path = join(dir, "task.py");
    await writeFile(path, "def main(name):\n    return 'hello ' + name\n");
    assert.equal(
      await run({ script: { uri: path, source: { type: "file" } } }, { input: { name: "a" } }),
      "hello a",
    );
    assert.equal(
      await run(
        { script: { source: { type: "file", path: relative(process.cwd(), path) } } },
        { input: { name: "b" } },
      ),
      "hello b",
    );
    assert.equal(await run({ script: { source: { type: "inline", code: "result = 3" } } }), 3);
    const error = await failure({ script: { uri: join(dir, "missing.py"), source: { type: "file" } } });
    assert.equal(error.info.code, "NOETL_E_PYTHON_SCRIPT");
    assert.equal(error.info.kind, "schema");
  });

  it("fetches an http script", async () => {
    const server = createServer((_req, res) => res.end("result = 'from http'"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      assert.equal(
        await run({ script: { uri: `http://127.0.0.1:${port}/x.py`, source: { type: "http" } } }),
        "from http",
      );
    } finally {
      server.close();
    }
  });

  it("wraps an uncaught exception in the python error envelope", async () => {
    const error = await failure({ code: "x = 1\nraise ValueError('bad value')" });
    assert.equal(error.info.kind, "tool_error");
    assert.equal(error.info.retryable, false);
    assert.equal(error.info.code, "NOETL_E_PYTHON");
    assert.equal(error.info.message, "ValueError: bad value");
    assert.equal(error.info.exception_type, "ValueError");
    const py = error.extra?.py as { type: string; message: string; traceback: string };
    assert.equal(py.type, "ValueError");
    assert.equal(py.message, "bad value");
    assert.match(py.traceback, /line 2/);
    assert.match(py.traceback, /raise ValueError\('bad value'\)/);
    assert.doesNotMatch(py.traceback, /runner\.py/);
  });

  it("reports a syntax error as a python exception", async () => {
    const error = await failure({ code: "def (" });
    assert.equal(error.info.exception_type, "SyntaxError");
  });

  it("captures stdout and stderr (bounded) and passes them to emitOutput", async () => {
    const streams: Array<[string, string]> = [];
    const emitOutput = (stream: "stdout" | "stderr", text: string) => streams.push([stream, text]);
    const out = await run(
      { code: "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\nresult = 1" },
      { emitOutput },
    );
    assert.equal(out, 1);
    assert.deepEqual(streams, [
      ["stdout", "hello\n"],
      ["stderr", "oops\n"],
    ]);
    const small = createPythonTool({ poolSize: 1, maxOutputBytes: 100 });
    try {
      const captured: string[] = [];
      await small.run(
        { code: "print('x' * 1000)\nresult = None" },
        toolContext({ emitOutput: (_s, text) => captured.push(text) }),
      );
      assert.equal(captured.length, 1);
      assert.ok(captured[0]!.startsWith("x".repeat(100)));
      assert.match(captured[0]!, /truncated 901 bytes/);
    } finally {
      await small.close?.();
    }
  });

  it("still emits output when the task fails", async () => {
    const captured: string[] = [];
    await run(
      { code: "print('before')\nraise KeyError('k')" },
      { emitOutput: (_s, t) => captured.push(t) },
    ).catch(() => undefined);
    assert.deepEqual(captured, ["before\n"]);
  });

  it("converts non-JSON values predictably", async () => {
    const out = await run({
      code: [
        "import datetime, decimal",
        "result = {",
        "  'dt': datetime.datetime(2024, 1, 2, 3, 4, 5), 'd': datetime.date(2024, 1, 2), 't': datetime.time(3, 4),",
        "  'dec': decimal.Decimal('1.25'), 'dec_nan': decimal.Decimal('NaN'),",
        "  'set': {3}, 'fs': frozenset([4]), 'tuple': (1, 2), 'bytes': b'hi',",
        "  'obj': type('Thing', (), {'__str__': lambda self: 'a thing'})(), 1: 'int key',",
        "}",
      ].join("\n"),
    });
    assert.deepEqual(out, {
      dt: "2024-01-02T03:04:05",
      d: "2024-01-02",
      t: "03:04:00",
      dec: 1.25,
      dec_nan: "NaN",
      set: [3],
      fs: [4],
      tuple: [1, 2],
      bytes: "aGk=",
      obj: "a thing",
      "1": "int key",
    });
    assert.deepEqual(await run({ code: "result = [float('nan'), float('inf'), {(1, 2): 1}]" }), [
      "nan",
      "inf",
      { "(1, 2)": 1 },
    ]);
  });

  it("times out (retryable), replaces the interpreter, and the next task works", async () => {
    const started = Date.now();
    const error = await failure({ code: "while True:\n    pass" }, { timeoutMs: 200 });
    assert.equal(error.info.kind, "timeout");
    assert.equal(error.info.retryable, true);
    assert.equal(error.info.code, "NOETL_E_PYTHON_TIMEOUT");
    assert.ok(Date.now() - started < 5000);
    assert.equal(await run({ code: "result = 'alive'" }), "alive");
    const fromConfig = await failure({ code: "import time\ntime.sleep(30)", timeout: 0.2 });
    assert.equal(fromConfig.info.kind, "timeout");
  });

  it("cancels on abort and keeps working", async () => {
    const controller = new AbortController();
    const running = run({ code: "import time\ntime.sleep(30)" }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("cancelled")), 100);
    const error = toolErrorOf(await running.catch((e: unknown) => e));
    assert.equal(error.info.kind, "cancelled");
    assert.equal(await run({ code: "result = 2" }), 2);
  });

  it("replaces a crashed interpreter transparently", async () => {
    const error = await failure({ code: "import os\nos._exit(7)" });
    assert.equal(error.info.kind, "tool_error");
    assert.equal(error.info.code, "NOETL_E_PYTHON_CRASHED");
    assert.match(error.info.message, /code 7/);
    assert.equal(await run({ code: "result = 3" }), 3);
  });

  it("treats sys.exit(0) as success and sys.exit(1) as an exception", async () => {
    assert.equal(await run({ code: "import sys\nresult = 1\nsys.exit(0)" }), 1);
    assert.equal((await failure({ code: "import sys\nsys.exit(1)" })).info.exception_type, "SystemExit");
  });

  it("limits memory per task when memoryMb is set, and lifts the limit afterwards", async () => {
    const limited = createPythonTool({ poolSize: 1, memoryMb: 256 });
    const limitOf = "import resource\nresult = resource.getrlimit(resource.RLIMIT_AS)[0]";
    try {
      const unlimited = await limited.run({ code: limitOf, memory_mb: 0 }, toolContext());
      const error = toolErrorOf(
        await limited
          .run({ code: "x = bytearray(512 * 1024 * 1024)" }, toolContext())
          .catch((e: unknown) => e),
      );
      assert.equal(error.info.exception_type, "MemoryError");
      assert.equal(await limited.run({ code: limitOf }, toolContext()), 256 * 1024 * 1024);
      assert.equal(await limited.run({ code: limitOf, memory_mb: 300 }, toolContext()), 300 * 1024 * 1024);
      // memory_mb: 0 disables the limit for the task: the interpreter's own limit is back.
      assert.equal(await limited.run({ code: limitOf, memory_mb: 0 }, toolContext()), unlimited);
    } finally {
      await limited.close?.();
    }
  });

  it("fails with NOETL_E_PYTHON_CRASHED when the interpreter cannot start", async () => {
    const missing = createPythonTool({ python: "/nonexistent/python3" });
    try {
      const error = toolErrorOf(
        await missing.run({ code: "result = 1" }, toolContext()).catch((e: unknown) => e),
      );
      assert.equal(error.info.code, "NOETL_E_PYTHON_CRASHED");
      assert.match(error.info.message, /cannot start/);
    } finally {
      await missing.close?.();
    }
  });

  it("needs code or script", async () => {
    const error = await failure({});
    assert.equal(error.info.code, "NOETL_E_PYTHON_SCRIPT");
  });

  it("runs tasks concurrently on the pool", async () => {
    const outs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => run({ code: "result = i * 10" }, { input: { i } })),
    );
    assert.deepEqual(outs, [0, 10, 20, 30, 40, 50]);
  });

  it("measures per-task overhead on a warm pool", async () => {
    const ctx = toolContext({ input: { a: 1, b: 2 } });
    const config = { code: "result = a + b" };
    for (let i = 0; i < 20; i++) await tool.run(config, ctx);
    const n = 200;
    const started = performance.now();
    for (let i = 0; i < n; i++) await tool.run(config, ctx);
    const perTask = (performance.now() - started) / n;
    console.log(`python: ${perTask.toFixed(3)} ms per task (sequential, warm, ${n} tasks)`);
  });
});

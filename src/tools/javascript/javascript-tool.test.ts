import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { toolContext } from "../test-context.ts";
import { ToolError } from "../tool.ts";
import { createJavascriptTool, ERROR_CODES } from "./index.ts";

function toolErrorOf(error: unknown): ToolError {
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}

describe("javascript tool", () => {
  const tool = createJavascriptTool({ poolSize: 2 });
  after(() => tool.close?.());

  it("has kind javascript and documents its codes", () => {
    assert.equal(tool.kind, "javascript");
    assert.ok(ERROR_CODES.some((c) => c.code === "NOETL_E_JS"));
  });

  it("returns a value computed from input and context", async () => {
    const out = await tool.run(
      { code: "return { sum: input.a + input.b, who: context.workload.name };" },
      toolContext({ input: { a: 1, b: 2 }, context: { workload: { name: "w" } } }),
    );
    assert.deepEqual(out, { sum: 3, who: "w" });
  });

  it("binds identifier input keys as locals (reserved words and input/context excepted)", async () => {
    const out = await tool.run(
      { code: "return { s: a + b, i: input['class'], c: context.n }" },
      toolContext({ input: { a: 1, b: 2, class: 3, "not-an-id": 4, context: 5 }, context: { n: 7 } }),
    );
    assert.deepEqual(out, { s: 3, i: 3, c: 7 });
  });

  it("merges config.args, config.input, then the step's input (later wins: reference §2.3)", async () => {
    const out = await tool.run(
      { code: "return input", args: { b: 2, c: 2, d: 2 }, input: { c: 3, d: 3 } },
      toolContext({ input: { a: 1, d: 1 } }),
    );
    assert.deepEqual(out, { a: 1, b: 2, c: 3, d: 1 });
  });

  it("supports async code", async () => {
    const out = await tool.run(
      { code: "await new Promise((r) => setTimeout(r, 5)); return (await Promise.resolve(21)) * 2;" },
      toolContext(),
    );
    assert.equal(out, 42);
  });

  it("returns null when the code returns nothing", async () => {
    assert.equal(await tool.run({ code: "const x = 1;" }, toolContext()), null);
  });

  it("converts results to JSON (undefined dropped, Date → ISO, NaN → null)", async () => {
    const out = await tool.run(
      { code: "return { a: undefined, d: new Date(0), n: NaN, l: [undefined, 1] };" },
      toolContext(),
    );
    assert.deepEqual(out, { d: "1970-01-01T00:00:00.000Z", n: null, l: [null, 1] });
  });

  it("rejects non-JSON results", async () => {
    for (const code of [
      "return new Map([[1, 2]])",
      "return () => 1",
      "const a = {}; a.self = a; return a",
      "return 1n",
    ]) {
      const error = toolErrorOf(await tool.run({ code }, toolContext()).catch((e: unknown) => e));
      assert.equal(error.info.code, "NOETL_E_JS_RESULT", code);
    }
  });

  it("wraps an exception with name, message and stack", async () => {
    const error = toolErrorOf(
      await tool.run({ code: "throw new RangeError('too far')" }, toolContext()).catch((e: unknown) => e),
    );
    assert.equal(error.info.kind, "tool_error");
    assert.equal(error.info.retryable, false);
    assert.equal(error.info.code, "NOETL_E_JS");
    assert.equal(error.info.message, "RangeError: too far");
    const js = error.extra?.js as { name: string; message: string; stack: string };
    assert.equal(js.name, "RangeError");
    assert.equal(js.message, "too far");
    assert.match(js.stack, /too far/);
  });

  it("reports a syntax error as a tool error", async () => {
    const error = toolErrorOf(await tool.run({ code: "return (" }, toolContext()).catch((e: unknown) => e));
    assert.equal(error.info.code, "NOETL_E_JS");
    assert.match(error.info.message, /^SyntaxError/);
  });

  it("needs code", async () => {
    const error = toolErrorOf(await tool.run({}, toolContext()).catch((e: unknown) => e));
    assert.equal(error.info.kind, "schema");
  });

  it("times out (retryable), replaces the worker, and the next task works", async () => {
    const error = toolErrorOf(
      await tool.run({ code: "while (true) {}" }, toolContext({ timeoutMs: 100 })).catch((e: unknown) => e),
    );
    assert.equal(error.info.kind, "timeout");
    assert.equal(error.info.retryable, true);
    assert.equal(await tool.run({ code: "return 'alive'" }, toolContext()), "alive");
  });

  it("takes the timeout from config.timeout (seconds)", async () => {
    const started = Date.now();
    const error = toolErrorOf(
      await tool.run({ code: "while (true) {}", timeout: 0.1 }, toolContext()).catch((e: unknown) => e),
    );
    assert.equal(error.info.kind, "timeout");
    assert.ok(Date.now() - started < 5000);
  });

  it("cancels on abort and keeps working", async () => {
    const controller = new AbortController();
    const running = tool.run({ code: "while (true) {}" }, toolContext({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    const error = toolErrorOf(await running.catch((e: unknown) => e));
    assert.equal(error.info.kind, "cancelled");
    assert.equal(await tool.run({ code: "return 1" }, toolContext()), 1);
  });

  it("fails a task that exhausts the heap limit, then recovers", async () => {
    const small = createJavascriptTool({ poolSize: 1, maxOldGenerationSizeMb: 32 });
    try {
      const error = toolErrorOf(
        await small
          .run(
            { code: "const a = []; while (true) a.push({ x: Math.random(), y: [1, 2, 3] });" },
            toolContext(),
          )
          .catch((e: unknown) => e),
      );
      assert.equal(error.info.code, "NOETL_E_JS_OUT_OF_MEMORY");
      assert.equal(await small.run({ code: "return 2" }, toolContext()), 2);
    } finally {
      await small.close?.();
    }
  });

  it("survives a worker that exits", async () => {
    const error = toolErrorOf(
      await tool.run({ code: "process.exit(3)" }, toolContext()).catch((e: unknown) => e),
    );
    assert.equal(error.info.code, "NOETL_E_JS_CRASHED");
    assert.equal(await tool.run({ code: "return 3" }, toolContext()), 3);
  });

  it("runs tasks concurrently on the pool", async () => {
    const outs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        tool.run({ code: "return input.i * 10" }, toolContext({ input: { i } })),
      ),
    );
    assert.deepEqual(outs, [0, 10, 20, 30, 40, 50]);
  });

  it("has low per-task overhead on a warm worker", async () => {
    const ctx = toolContext({ input: { n: 1 } });
    const config = { code: "return input.n + 1" };
    for (let i = 0; i < 50; i++) await tool.run(config, ctx);
    const n = 1000;
    const started = performance.now();
    for (let i = 0; i < n; i++) await tool.run(config, ctx);
    const perTask = (performance.now() - started) / n;
    console.log(`javascript: ${perTask.toFixed(3)} ms per task (sequential, warm, ${n} tasks)`);
  });
});

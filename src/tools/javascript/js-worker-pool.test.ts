import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { JsTaskFailure, JsWorkerPool } from "./js-worker-pool.ts";

const never = new AbortController().signal;
const task = (code: string, input: Record<string, number> = {}, timeoutMs = 10_000, signal = never) => ({
  code,
  input,
  context: {},
  timeoutMs,
  signal,
});

/** A one-thread pool of depth 4, warmed with short tasks so that it is handed several at once. */
async function warmOneThreadPool(): Promise<JsWorkerPool> {
  const one = new JsWorkerPool({ size: 1, maxOldGenerationSizeMb: 64, depth: 4 });
  for (let i = 0; i < 5; i++) await one.run(task("return 1"));
  return one;
}

describe("JsWorkerPool pipelining", () => {
  const pool = new JsWorkerPool({ size: 2, maxOldGenerationSizeMb: 64, depth: 4 });
  after(() => pool.close());

  it("runs many short tasks, each with its own result", async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => pool.run(task("return { i, doubled: 2 * i }", { i }))),
    );
    replies.forEach((r, i) => assert.deepEqual(r.ok && r.value, { i, doubled: 2 * i }));
  });

  it("with depth 1, hands each thread one task at a time", async () => {
    const single = new JsWorkerPool({ size: 2, maxOldGenerationSizeMb: 64, depth: 1 });
    try {
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, i) => single.run(task("return i * 3", { i }))),
      );
      replies.forEach((r, i) => assert.equal(r.ok && r.value, i * 3));
    } finally {
      await single.close();
    }
  });

  it("re-queues the tasks lined up behind one that times out; they run and succeed", async () => {
    const one = await warmOneThreadPool();
    try {
      const stuck = one.run(task("while (true) {}", {}, 200));
      const behind = [1, 2, 3].map((i) => one.run(task("return { i }", { i })));
      const error = await stuck.catch((e: unknown) => e);
      assert.ok(error instanceof JsTaskFailure);
      assert.equal(error.failure.kind, "timeout");
      const values = (await Promise.all(behind)).map((r) => (r.ok ? r.value : r.error));
      assert.deepEqual(values, [{ i: 1 }, { i: 2 }, { i: 3 }]);
    } finally {
      await one.close();
    }
  });

  it("cancels a task lined up behind a running one without disturbing the running one", async () => {
    const one = await warmOneThreadPool();
    try {
      const ac = new AbortController();
      const first = one.run(task("const t = Date.now(); while (Date.now() - t < 50) {} return 'first'"));
      const second = one.run(task("return 'second'", {}, 10_000, ac.signal));
      const third = one.run(task("return 'third'"));
      ac.abort(new Error("stop"));
      const error = await second.catch((e: unknown) => e);
      assert.ok(error instanceof JsTaskFailure);
      assert.equal(error.failure.kind, "aborted");
      const r1 = await first;
      assert.equal(r1.ok && r1.value, "first");
      const r3 = await third;
      assert.equal(r3.ok && r3.value, "third");
    } finally {
      await one.close();
    }
  });

  it("fails queued and lined-up tasks when closed", async () => {
    const one = await warmOneThreadPool();
    const pending = [0, 1, 2, 3, 4, 5].map(() =>
      one.run(task("const t = Date.now(); while (Date.now() - t < 20) {} return 1")).catch((e: unknown) => e),
    );
    await one.close();
    for (const p of await Promise.all(pending)) {
      assert.ok(p instanceof JsTaskFailure, `expected a failure, got ${JSON.stringify(p)}`);
      assert.equal(p.failure.kind, "crashed");
    }
  });
});

describe("JsWorkerPool threads polling for their next task", () => {
  // A long poll (50 ms) makes "the task arrives while the thread polls" certain in these tests.
  const polling = () => new JsWorkerPool({ size: 2, maxOldGenerationSizeMb: 64, spinUs: 50_000 });
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("runs tasks that arrive while it polls, after its poll ended, and back to back", async () => {
    const pool = polling();
    try {
      let value = 0;
      for (const gapMs of [0, 1, 0, 5, 120, 0, 2, 120, 1]) {
        if (gapMs > 0) await pause(gapMs);
        const reply = await pool.run(task("return prev + 1", { prev: value }));
        assert.ok(reply.ok);
        value = reply.value as number;
      }
      assert.equal(value, 9);
    } finally {
      await pool.close();
    }
  });

  it("times out a task it received while polling, then runs the next one on a new thread", async () => {
    const pool = polling();
    try {
      await pool.run(task("return 1"));
      const stuck = await pool.run(task("while (true) {}", {}, 150)).catch((e: unknown) => e);
      assert.ok(stuck instanceof JsTaskFailure);
      assert.equal(stuck.failure.kind, "timeout");
      const next = await pool.run(task("return 'after'"));
      assert.equal(next.ok && next.value, "after");
    } finally {
      await pool.close();
    }
  });

  it("keeps the results of concurrent tasks apart while one thread polls", async () => {
    const pool = polling();
    try {
      for (let round = 0; round < 5; round++) {
        const replies = await Promise.all(
          Array.from({ length: 30 }, (_, i) => pool.run(task("return { i, round }", { i, round }))),
        );
        replies.forEach((r, i) => assert.deepEqual(r.ok && r.value, { i, round }));
      }
    } finally {
      await pool.close();
    }
  });

  it("closes while a thread polls (terminating a polling thread does not wait for its poll)", async () => {
    const pool = polling();
    await pool.run(task("return 1"));
    await pool.close();
    const error = await pool.run(task("return 2")).catch((e: unknown) => e);
    assert.ok(error instanceof JsTaskFailure);
  });
});

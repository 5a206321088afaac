/**
 * End-to-end: our playbooks run embedded (SQLite, in-process worker, real tools) and give the
 * results, step order and run counts their authors expect.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ExecutionId } from "../../src/kernel/index.ts";
import { dispatchOrder, eventsOfType, type Harness, harness } from "../support/run-playbook.ts";

const dir = new URL("../playbooks/", import.meta.url).pathname;
let h: Harness;

before(async () => {
  h = await harness();
});
after(async () => {
  await h.close();
});

describe("embedded end-to-end", () => {
  test("linear chain: inputs, step set, results by name", async () => {
    const r = await h.runFile(`${dir}linear.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(dispatchOrder(r.events), ["a", "b", "c"]);
    assert.deepEqual(r.steps.a, { value: 2 });
    assert.deepEqual(r.steps.b, { value: 20 });
    assert.deepEqual(r.result, { value: 21, seen: 2 });
    assert.deepEqual(r.runs, { a: 1, b: 1, c: 1 });
  });

  test("exclusive branching takes the first matching arc and skips the others", async () => {
    const big = await h.runFile(`${dir}branching.yaml`);
    assert.equal(big.status, "completed", JSON.stringify(big.error));
    assert.deepEqual(big.result, { which: "big" });
    assert.equal(big.runs.small ?? 0, 0);
    assert.equal(big.runs.never ?? 0, 0);
    assert.equal(big.runs.end, 1);
    const skipped = eventsOfType(big.events, "step.skipped").map((e) => e.step);
    assert.ok(skipped.includes("small") && skipped.includes("never"), `skipped: ${skipped}`);

    const small = await h.runFile(`${dir}branching.yaml`, { n: 1 });
    assert.deepEqual(small.result, { which: "small" });
    assert.equal(small.runs.big ?? 0, 0);
  });

  test("inclusive fan-out joins once after every fired branch", async () => {
    const r = await h.runFile(`${dir}fanout-join.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.result, 3);
    assert.equal(r.runs.join, 1);
    assert.equal(r.runs.off ?? 0, 0);
    const joinIssued = r.events.findIndex((e) => e.type === "command.issued" && e.step === "join");
    const leftDone = r.events.findIndex((e) => e.type === "call.done" && e.step === "left");
    const rightDone = r.events.findIndex((e) => e.type === "call.done" && e.step === "right");
    assert.ok(
      joinIssued > leftDone && joinIssued > rightDone,
      "join dispatched before both branches finished",
    );
  });

  test("a cycle re-enters its target until the condition stops it", async () => {
    const r = await h.runFile(`${dir}pagination.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.runs.fetch, 3);
    assert.deepEqual(r.result, { count: 6, items: [0, 1, 10, 11, 20, 21] });
  });

  test("loops: sequential sees earlier ctx writes; parallel respects max_in_flight", async () => {
    const r = await h.runFile(`${dir}loops.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.result, {
      doubled: [2, 4, 6, 8],
      accs: [0, 1, 3, 6],
      acc: 10,
      squares: 506,
      total: 12,
    });
    // in-flight iterations of `par`, read from the event log order
    let inFlight = 0;
    let peak = 0;
    for (const e of r.events) {
      if (e.step !== "par") continue;
      if (e.type === "command.issued") inFlight += 1;
      if (e.type === "call.done" || e.type === "call.error") inFlight -= 1;
      peak = Math.max(peak, inFlight);
    }
    assert.equal(peak, 3);
  });

  test("pipeline policies: retry, jump, break", async () => {
    const r = await h.runFile(`${dir}pipeline.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    const pipe = r.steps.pipe as { results: Record<string, unknown>; status: string };
    assert.deepEqual(pipe.results.flaky, { ok: 3 });
    assert.deepEqual(pipe.results.bump, { n: 3 });
    assert.equal(pipe.results.never, undefined);
    assert.equal(pipe.status, "break");
    assert.deepEqual(r.result, { n: 3 });
  });

  test("a call.error arc routes the error to a handler as a message", async () => {
    const r = await h.runFile(`${dir}error-handler.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    const result = r.result as { handled: string; via_input: string };
    assert.match(result.handled, /bad input 42/);
    assert.equal(result.via_input, result.handled);
    assert.equal(r.runs.ok_path ?? 0, 0);
  });

  test("executor.spec.on_error handles an error no arc matched", async () => {
    const r = await h.runFile(`${dir}on-error.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal((r.result as { cleaned: boolean }).cleaned, true);
    assert.equal(r.runs.unreachable ?? 0, 0);
  });

  test("an unhandled error fails the execution and stops routing", async () => {
    const r = await h.runFile(`${dir}unhandled.yaml`);
    assert.equal(r.status, "failed");
    assert.match(JSON.stringify(r.error), /kaboom/);
    assert.equal(r.runs.after ?? 0, 0);
  });

  test("admission denies a step: it is skipped and the rest completes", async () => {
    const r = await h.runFile(`${dir}admission.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.runs.gated ?? 0, 0);
    assert.equal(r.steps.open, "open ran");
    const skip = eventsOfType(r.events, "step.skipped").find((e) => e.step === "gated");
    assert.equal(skip?.payload.reason, "admission");
    const allowed = await h.runFile(`${dir}admission.yaml`, { enabled: true });
    assert.equal(allowed.steps.gated, "gated ran");
  });

  test("arc input is a message to the target, not shared state", async () => {
    const r = await h.runFile(`${dir}arc-input.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.result, "London:12C:no");
  });

  test("legacy design-notes shapes run with their original meaning", async () => {
    const r = await h.runFile(`${dir}legacy-design-notes.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.steps.hot, "hot day");
    assert.equal(r.runs.cold ?? 0, 0);
  });

  test("sub-playbooks in a parallel loop (nested loops across executions)", async () => {
    await h.app.orchestrator.register(
      await import("node:fs").then((fs) => fs.readFileSync(`${dir}child.yaml`, "utf8")),
    );
    const r = await h.runFile(`${dir}parent.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.result, [1, 3, 6]);
  });

  test("a failing child playbook is a task error of the parent", async () => {
    await h.app.orchestrator.register(
      await import("node:fs").then((fs) => fs.readFileSync(`${dir}child.yaml`, "utf8")),
    );
    const r = await h.runFile(`${dir}parent.yaml`, { ns: [1, 20] });
    assert.equal(r.status, "failed");
    assert.match(JSON.stringify(r.error), /too big/);
  });

  test("a fire-and-forget child (async: true / wait: false) returns {status: started, execution_id, path, async}", async () => {
    await h.app.orchestrator.register(
      await import("node:fs").then((fs) => fs.readFileSync(`${dir}child.yaml`, "utf8")),
    );
    const r = await h.run(`
apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: fire_and_forget, path: e2e/fire-and-forget }
workflow:
  - step: start
    tool: { kind: playbook, path: e2e/child, async: true, input: { n: 3 } }
    next: { arcs: [{ step: again }] }
  - step: again
    tool: { kind: playbook, path: e2e/child, wait: false, input: { n: 4 } }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    for (const [step, sum] of [
      ["start", 6],
      ["again", 10],
    ] as const) {
      const started = r.steps[step] as {
        status: string;
        execution_id: ExecutionId;
        path: string;
        async: boolean;
      };
      assert.deepEqual(
        { ...started, execution_id: typeof started.execution_id },
        { status: "started", execution_id: "string", path: "e2e/child", async: true },
      );
      const child = await h.app.orchestrator.waitFor(started.execution_id, AbortSignal.timeout(30_000));
      assert.equal(child.status, "completed");
      assert.equal(child.result, sum);
      const row = await h.app.store.getExecution(started.execution_id);
      assert.equal(row?.parent_execution_id, r.execution_id, "the child knows its parent");
    }
  });

  test("final_step runs once after quiescence and provides the result", async () => {
    const r = await h.runFile(`${dir}final-step.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.result, { x: 42, ab: "ab" });
    assert.equal(r.runs.summary, 1);
  });

  test("10,000-iteration parallel loop", async () => {
    const r = await h.runFile(`${dir}big-loop.yaml`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.result, { sum: 99_990_000, n: 10_000 });
  });
});

/**
 * The API's controls of a running execution — ctx patches, tokens, forced ends — in the embedded
 * preset (SQLite store, exclusive orchestrator, in-process worker): the same events as behind the
 * HTTP API, and the state the log replays to is the state the orchestrator holds.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { CommandId, ExecutionId } from "../../src/kernel/index.ts";
import { type Harness, harness } from "../support/run-playbook.ts";

const yaml = readFileSync(new URL("../playbooks/injection.yaml", import.meta.url), "utf8");
let h: Harness;

before(async () => {
  h = await harness();
});
after(async () => {
  await h.close();
});

async function start(): Promise<ExecutionId> {
  const entry = await h.app.orchestrator.register(yaml);
  return (await h.app.orchestrator.execute({ path: entry.path, version: entry.version })).execution_id;
}

async function replayMatches(id: ExecutionId): Promise<void> {
  const { state } = await h.app.orchestrator.replay(id);
  const live = await h.app.orchestrator.status(id);
  assert.deepEqual([state.status, state.ctx, state.steps], [live.status, live.ctx, live.steps]);
}

describe("execution controls (embedded)", () => {
  it("a ctx patch and a token reach the steps; the log replays to the same state", async () => {
    const o = h.app.orchestrator;
    const id = await start();
    await o.patchCtx(id, { values: { greeting: "hi", gone: true } });
    await o.patchCtx(id, { removed: ["gone"] });
    await o.inject(id, "hook", { n: 4 });
    await assert.rejects(o.inject(id, "nope", {}), { code: "NOETL_E_STEP_NOT_FOUND" });
    const done = await o.waitFor(id, AbortSignal.timeout(20_000));
    assert.equal(done.status, "completed");
    const s = await o.status(id);
    assert.deepEqual(s.ctx, { greeting: "hi" });
    assert.deepEqual([s.steps.b, s.steps.hook], [{ g: "hi" }, 8]);
    await replayMatches(id);
    await assert.rejects(o.patchCtx(id, { values: { late: 1 } }), { code: "NOETL_E_EXECUTION_FINISHED" });
    await assert.rejects(o.inject(id, "hook", {}), { code: "NOETL_E_EXECUTION_FINISHED" });
  });

  it("finalize cancels what runs and fails the execution; a second finalize changes nothing", async () => {
    const o = h.app.orchestrator;
    const id = await start();
    assert.deepEqual(await o.finalize(id, "failed", "stuck"), {
      finalized: true,
      status: "failed",
      finalized_children: [],
    });
    assert.deepEqual(await o.finalize(id, "completed"), {
      finalized: false,
      status: "failed",
      finalized_children: [],
    });
    const s = await o.status(id);
    assert.equal(s.error?.code, "NOETL_E_FINALIZED");
    const events = await h.app.store.readEvents(id);
    assert.deepEqual(
      events.slice(-3).map((e) => e.type),
      ["command.cancelled", "workflow.failed", "playbook.failed"],
    );
    // the worker running the cancelled command is told so at its next heartbeat
    const cancelled = events.find((e) => e.type === "command.cancelled");
    assert.ok(cancelled?.type === "command.cancelled");
    const commandId: CommandId = cancelled.payload.command_id;
    assert.deepEqual(await o.heartbeat(commandId, `embedded-${process.pid}`), { cancelled: true });
    assert.equal((await h.app.store.getExecution(id))?.status, "failed");
    await replayMatches(id);
  });
});

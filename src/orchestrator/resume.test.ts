/**
 * Resume after a crash: the commands in flight are rebuilt from the event log (an exclusive
 * orchestrator writes no command rows) and dispatched again; completed steps do not run again.
 * A shared-store orchestrator resuming such a log gives the rebuilt commands their rows.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandId, ExecutionId } from "../kernel/index.ts";
import type { Command } from "../protocol/index.ts";
import { MemoryStore } from "../store/memory/index.ts";
import { CounterIds, FakeClock, RecordingBus } from "../testing/index.ts";
import { Orchestrator } from "./orchestrator.ts";

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: resume, path: tests/resume }
workflow:
  - step: a
    tool: { kind: noop }
    next:
      spec: { mode: inclusive }
      arcs:
        - { step: b, set: { ctx.seen: "{{ a.ran }}" } }
        - { step: c, set: { ctx.seen: "{{ a.ran }}" } }
  - step: b
    tool: { kind: noop }
  - step: c
    tool: { kind: python, code: "result = 1" }
`;

function orchestratorOn(store: MemoryStore, exclusive: boolean) {
  const bus = new RecordingBus();
  const clock = new FakeClock();
  const orchestrator = new Orchestrator({ store, bus, clock, ids: new CounterIds(), options: { exclusive } });
  return { bus, orchestrator };
}

async function claimed(o: Orchestrator, id: string | undefined, worker: string): Promise<Command> {
  const claim = await o.claim(id as CommandId, worker);
  assert.equal(claim.status, "claimed");
  return claim.command as Command;
}

async function done(o: Orchestrator, x: ExecutionId, c: Command, patch?: Record<string, number>) {
  await o.report(x, [
    {
      type: "call.done",
      step: c.step,
      payload: {
        command_id: c.command_id,
        worker_id: "w",
        result: { ran: c.step },
        status: "ok",
        ...(patch ? { ctx_patch: patch } : {}),
      },
    },
  ]);
}

/** Runs a, then b (whose report patches ctx); c is claimed and the orchestrator "crashes". */
async function interrupted(store: MemoryStore) {
  const { bus, orchestrator } = orchestratorOn(store, true);
  const entry = await orchestrator.register(PLAYBOOK);
  const { execution_id: x } = await orchestrator.execute({ path: entry.path });
  await done(orchestrator, x, await claimed(orchestrator, bus.notices[0]?.command_id, "w"));
  const [b, c] = await Promise.all(bus.notices.slice(1).map((n) => claimed(orchestrator, n.command_id, "w")));
  const [cb, cc] = (b as Command).step === "b" ? [b, c] : [c, b];
  await done(orchestrator, x, cb as Command, { later: 2 });
  return { x, c: cc as Command };
}

describe("resume", () => {
  it("exclusive: rebuilds the command in flight from the log — tasks, its issue-time ctx — and finishes", async () => {
    const store = new MemoryStore();
    const { x, c } = await interrupted(store);
    assert.equal(await store.getCommand(c.command_id), undefined, "exclusive mode writes no command rows");
    const { bus, orchestrator } = orchestratorOn(store, true);
    assert.equal(await orchestrator.resume(x), 1);
    assert.deepEqual(
      bus.notices.map((n) => n.command_id),
      [c.command_id],
    );
    const again = await claimed(orchestrator, c.command_id, "w2");
    const { steps: stepsAgain, ...restAgain } = again;
    const { steps, ...rest } = c;
    assert.deepEqual(restAgain, rest, "the same command: input, tasks, ctx as when it was issued");
    assert.deepEqual(again.ctx, { seen: "a" }, "not the ctx patched after it was issued");
    assert.deepEqual(steps, { a: { ran: "a" } });
    assert.deepEqual(stepsAgain, { a: { ran: "a" }, b: { ran: "b" } }, "results as they are now");
    await done(orchestrator, x, again);
    const status = await orchestrator.status(x);
    assert.equal(status.status, "completed");
    assert.deepEqual(status.runs, { a: 1, b: 1, c: 1 });
  });

  it("shared store: a log written in exclusive mode gets rows for its commands in flight", async () => {
    const store = new MemoryStore();
    const { x, c } = await interrupted(store);
    const { bus, orchestrator } = orchestratorOn(store, false);
    assert.equal(await orchestrator.resume(x), 1);
    assert.equal((await store.getCommand(c.command_id))?.status, "PENDING");
    assert.equal(bus.notices[0]?.command_id, c.command_id);
    await done(orchestrator, x, await claimed(orchestrator, c.command_id, "w2"));
    assert.equal((await store.getCommand(c.command_id))?.status, "COMPLETED");
    assert.equal((await orchestrator.status(x)).status, "completed");
    assert.equal(await orchestrator.resume(x), 0, "nothing left in flight");
  });
});

/**
 * Hand-off: a report that asks for it gets the commands it caused, committed already claimed for
 * its worker, and those commands are not announced on the bus; the claim is an ordinary lease (the reaper
 * re-dispatches it when the worker never reports). In both orchestrator modes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandId, ExecutionId } from "../kernel/index.ts";
import type { ClaimResult, Command } from "../protocol/index.ts";
import { MemoryStore } from "../store/memory/index.ts";
import { CounterIds, FakeClock, RecordingBus } from "../testing/index.ts";
import { Orchestrator } from "./orchestrator.ts";

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: handoff, path: tests/handoff }
workflow:
  - step: a
    tool: { kind: noop }
    next: { spec: { mode: inclusive }, arcs: [{ step: b }, { step: c }] }
  - step: b
    tool: { kind: noop }
  - step: c
    tool: { kind: noop }
`;

const LEASE_MS = 5000;

async function setUp(exclusive: boolean) {
  const store = new MemoryStore();
  const bus = new RecordingBus();
  const clock = new FakeClock();
  const orchestrator = new Orchestrator({
    store,
    bus,
    clock,
    ids: new CounterIds(),
    options: { exclusive, leaseMs: LEASE_MS },
  });
  const entry = await orchestrator.register(PLAYBOOK);
  const { execution_id } = await orchestrator.execute({ path: entry.path });
  return { store, bus, clock, orchestrator, execution_id };
}

/** Claims the command of a notice as `worker` and reports it done; returns the report's answer. */
async function runAndReport(
  orchestrator: Orchestrator,
  executionId: ExecutionId,
  command: Command,
  worker: string,
  handoff?: { max: number },
): Promise<ClaimResult[]> {
  return orchestrator.report(
    executionId,
    [
      {
        type: "call.done",
        step: command.step,
        payload: {
          command_id: command.command_id,
          worker_id: worker,
          result: { ran: command.step },
          status: "ok",
        },
      },
    ],
    undefined,
    handoff ? { worker_id: worker, pool: command.pool, max: handoff.max } : undefined,
  );
}

for (const exclusive of [false, true]) {
  describe(`hand-off of commands with a report (${exclusive ? "exclusive" : "shared store"})`, () => {
    it("claims up to max of the caused commands for the worker; only the rest go on the bus", async () => {
      const { store, bus, orchestrator, execution_id } = await setUp(exclusive);
      assert.equal(bus.notices.length, 1);
      const first = await orchestrator.claim(bus.notices[0]?.command_id as CommandId, "w1");
      assert.equal(first.status, "claimed");
      const handed = await runAndReport(orchestrator, execution_id, first.command as Command, "w1", {
        max: 1,
      });
      // a → b and c: one handed to w1, the other announced
      assert.equal(handed.length, 1);
      const mine = handed[0]?.command as Command;
      assert.equal(handed[0]?.status, "claimed");
      assert.equal(handed[0]?.lease_ms, LEASE_MS);
      assert.equal(bus.notices.length, 2);
      const announced = bus.notices[1]?.command_id;
      assert.notEqual(announced, mine.command_id);
      const announcedStep = exclusive
        ? orchestrator.heldCommand(announced as CommandId)?.command.step
        : (await store.getCommand(announced as CommandId))?.command.step;
      assert.deepEqual([mine.step, announcedStep].sort(), ["b", "c"]);
      // the handed command is held by w1: another worker cannot take it
      assert.equal((await orchestrator.claim(mine.command_id, "w2")).status, "active_claim");
      const row = exclusive
        ? orchestrator.heldCommand(mine.command_id)
        : await store.getCommand(mine.command_id);
      assert.equal(row?.status, "CLAIMED");
      assert.equal(row?.worker_id, "w1");
      if (exclusive) assert.equal(await store.getCommand(mine.command_id), undefined, "no command rows");
      // the announced one is claimable as usual; both run and the execution completes
      const other = await orchestrator.claim(announced as CommandId, "w2");
      assert.equal(other.status, "claimed");
      assert.deepEqual(await runAndReport(orchestrator, execution_id, mine, "w1", { max: 1 }), []);
      await runAndReport(orchestrator, execution_id, other.command as Command, "w2");
      assert.equal((await orchestrator.status(execution_id)).status, "completed");
      assert.equal(bus.notices.length, 2, "nothing else was announced");
    });

    it("without a hand-off (or with max 0) every command goes on the bus", async () => {
      const { bus, orchestrator, execution_id } = await setUp(exclusive);
      const first = await orchestrator.claim(bus.notices[0]?.command_id as CommandId, "w1");
      const handed = await runAndReport(orchestrator, execution_id, first.command as Command, "w1", {
        max: 0,
      });
      assert.deepEqual(handed, []);
      assert.equal(bus.notices.length, 3);
    });
  });
}

describe("a handed-over command whose worker never reports", () => {
  it("is re-dispatched by the reaper once its lease has expired", async () => {
    const { bus, clock, orchestrator, execution_id } = await setUp(false);
    const first = await orchestrator.claim(bus.notices[0]?.command_id as CommandId, "w1");
    const [handed] = await runAndReport(orchestrator, execution_id, first.command as Command, "w1", {
      max: 1,
    });
    const id = handed?.command?.command_id as CommandId;
    const before = bus.notices.length;
    assert.equal(await orchestrator.reap(), 0, "the lease is still live");
    clock.advance(LEASE_MS + 1);
    assert.equal(await orchestrator.reap(), 1);
    assert.equal(bus.notices.length, before + 1);
    assert.equal(bus.notices.at(-1)?.command_id, id);
    // another worker takes it over
    assert.equal((await orchestrator.claim(id, "w2")).status, "claimed");
  });
});

for (const exclusive of [false, true]) {
  describe(`a hand-off report sent again (${exclusive ? "exclusive" : "shared store"})`, () => {
    it("is answered with what its worker holds, so a lost reply does not wait for the lease", async () => {
      const { bus, orchestrator, execution_id } = await setUp(exclusive);
      const first = await orchestrator.claim(bus.notices[0]?.command_id as CommandId, "w1");
      const command = first.command as Command;
      const report = () =>
        orchestrator.report(
          execution_id,
          [
            {
              type: "call.done",
              step: command.step,
              event_id: `done-${command.command_id}`,
              payload: { command_id: command.command_id, worker_id: "w1", result: {}, status: "ok" },
            },
          ],
          undefined,
          { worker_id: "w1", pool: "default", max: 1 },
        );
      const handed = await report();
      assert.equal(handed.length, 1);
      const again = await report();
      assert.deepEqual(
        again.map((c) => c.command?.command_id),
        handed.map((c) => c.command?.command_id),
      );
      assert.equal(bus.notices.length, 2, "the repeat announced nothing");
    });
  });
}

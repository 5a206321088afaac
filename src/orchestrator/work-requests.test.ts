/**
 * Requests for work (`Orchestrator.next`): a worker's waiting request gets the next new command of
 * its pool committed already claimed for it, and that command is not announced on the bus; a
 * request that went away gets nothing, and a command answered to a request that went away is
 * released (PENDING again, announced).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClaimResult, Command } from "../protocol/index.ts";
import type { CommitBatch, CommitResult } from "../store/index.ts";
import { MemoryStore } from "../store/memory/index.ts";
import { CounterIds, FakeClock, latch, RecordingBus } from "../testing/index.ts";
import { Orchestrator } from "./orchestrator.ts";
import { WorkRequests } from "./work-requests.ts";

/** A memory store whose next commit waits for `hold` to open, or fails once. */
class GatedStore extends MemoryStore {
  hold?: Promise<void>;
  failNext = false;
  override async commit(batch: CommitBatch): Promise<CommitResult> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("database went away");
    }
    const gate = this.hold;
    this.hold = undefined;
    if (gate) await gate;
    return super.commit(batch);
  }
}

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: asked, path: tests/asked }
workflow:
  - step: a
    tool: { kind: noop }
    next: { arcs: [{ step: b }] }
  - step: b
    tool: { kind: noop }
`;

const LEASE_MS = 5000;

async function setUp(exclusive = false) {
  const store = new GatedStore();
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
  return { store, bus, clock, orchestrator, path: entry.path };
}

const ask = (worker: string, max = 1) => ({ worker_id: worker, pool: "default", max });

function commandOf(claims: ClaimResult[]): Command {
  assert.equal(claims.length, 1);
  assert.equal(claims[0]?.status, "claimed");
  const command = claims[0]?.command;
  assert.ok(command);
  return command;
}

describe("requests for work", () => {
  for (const exclusive of [false, true]) {
    it(`a waiting request gets a new execution's first command, claimed, not announced (exclusive: ${exclusive})`, async () => {
      const { store, bus, clock, orchestrator, path } = await setUp(exclusive);
      const asked = orchestrator.next(ask("w1"), new AbortController().signal);
      const { execution_id } = await orchestrator.execute({ path });
      const command = commandOf(await asked);
      assert.equal(command.step, "a");
      assert.equal(command.execution_id, execution_id);
      assert.deepEqual(bus.notices, []);
      if (!exclusive) {
        const row = await store.getCommand(command.command_id);
        assert.equal(row?.status, "CLAIMED");
        assert.equal(row?.worker_id, "w1");
        assert.equal(row?.lease_until, clock.now() + LEASE_MS);
      }
      // the claim is the worker's: claiming it again as another worker is refused
      assert.equal((await orchestrator.claim(command.command_id, "w2")).status, "active_claim");
    });
  }

  it("a report's new commands go to a waiting request when the report did not take them over", async () => {
    const { bus, orchestrator, path } = await setUp();
    const first = orchestrator.next(ask("w1"), new AbortController().signal);
    const { execution_id } = await orchestrator.execute({ path });
    const a = commandOf(await first);
    const second = orchestrator.next(ask("w2"), new AbortController().signal);
    await orchestrator.report(execution_id, [
      {
        type: "call.done",
        step: "a",
        payload: { command_id: a.command_id, worker_id: "w1", result: null, status: "ok" },
      },
    ]);
    assert.equal(commandOf(await second).step, "b");
    assert.deepEqual(bus.notices, []);
  });

  it("a request whose signal aborted gets nothing, and the command is announced", async () => {
    const { bus, orchestrator, path } = await setUp();
    const gone = new AbortController();
    const asked = orchestrator.next(ask("w1"), gone.signal);
    gone.abort();
    assert.deepEqual(await asked, []);
    await orchestrator.execute({ path });
    assert.equal(bus.notices.length, 1);
  });

  it("a command answered to a request that went away during the commit is released and announced", async () => {
    const { store, bus, orchestrator, path } = await setUp();
    const gone = new AbortController();
    const asked = orchestrator.next(ask("w1"), gone.signal);
    const gate = latch();
    store.hold = gate.opened;
    const executing = orchestrator.execute({ path });
    gone.abort(); // while the commit that claims the command for w1 is in flight
    gate.open();
    await executing;
    assert.deepEqual(await asked, []);
    for (let i = 0; i < 20 && bus.notices.length === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(bus.notices.length, 1);
    const row = await store.getCommand(bus.notices[0]?.command_id as Command["command_id"]);
    assert.equal(row?.status, "PENDING");
    assert.equal(row?.worker_id, undefined);
    assert.equal((await orchestrator.claim(row?.command.command_id as never, "w2")).status, "claimed");
  });

  it("a request taken for a commit that failed waits again and gets the next command", async () => {
    const { store, bus, orchestrator, path } = await setUp();
    const asked = orchestrator.next(ask("w1"), new AbortController().signal);
    store.failNext = true;
    await assert.rejects(orchestrator.execute({ path }), /database went away/);
    const { execution_id } = await orchestrator.execute({ path });
    assert.equal(commandOf(await asked).execution_id, execution_id);
    assert.deepEqual(bus.notices, []);
  });
});

describe("WorkRequests", () => {
  const command = (id: string, pool = "default") =>
    ({ command_id: id, execution_id: "e", step: id, pool }) as unknown as Command;

  it("takes the newest request of the command's pool, each up to its max", async () => {
    const requests = new WorkRequests();
    const live = new AbortController().signal;
    const older = requests.wait({ worker_id: "old", pool: "default", max: 1 }, live);
    const newer = requests.wait({ worker_id: "new", pool: "default", max: 2 }, live);
    const other = requests.wait({ worker_id: "gpu", pool: "gpu", max: 1 }, live);
    const out = requests.assign([command("c1"), command("c2"), command("c3"), command("g1", "gpu")]);
    assert.deepEqual(
      out.map((a) => [a.taken.request.worker_id, a.commands.map((c) => c.command_id)]),
      [
        ["new", ["c1", "c2"]],
        ["old", ["c3"]],
        ["gpu", ["g1"]],
      ],
    );
    for (const a of out)
      assert.equal(a.taken.answer([{ status: "claimed", command: a.commands[0] as Command }]), true);
    assert.equal((await newer).length, 1);
    assert.equal((await older).length, 1);
    assert.equal((await other).length, 1);
    assert.equal(requests.size, 0);
  });

  it("spreads one decision's commands over the workers asking, newest first, before giving a worker a second", () => {
    const requests = new WorkRequests();
    const live = new AbortController().signal;
    for (const worker_id of ["a", "b", "a", "a", "b"])
      void requests.wait({ worker_id, pool: "default", max: 1 }, live);
    const gone = new AbortController();
    void requests.wait({ worker_id: "c", pool: "default", max: 1 }, gone.signal);
    gone.abort();
    const out = requests.assign([command("c1"), command("c2"), command("c3"), command("c4")]);
    assert.deepEqual(
      out.map((a) => [a.taken.request.worker_id, a.commands.map((c) => c.command_id)]),
      [
        ["b", ["c1"]],
        ["a", ["c2"]],
        // every worker has one: newest first again
        ["a", ["c3"]],
        ["b", ["c4"]],
      ],
    );
    assert.equal(requests.size, 1, "a's oldest request still waits");
    assert.deepEqual(
      requests.assign([command("c5")]).map((a) => a.taken.request.worker_id),
      ["a"],
    );
  });

  it("leaves commands of a pool nobody asks for, and restores requests of an uncommitted decision", () => {
    const requests = new WorkRequests();
    void requests.wait({ worker_id: "w", pool: "default", max: 1 }, new AbortController().signal);
    assert.deepEqual(requests.assign([command("g", "gpu")]), []);
    const out = requests.assign([command("c")]);
    assert.equal(out.length, 1);
    assert.equal(requests.size, 0);
    requests.restore(out);
    assert.equal(requests.size, 1);
    assert.equal(requests.assign([command("d")])[0]?.taken.request.worker_id, "w");
  });

  it("an aborted request is answered [] and never taken; answering it later says so", async () => {
    const requests = new WorkRequests();
    const gone = new AbortController();
    const asked = requests.wait({ worker_id: "w", pool: "default", max: 1 }, gone.signal);
    const [taken] = requests.assign([command("c")]);
    gone.abort();
    assert.deepEqual(await asked, []);
    assert.equal(taken?.taken.answer([{ status: "claimed" }]), false);
    requests.restore(taken ? [taken] : []);
    assert.equal(requests.size, 0);
    assert.deepEqual(await requests.wait({ worker_id: "w", pool: "default", max: 1 }, gone.signal), []);
  });
});

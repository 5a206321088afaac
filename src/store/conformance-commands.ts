/** Conformance cases: the command outbox, status updates, claims, leases and reaper listings. */
import assert from "node:assert/strict";
import type { CommandId } from "../kernel/index.ts";
import type { StoreTest } from "./conformance-fixtures.ts";
import { command, event, newExecutionId, uid } from "./conformance-fixtures.ts";

export function commandCases(test: StoreTest): void {
  test("commands are stored PENDING, unclaimed, created at the batch's first event time", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({ events: [event(x, "command.issued", { command: c }, { at: 777 })], commands: [c] });
    assert.deepEqual(await store.getCommand(c.command_id), {
      command: c,
      status: "PENDING",
      claims: 0,
      created_at: 777,
    });
    const d = command(x);
    await store.commit({
      events: [],
      commands: [d],
      commandUpdates: [{ command_id: c.command_id, status: "RUNNING", worker_id: "w", at: 888 }],
    });
    assert.equal((await store.getCommand(d.command_id))?.created_at, 888, "else the first update's time");
    assert.equal(await store.getCommand(uid("none") as CommandId), undefined);
  });

  test("re-inserting a command id changes nothing", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({ events: [], commands: [c] });
    await store.claimCommand(c.command_id, "w1", 100, 1000);
    await store.commit({ events: [], commands: [{ ...c, step: "changed" }] });
    const row = await store.getCommand(c.command_id);
    assert.equal(row?.status, "CLAIMED");
    assert.equal(row?.command.step, c.step);
  });

  test("updates set status and worker; terminal ones set completed_at", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({ events: [], commands: [c] });
    await store.commit({
      events: [],
      commandUpdates: [{ command_id: c.command_id, status: "RUNNING", worker_id: "w1", at: 5 }],
    });
    let row = await store.getCommand(c.command_id);
    assert.equal(row?.status, "RUNNING");
    assert.equal(row?.worker_id, "w1");
    assert.equal(row?.completed_at, undefined);
    await store.commit({
      events: [],
      commandUpdates: [{ command_id: c.command_id, status: "FAILED", at: 9 }],
    });
    row = await store.getCommand(c.command_id);
    assert.equal(row?.status, "FAILED");
    assert.equal(row?.worker_id, "w1", "an update without a worker keeps the worker");
    assert.equal(row?.completed_at, 9);
    // an update of an unknown command is ignored
    await store.commit({
      events: [],
      commandUpdates: [{ command_id: uid("none") as CommandId, status: "COMPLETED", at: 1 }],
    });
  });

  test("terminal statuses stick: later updates and claims change nothing", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({ events: [], commands: [c] });
    await store.claimCommand(c.command_id, "w1", 10, 100);
    await store.commit({
      events: [],
      commandUpdates: [{ command_id: c.command_id, status: "COMPLETED", worker_id: "w1", at: 20 }],
    });
    const settled = await store.getCommand(c.command_id);
    for (const status of ["PENDING", "RUNNING", "CLAIMED", "FAILED", "CANCELLED", "COMPLETED"] as const) {
      await store.commit({
        events: [],
        commandUpdates: [{ command_id: c.command_id, status, worker_id: "w9", at: 30 }],
      });
    }
    assert.deepEqual(await store.getCommand(c.command_id), settled);
    assert.equal(settled?.completed_at, 20);
    const claim = await store.claimCommand(c.command_id, "w2", 40, 100);
    assert.equal(claim.status, "already_terminal");
    assert.equal(claim.row?.status, "COMPLETED");
    assert.equal(await store.renewLease(c.command_id, "w1", 40, 100), false);
  });

  test("an update in the same batch applies to a command inserted by it", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({
      events: [],
      commands: [c],
      commandUpdates: [{ command_id: c.command_id, status: "CANCELLED", at: 3 }],
    });
    const row = await store.getCommand(c.command_id);
    assert.equal(row?.status, "CANCELLED");
    assert.equal(row?.completed_at, 3);
  });

  test("claim: PENDING → CLAIMED with worker, lease and claims + 1", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({ events: [], commands: [c] });
    const out = await store.claimCommand(c.command_id, "w1", 1000, 500);
    assert.equal(out.status, "claimed");
    const { command: claimed, ...rest } = out.row ?? { command: undefined };
    assert.deepEqual(rest, {
      status: "CLAIMED",
      worker_id: "w1",
      lease_until: 1500,
      claimed_at: 1000,
      claims: 1,
      created_at: out.row?.created_at,
    });
    assert.deepEqual(claimed, c);
    assert.deepEqual(await store.getCommand(c.command_id), out.row);
    assert.equal((await store.claimCommand(uid("none") as CommandId, "w1", 1, 1)).status, "not_found");
  });

  test("commands committed with a hand-off claim are stored CLAIMED, as a claim leaves them", async (store) => {
    const x = newExecutionId();
    const [c, d, e] = [command(x), command(x), command(x)];
    await store.commit({
      events: [event(x, "command.issued", { command: c }, { at: 900 })],
      commands: [c, d, e],
      claims: [
        { command_id: c.command_id, worker_id: "w1", at: 1000, lease_until: 1500 },
        { command_id: e.command_id, worker_id: "w2", at: 1100, lease_until: 1700 },
      ],
    });
    const { command: stored, ...rest } = (await store.getCommand(c.command_id)) ?? { command: undefined };
    assert.deepEqual(rest, {
      status: "CLAIMED",
      worker_id: "w1",
      lease_until: 1500,
      claimed_at: 1000,
      claims: 1,
      created_at: 900,
    });
    assert.deepEqual(stored, c);
    const other = await store.getCommand(e.command_id);
    assert.deepEqual(
      [other?.status, other?.worker_id, other?.claimed_at, other?.lease_until],
      ["CLAIMED", "w2", 1100, 1700],
      "each claim with its own worker and times",
    );
    assert.equal((await store.getCommand(d.command_id))?.status, "PENDING", "only the claimed ones");
    // an ordinary lease: refused to others while live, renewed by its holder, taken over once expired
    assert.equal((await store.claimCommand(c.command_id, "w2", 1400, 500)).status, "active_claim");
    assert.equal(await store.renewLease(c.command_id, "w1", 1400, 500), true);
    const later = await store.claimCommand(c.command_id, "w2", 1901, 500);
    assert.equal(later.status, "claimed");
    assert.equal(later.row?.claims, 2);
    // a command id already stored is left alone
    await store.commit({
      events: [],
      commands: [d],
      claims: [{ command_id: d.command_id, worker_id: "w3", at: 2000, lease_until: 2500 }],
    });
    assert.equal((await store.getCommand(d.command_id))?.status, "PENDING");
  });

  test("claim: a live claim of another worker is refused; the holder may claim again", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({ events: [], commands: [c] });
    await store.claimCommand(c.command_id, "w1", 1000, 500);
    const other = await store.claimCommand(c.command_id, "w2", 1500, 500);
    assert.equal(other.status, "active_claim", "lease_until == now is still live");
    assert.equal(other.row?.worker_id, "w1");
    const same = await store.claimCommand(c.command_id, "w1", 1200, 500);
    assert.equal(same.status, "claimed");
    assert.equal(same.row?.claims, 1, "re-claim by the holder is not a new claim");
    assert.equal(same.row?.lease_until, 1700);
    assert.equal(same.row?.claimed_at, 1000);
  });

  test("claim: an expired lease is taken over (claims + 1), also from RUNNING", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({ events: [], commands: [c] });
    await store.claimCommand(c.command_id, "w1", 1000, 500);
    await store.commit({
      events: [],
      commandUpdates: [{ command_id: c.command_id, status: "RUNNING", worker_id: "w1", at: 1100 }],
    });
    const out = await store.claimCommand(c.command_id, "w2", 1501, 500);
    assert.equal(out.status, "claimed");
    assert.equal(out.row?.status, "CLAIMED");
    assert.equal(out.row?.worker_id, "w2");
    assert.equal(out.row?.claims, 2);
    assert.equal(out.row?.lease_until, 2001);
    assert.equal(out.row?.claimed_at, 1501);
    assert.equal(await store.renewLease(c.command_id, "w1", 1600, 500), false, "the old holder lost it");
  });

  test("renewLease extends only the holder's live command", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({ events: [], commands: [c] });
    assert.equal(await store.renewLease(c.command_id, "w1", 10, 100), false, "PENDING is held by nobody");
    await store.claimCommand(c.command_id, "w1", 10, 100);
    assert.equal(await store.renewLease(c.command_id, "w1", 50, 100), true);
    assert.equal((await store.getCommand(c.command_id))?.lease_until, 150);
    assert.equal(await store.renewLease(c.command_id, "w2", 60, 100), false);
    assert.equal((await store.getCommand(c.command_id))?.lease_until, 150);
    assert.equal(await store.renewLease(uid("none") as CommandId, "w1", 60, 100), false);
  });

  test("an update back to PENDING releases the claim (resume)", async (store) => {
    const x = newExecutionId();
    const c = command(x);
    await store.commit({ events: [], commands: [c] });
    await store.claimCommand(c.command_id, "w1", 10, 1000);
    await store.commit({
      events: [],
      commandUpdates: [{ command_id: c.command_id, status: "PENDING", at: 20 }],
    });
    const row = await store.getCommand(c.command_id);
    assert.equal(row?.status, "PENDING");
    assert.equal(row?.worker_id, undefined);
    assert.equal(row?.lease_until, undefined);
    assert.equal(await store.renewLease(c.command_id, "w1", 30, 1000), false);
    const out = await store.claimCommand(c.command_id, "w2", 30, 1000);
    assert.equal(out.status, "claimed");
    assert.equal(out.row?.claims, 2);
  });

  test("listCommands filters by execution and status, ordered by created_at, with limit", async (store) => {
    const x = newExecutionId();
    const y = newExecutionId();
    const [a, b, c] = [command(x), command(x), command(x)];
    const other = command(y);
    await store.commit({
      events: [event(x, "step.skipped", { reason: "untaken" }, { at: 30 })],
      commands: [c],
    });
    await store.commit({
      events: [event(x, "step.skipped", { reason: "untaken" }, { at: 10 })],
      commands: [a],
    });
    await store.commit({
      events: [event(x, "step.skipped", { reason: "untaken" }, { at: 20 })],
      commands: [b, other],
    });
    await store.claimCommand(b.command_id, "w", 40, 100);
    const ids = async (f: Parameters<typeof store.listCommands>[0]) =>
      (await store.listCommands(f)).map((r) => r.command.command_id);
    assert.deepEqual(await ids({ execution_id: x }), [a.command_id, b.command_id, c.command_id]);
    assert.deepEqual(await ids({ execution_id: x, status: ["PENDING"] }), [a.command_id, c.command_id]);
    assert.deepEqual(await ids({ execution_id: x, status: ["CLAIMED", "RUNNING"] }), [b.command_id]);
    assert.deepEqual(await ids({ execution_id: x, limit: 2 }), [a.command_id, b.command_id]);
    assert.deepEqual(await ids({ execution_id: y }), [other.command_id]);
    assert.deepEqual(await ids({ execution_id: x, status: [] }), []);
  });

  test("listCommands for the reaper: expired leases and stale PENDING commands", async (store) => {
    const x = newExecutionId();
    const [pending, expired, live, done] = [command(x), command(x), command(x), command(x)];
    await store.commit({
      events: [event(x, "step.skipped", { reason: "untaken" }, { at: 100 })],
      commands: [pending, expired, live, done],
    });
    await store.claimCommand(expired.command_id, "w1", 100, 50); // lease until 150
    await store.claimCommand(live.command_id, "w1", 100, 500); // lease until 600
    await store.claimCommand(done.command_id, "w1", 100, 50);
    await store.commit({
      events: [],
      commandUpdates: [
        { command_id: expired.command_id, status: "RUNNING", at: 120 },
        { command_id: done.command_id, status: "COMPLETED", at: 120 },
      ],
    });
    const ids = async (f: Parameters<typeof store.listCommands>[0]) =>
      (await store.listCommands({ execution_id: x, ...f })).map((r) => r.command.command_id);
    assert.deepEqual(await ids({ leaseExpiredBefore: 200 }), [expired.command_id]);
    assert.deepEqual(await ids({ leaseExpiredBefore: 150 }), [], "lease_until == t is not expired");
    assert.deepEqual(await ids({ leaseExpiredBefore: 700 }), [expired.command_id, live.command_id]);
    assert.deepEqual(await ids({ status: ["PENDING"], createdBefore: 101 }), [pending.command_id]);
    assert.deepEqual(await ids({ status: ["PENDING"], createdBefore: 100 }), []);
    assert.deepEqual(await ids({ createdBefore: 101 }), [
      pending.command_id,
      expired.command_id,
      live.command_id,
      done.command_id,
    ]);
  });
}

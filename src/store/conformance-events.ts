/** Conformance cases: idempotent events, seq per execution, reads, the execution projection. */
import assert from "node:assert/strict";
import type { CommandId, ExecutionId } from "../kernel/index.ts";
import type { EventPayloads } from "../protocol/index.ts";
import type { StoreTest } from "./conformance-fixtures.ts";
import { command, event, newCommandId, newExecutionId, uid } from "./conformance-fixtures.ts";

export function eventLogCases(test: StoreTest): void {
  test("init is idempotent", async (store) => {
    await store.init();
    await store.init();
    assert.deepEqual(await store.readEvents(newExecutionId()), []);
  });

  test("assigns seq 1, 2, 3 … per execution and returns inserted events with seq", async (store) => {
    const x = newExecutionId();
    const y = newExecutionId();
    const r = await store.commit({
      events: [
        event(x, "workflow.initialized", { first_step: "a" }),
        event(y, "workflow.initialized", { first_step: "b" }),
        event(x, "step.skipped", { reason: "untaken" }, { step: "t" }),
      ],
    });
    assert.deepEqual(
      r.inserted.map((e) => [e.execution_id === x ? "x" : "y", e.seq]),
      [
        ["x", 1],
        ["y", 1],
        ["x", 2],
      ],
    );
    assert.deepEqual(r.duplicates, []);
    const r2 = await store.commit({ events: [event(y, "workflow.completed", { result: null })] });
    assert.equal(r2.inserted[0]?.seq, 2);
    assert.equal((await store.getExecution(x))?.last_seq, 2);
    assert.equal((await store.getExecution(y))?.last_seq, 2);
    // the first execution goes on after the second one wrote: each reads back only its own
    const r3 = await store.commit({ events: [event(x, "workflow.completed", { result: 1 })] });
    assert.equal(r3.inserted[0]?.seq, 3);
    assert.deepEqual(
      (await store.readEvents(x)).map((e) => [e.type, e.seq]),
      [
        ["workflow.initialized", 1],
        ["step.skipped", 2],
        ["workflow.completed", 3],
      ],
    );
    assert.deepEqual(
      (await store.readEvents(y)).map((e) => [e.type, e.seq]),
      [
        ["workflow.initialized", 1],
        ["workflow.completed", 2],
      ],
    );
  });

  test("round-trips every event field", async (store) => {
    const x = newExecutionId();
    const e = event(
      x,
      "ctx.updated",
      { values: { a: [1, "two", { three: null }], u: "é✓" }, source: "step" },
      { step: "s1", at: 1234, cause: uid("cause") },
    );
    await store.commit({ events: [e] });
    const [read] = await store.readEvents(x);
    assert.deepEqual(read, { ...e, seq: 1 });
    const bare = event(x, "workflow.initialized", { first_step: "a" });
    await store.commit({ events: [bare] });
    const [, second] = await store.readEvents(x);
    assert.deepEqual(second, { ...bare, seq: 2 });
    assert.equal("step" in (second ?? {}), false, "absent optional fields stay absent");
  });

  test("skips duplicate (execution_id, event_id) and reports them; seq is not consumed", async (store) => {
    const x = newExecutionId();
    const a = event(x, "workflow.initialized", { first_step: "a" });
    const b = event(x, "step.skipped", { reason: "untaken" });
    await store.commit({ events: [a, b] });
    const c = event(x, "workflow.completed", { result: 1 });
    const again = await store.commit({ events: [b, c, c, a] });
    assert.deepEqual(again.duplicates, [b.event_id, c.event_id, a.event_id]);
    assert.deepEqual(
      again.inserted.map((e) => [e.event_id, e.seq]),
      [[c.event_id, 3]],
    );
    assert.deepEqual(
      (await store.readEvents(x)).map((e) => e.seq),
      [1, 2, 3],
    );
    // the same event id in another execution is a different event
    const y = newExecutionId();
    const other = await store.commit({ events: [{ ...a, execution_id: y }] });
    assert.equal(other.inserted[0]?.seq, 1);
  });

  test("snowflake event ids: duplicates are skipped across commits, inside a batch and mixed with other ids", async (store) => {
    // the engine's and workers' ids are decimal int64 strings (the SQLite store guards them with
    // their own key, the other ids with an index: both must behave as one key)
    const x = newExecutionId();
    const ev = (id: string, n: number) => event(x, "task.output", output(`r${n}`), { event_id: id });
    const [a, b, c, d] = [newCommandId(), newCommandId(), newCommandId(), newCommandId()];
    const named = uid("e");
    await store.commit({ events: [ev(b, 1), ev(a, 2), ev(named, 3)] });
    // a repeated snowflake with a new one (claimed, then redone because of the repeat)
    const second = await store.commit({ events: [ev(c, 4), ev(a, 5), ev(c, 6)] });
    assert.deepEqual(second.duplicates, [a, c]);
    assert.deepEqual(
      second.inserted.map((e) => [e.event_id, e.seq]),
      [[c, 4]],
    );
    // a repeated named id makes the batch's new snowflake go through the redo: stored once
    const third = await store.commit({ events: [ev(d, 7), ev(named, 8)] });
    assert.deepEqual(third.duplicates, [named]);
    assert.deepEqual(
      third.inserted.map((e) => [e.event_id, e.seq]),
      [[d, 5]],
    );
    const fourth = await store.commit({ events: [ev(d, 9), ev(b, 10)] });
    assert.deepEqual(fourth.duplicates, [d, b]);
    assert.deepEqual(
      (await store.readEvents(x)).map((e) => [e.event_id, e.seq, (e.payload as { text: string }).text]),
      [
        [b, 1, "r1"],
        [a, 2, "r2"],
        [named, 3, "r3"],
        [c, 4, "r4"],
        [d, 5, "r7"],
      ],
    );
  });

  test("a snowflake event id of one execution is a different event in another", async (store) => {
    const x = newExecutionId();
    const y = newExecutionId();
    const id = newCommandId();
    const ev = (execution: ExecutionId, n: number) =>
      event(execution, "task.output", output(`r${n}`), { event_id: id });
    assert.equal((await store.commit({ events: [ev(x, 1)] })).inserted[0]?.seq, 1);
    const other = await store.commit({ events: [ev(y, 2), event(y, "task.output", output("r3"))] });
    assert.deepEqual(
      other.inserted.map((e) => e.seq),
      [1, 2],
    );
    assert.deepEqual((await store.commit({ events: [ev(y, 4)] })).duplicates, [id]);
    assert.deepEqual((await store.commit({ events: [ev(x, 5)] })).duplicates, [id]);
    assert.deepEqual(
      (await store.readEvents(y)).map((e) => (e.payload as { text: string }).text),
      ["r2", "r3"],
    );
  });

  test("eventSeq finds an event's seq by its id in that execution only (snowflake and other ids)", async (store) => {
    const x = newExecutionId();
    const y = newExecutionId();
    const shared = newCommandId(); // a snowflake both executions use
    const [a, b] = [newCommandId(), newCommandId()];
    const named = uid("e");
    const ev = (execution: ExecutionId, id: string, n: number) =>
      event(execution, "task.output", output(`r${n}`), { event_id: id });
    await store.commit({ events: [ev(x, a, 1), ev(x, shared, 2), ev(y, shared, 3), ev(x, named, 4)] });
    // a repeated id and a new one in the same batch: the redo stores the new one at seq 4
    await store.commit({ events: [ev(x, b, 5), ev(x, a, 6)] });
    await store.commit({ events: [ev(y, named, 7)] });
    assert.deepEqual(
      await Promise.all([a, shared, named, b].map((id) => store.eventSeq(x, id))),
      [1, 2, 3, 4],
    );
    assert.deepEqual(await Promise.all([shared, named, a].map((id) => store.eventSeq(y, id))), [
      1,
      2,
      undefined,
    ]);
    assert.equal(await store.eventSeq(x, uid("e")), undefined);
    assert.equal(await store.eventSeq(x, newCommandId()), undefined);
    assert.equal(await store.eventSeq(newExecutionId(), a), undefined);
  });

  test("readEvents filters by afterSeq, types and limit, in seq order", async (store) => {
    const x = newExecutionId();
    const events = [
      event(x, "workflow.initialized", { first_step: "a" }),
      event(x, "step.skipped", { reason: "untaken" }),
      event(x, "ctx.updated", { values: {}, source: "arc" }),
      event(x, "step.skipped", { reason: "upstream" }),
      event(x, "workflow.completed", { result: 1 }),
    ];
    await store.commit({ events: events.slice(0, 2) });
    await store.commit({ events: events.slice(2) });
    const seqs = async (o: Parameters<typeof store.readEvents>[1]) =>
      (await store.readEvents(x, o)).map((e) => e.seq);
    assert.deepEqual(await seqs({}), [1, 2, 3, 4, 5]);
    assert.deepEqual(await seqs({ afterSeq: 2 }), [3, 4, 5]);
    assert.deepEqual(await seqs({ limit: 2 }), [1, 2]);
    assert.deepEqual(await seqs({ afterSeq: 1, limit: 2 }), [2, 3]);
    assert.deepEqual(await seqs({ types: ["step.skipped"] }), [2, 4]);
    assert.deepEqual(await seqs({ types: ["step.skipped", "workflow.completed"], afterSeq: 2 }), [4, 5]);
    assert.deepEqual(await seqs({ types: ["step.skipped"], limit: 1 }), [2]);
    assert.deepEqual(await seqs({ afterSeq: 5 }), []);
    assert.deepEqual(await store.readEvents(newExecutionId()), []);
  });

  test("an empty batch is a no-op", async (store) => {
    const r = await store.commit({ events: [] });
    assert.deepEqual(r, { inserted: [], duplicates: [] });
  });

  test("execution upsert inserts, then merges only the given fields", async (store) => {
    const x = newExecutionId();
    const parent = newExecutionId();
    const path = uid("conf/p");
    await store.commit({
      events: [event(x, "workflow.initialized", { first_step: "a" }, { at: 50 })],
      execution: {
        execution_id: x,
        path,
        catalog_version: 3,
        status: "running",
        started_at: 50,
        parent_execution_id: parent,
      },
    });
    assert.deepEqual(await store.getExecution(x), {
      execution_id: x,
      path,
      catalog_version: 3,
      status: "running",
      started_at: 50,
      parent_execution_id: parent,
      last_seq: 1,
    });
    await store.commit({
      events: [event(x, "workflow.completed", { result: { ok: true } }, { at: 60 })],
      execution: { execution_id: x, status: "completed", ended_at: 60, result: { ok: true } },
    });
    const done = await store.getExecution(x);
    assert.equal(done?.status, "completed");
    assert.equal(done?.path, path, "fields not in the batch are kept");
    assert.equal(done?.started_at, 50);
    assert.equal(done?.catalog_version, 3);
    assert.equal(done?.ended_at, 60);
    assert.deepEqual(done?.result, { ok: true });
    assert.equal(done?.last_seq, 2, "last_seq is maintained by the store");
    await store.commit({ events: [], execution: { execution_id: x, error: { code: "E" }, result: null } });
    const later = await store.getExecution(x);
    assert.deepEqual(later?.error, { code: "E" });
    assert.equal(later?.result, null, "null is a value, not an absence");
    assert.equal(later?.last_seq, 2);
    assert.equal(await store.getExecution(newExecutionId()), undefined);
  });

  test("last_seq follows events committed without a projection in the batch", async (store) => {
    const x = newExecutionId();
    await store.commit({ events: [event(x, "workflow.initialized", { first_step: "a" })] });
    await store.commit({ events: [event(x, "step.skipped", { reason: "untaken" })] });
    await store.commit({
      events: [],
      execution: { execution_id: x, path: uid("p"), status: "running", started_at: 1 },
    });
    assert.equal((await store.getExecution(x))?.last_seq, 2);
    const r = await store.commit({ events: [event(x, "workflow.completed", { result: 1 })] });
    assert.equal(r.inserted[0]?.seq, 3);
    assert.equal((await store.getExecution(x))?.last_seq, 3);
  });

  test("listExecutions: newest first, filters, limit and offset", async (store) => {
    const path = uid("conf/list");
    const other = uid("conf/other");
    const parent = newExecutionId();
    const ids: ExecutionId[] = [];
    for (let i = 0; i < 5; i++) {
      const id = newExecutionId();
      ids.push(id);
      await store.commit({
        events: [],
        execution: {
          execution_id: id,
          path: i === 4 ? other : path,
          status: i % 2 === 0 ? "running" : "completed",
          started_at: 1000 + i,
          ...(i < 2 ? { parent_execution_id: parent } : {}),
        },
      });
    }
    const list = async (f: Parameters<typeof store.listExecutions>[0]) =>
      (await store.listExecutions(f)).map((r) => ids.indexOf(r.execution_id));
    assert.deepEqual(await list({ path }), [3, 2, 1, 0]);
    assert.deepEqual(await list({ path, status: "running" }), [2, 0]);
    assert.deepEqual(await list({ parent_execution_id: parent }), [1, 0]);
    assert.deepEqual(await list({ path, limit: 2 }), [3, 2]);
    assert.deepEqual(await list({ path, limit: 2, offset: 2 }), [1, 0]);
    assert.deepEqual(await list({ path, offset: 3 }), [0]);
    assert.deepEqual(await list({ path: other }), [4]);
    const all = await store.listExecutions();
    for (const id of ids) assert.ok(all.some((r) => r.execution_id === id));
  });

  test("a commit writes events, commands, updates and projection together", async (store) => {
    const x = newExecutionId();
    const c1 = command(x, "a");
    const c2 = command(x, "b");
    await store.commit({
      events: [
        event(x, "workflow.initialized", { first_step: "a" }, { at: 10 }),
        event(x, "command.issued", { command: c1 }, { at: 10 }),
        event(x, "command.issued", { command: c2 }, { at: 10 }),
      ],
      commands: [c1, c2],
      commandUpdates: [{ command_id: c2.command_id, status: "CANCELLED", at: 10 }],
      execution: { execution_id: x, path: uid("p"), status: "running", started_at: 10 },
    });
    assert.equal((await store.readEvents(x)).length, 3);
    assert.equal((await store.getCommand(c1.command_id))?.status, "PENDING");
    assert.equal((await store.getCommand(c2.command_id))?.status, "CANCELLED");
    assert.equal((await store.getExecution(x))?.last_seq, 3);
  });
}

/** A `task.output` payload carrying `text` (a free-form marker). */
function output(text: string): EventPayloads["task.output"] {
  return { command_id: "c" as CommandId, task: "t", stream: "stdout", text };
}

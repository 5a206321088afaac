/**
 * The Store conformance suite: every adapter (memory, sqlite, postgres) runs it and must give
 * the same answers. Call it from the adapter's test file.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CommandId, EventId, ExecutionId, Json } from "../kernel/index.ts";
import type { Command, NoetlEvent } from "../protocol/index.ts";
import type { Store } from "./store.ts";

let counter = 0;
const uid = (p: string) =>
  `${p}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function ev(
  execution: ExecutionId,
  type: NoetlEvent["type"],
  payload: unknown,
  extra: Partial<NoetlEvent> = {},
): NoetlEvent {
  return {
    execution_id: execution,
    event_id: uid("e") as EventId,
    type,
    at: 1000,
    payload,
    ...extra,
  } as NoetlEvent;
}

function cmd(execution: ExecutionId, step = "s"): Command {
  return {
    command_id: uid("c") as CommandId,
    execution_id: execution,
    step,
    pool: "default",
    tasks: [],
    pipeline: false,
    input: {},
    ctx: {},
    steps: {},
    attempt: 1,
  };
}

export function storeConformance(
  name: string,
  make: () => Promise<Store>,
  cleanup?: () => Promise<void>,
): void {
  describe(`store conformance: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await make();
      await store.init();
      await store.init(); // idempotent
    });
    after(async () => {
      await store.close();
      await cleanup?.();
    });

    it("appends events with a per-execution seq and skips duplicates", async () => {
      const x = uid("x") as ExecutionId;
      const a = ev(x, "workflow.initialized", { first_step: "s" });
      const b = ev(x, "step.skipped", { reason: "untaken" }, { step: "t" });
      const r1 = await store.commit({
        events: [a, b],
        execution: { execution_id: x, path: "p", status: "running", started_at: 5 },
      });
      assert.deepEqual(
        r1.inserted.map((e) => e.seq),
        [1, 2],
      );
      const r2 = await store.commit({ events: [b, ev(x, "workflow.completed", { result: 1 })] });
      assert.deepEqual(r2.duplicates, [b.event_id]);
      assert.deepEqual(
        r2.inserted.map((e) => e.seq),
        [3],
      );
      const all = await store.readEvents(x);
      assert.deepEqual(
        all.map((e) => e.type),
        ["workflow.initialized", "step.skipped", "workflow.completed"],
      );
      assert.equal(all[1]?.step, "t");
      assert.deepEqual(all[2]?.payload, { result: 1 });
      assert.deepEqual(
        (await store.readEvents(x, { afterSeq: 1, limit: 1 })).map((e) => e.seq),
        [2],
      );
      assert.deepEqual(
        (await store.readEvents(x, { types: ["workflow.completed"] })).map((e) => e.seq),
        [3],
      );
      assert.equal((await store.getExecution(x))?.last_seq, 3);
    });

    it("keeps seq independent per execution", async () => {
      const x = uid("x") as ExecutionId;
      const y = uid("y") as ExecutionId;
      const r = await store.commit({
        events: [
          ev(x, "workflow.initialized", {}),
          ev(y, "workflow.initialized", {}),
          ev(x, "workflow.initialized", {}),
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
    });

    it("upserts the execution projection and lists newest first with filters", async () => {
      const parent = uid("p") as ExecutionId;
      const child = uid("c") as ExecutionId;
      await store.commit({
        events: [],
        execution: { execution_id: parent, path: "conf/p", status: "running", started_at: 10 },
      });
      await store.commit({
        events: [],
        execution: {
          execution_id: child,
          path: "conf/c",
          status: "running",
          started_at: 20,
          parent_execution_id: parent,
        },
      });
      await store.commit({
        events: [],
        execution: { execution_id: parent, status: "completed", ended_at: 30, result: { ok: true } },
      });
      const row = await store.getExecution(parent);
      assert.equal(row?.status, "completed");
      assert.equal(row?.path, "conf/p");
      assert.deepEqual(row?.result, { ok: true });
      assert.equal(row?.ended_at, 30);
      const kids = await store.listExecutions({ parent_execution_id: parent });
      assert.deepEqual(
        kids.map((k) => k.execution_id),
        [child],
      );
      const byPath = await store.listExecutions({ path: "conf/p", status: "completed" });
      assert.deepEqual(
        byPath.map((k) => k.execution_id),
        [parent],
      );
      assert.equal(await store.getExecution(uid("none") as ExecutionId), undefined);
    });

    it("stores commands PENDING and claims them once, with leases", async () => {
      const x = uid("x") as ExecutionId;
      const c = cmd(x);
      await store.commit({ events: [], commands: [c] });
      assert.equal((await store.getCommand(c.command_id))?.status, "PENDING");
      assert.deepEqual((await store.getCommand(c.command_id))?.command, c);
      const first = await store.claimCommand(c.command_id, "w1", 1000, 500);
      assert.equal(first.status, "claimed");
      assert.equal(first.row?.claims, 1);
      assert.equal((await store.claimCommand(c.command_id, "w2", 1100, 500)).status, "active_claim");
      assert.equal(await store.renewLease(c.command_id, "w1", 1200, 500), true);
      assert.equal(await store.renewLease(c.command_id, "w2", 1200, 500), false);
      // lease expired: another worker may take it over (the reaper lists it)
      const expired = await store.listCommands({ leaseExpiredBefore: 1800, execution_id: x });
      assert.deepEqual(
        expired.map((r) => r.command.command_id),
        [c.command_id],
      );
      const again = await store.claimCommand(c.command_id, "w2", 1800, 500);
      assert.equal(again.status, "claimed");
      assert.equal(again.row?.claims, 2);
      assert.equal((await store.claimCommand(uid("nope") as CommandId, "w", 1, 1)).status, "not_found");
    });

    it("terminal command statuses stick; PENDING resets a claim", async () => {
      const x = uid("x") as ExecutionId;
      const c = cmd(x);
      const d = cmd(x);
      await store.commit({ events: [], commands: [c, d] });
      await store.claimCommand(c.command_id, "w1", 10, 100);
      await store.commit({
        events: [],
        commandUpdates: [{ command_id: c.command_id, status: "COMPLETED", at: 20 }],
      });
      await store.commit({
        events: [],
        commandUpdates: [{ command_id: c.command_id, status: "RUNNING", at: 30 }],
      });
      const row = await store.getCommand(c.command_id);
      assert.equal(row?.status, "COMPLETED");
      assert.equal(row?.completed_at, 20);
      assert.equal((await store.claimCommand(c.command_id, "w1", 40, 100)).status, "already_terminal");
      await store.claimCommand(d.command_id, "w1", 10, 100);
      await store.commit({
        events: [],
        commandUpdates: [{ command_id: d.command_id, status: "PENDING", at: 50 }],
      });
      assert.equal((await store.claimCommand(d.command_id, "w2", 60, 100)).status, "claimed");
      const open = await store.listCommands({ execution_id: x, status: ["PENDING", "CLAIMED", "RUNNING"] });
      assert.deepEqual(
        open.map((r) => r.command.command_id),
        [d.command_id],
      );
    });

    it("lists stale PENDING commands (lost publishes)", async () => {
      const x = uid("x") as ExecutionId;
      const c = cmd(x);
      await store.commit({ events: [ev(x, "workflow.initialized", {}, { at: 100 })], commands: [c] });
      const stale = await store.listCommands({ status: ["PENDING"], createdBefore: 101, execution_id: x });
      assert.deepEqual(
        stale.map((r) => r.command.command_id),
        [c.command_id],
      );
      assert.deepEqual(
        await store.listCommands({ status: ["PENDING"], createdBefore: 100, execution_id: x }),
        [],
      );
    });

    it("versions catalog entries per path", async () => {
      const path = uid("conf/pb");
      const v1 = await store.catalogRegister({ path, kind: "Playbook", content: "a", now: 1 });
      const v2 = await store.catalogRegister({ path, kind: "Playbook", content: "b", now: 2 });
      assert.deepEqual([v1.version, v2.version], [1, 2]);
      assert.equal((await store.catalogGet(path))?.content, "b");
      assert.equal((await store.catalogGet(path, 1))?.content, "a");
      assert.equal((await store.catalogGetById(v1.catalog_id))?.version, 1);
      assert.deepEqual(
        (await store.catalogList({ path })).map((e) => e.version),
        [2, 1],
      );
      assert.equal(await store.catalogGet(uid("missing")), undefined);
    });

    it("stores results by reference and resolves loop references from the log", async () => {
      const x = uid("x") as ExecutionId;
      const data: Json = { rows: [1, 2, 3], text: "é" };
      const ref = await store.resultPut(x, "big", data, 5);
      assert.equal(ref.kind, "result_ref");
      assert.match(ref.ref, new RegExp(`^noetl://execution/${x}/result/`));
      assert.equal(ref.bytes, Buffer.byteLength(JSON.stringify(data)));
      assert.deepEqual(await store.resultGet(ref.ref), data);
      assert.equal(await store.resultGet(`noetl://execution/${x}/result/none/1`), undefined);
      const c = (i: number, type: "call.done" | "call.error") =>
        ev(
          x,
          type,
          {
            command_id: uid("c"),
            result: i * 10,
            loop_id: "L1",
            loop_index: i,
            ...(type === "call.error"
              ? { error: { kind: "tool_error", retryable: false, code: "X", message: "m" } }
              : { status: "ok" }),
          },
          { step: "loop" },
        );
      await store.commit({ events: [c(2, "call.done"), c(0, "call.done"), c(1, "call.error")] });
      assert.deepEqual(await store.resultGet(`noetl://execution/${x}/loop/loop/L1`), [0, 10, 20]);
    });

    it("encrypts nothing itself but stores credentials and kv settings", async () => {
      const name = uid("cred");
      await store.credentialPut({
        name,
        type: "postgres",
        data_encrypted: "v1:x",
        created_at: 1,
        updated_at: 1,
        tags: ["a"],
      });
      await store.credentialPut({
        name,
        type: "postgres",
        data_encrypted: "v1:y",
        created_at: 1,
        updated_at: 2,
      });
      const row = await store.credentialGet(name);
      assert.equal(row?.data_encrypted, "v1:y");
      assert.equal(row?.updated_at, 2);
      assert.ok((await store.credentialList()).some((r) => r.name === name));
      assert.equal(await store.credentialDelete(name), true);
      assert.equal(await store.credentialDelete(name), false);
      const key = uid("k");
      await store.kvPut(key, { a: 1 });
      await store.kvPut(key, { a: 2 });
      assert.deepEqual(await store.kvGet(key), { a: 2 });
    });

    it("serialises work per execution under the lock", async () => {
      const x = uid("x") as ExecutionId;
      const order: string[] = [];
      const job = (tag: string, ms: number) =>
        store.withExecutionLock(x, async () => {
          order.push(`${tag}>`);
          await new Promise((r) => setTimeout(r, ms));
          order.push(`<${tag}`);
        });
      await Promise.all([job("a", 20), job("b", 1), job("c", 1)]);
      assert.deepEqual(order, ["a>", "<a", "b>", "<b", "c>", "<c"]);
      await assert.rejects(store.withExecutionLock(x, async () => Promise.reject(new Error("boom"))));
      assert.equal(await store.withExecutionLock(x, async () => 7), 7);
    });
  });
}

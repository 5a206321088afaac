import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { ExecutionId } from "../../kernel/index.ts";
import { PG_URL, postgresSkipReason } from "../../testing/index.ts";
import { storeConformance } from "../conformance.ts";
import { command, event, newExecutionId, sleep } from "../conformance-fixtures.ts";
import { PostgresStore } from "./postgres-store.ts";

const skip = await postgresSkipReason();
const run = `${process.pid}_${Date.now().toString(36)}`;

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

const ev = (x: ExecutionId, id: string) =>
  event(x, "workflow.initialized", { first_step: "s" }, { event_id: `${id}-${x}` });

if (skip) {
  it("postgres store", { skip }, () => undefined);
} else {
  const conformanceSchema = `noetl_test_${run}`;
  // every conformance test gets its own store instance on the same schema (replicas, in effect)
  storeConformance(
    "postgres",
    async () => new PostgresStore({ url: PG_URL, schema: conformanceSchema, poolSize: 4 }),
  );
  after(() => dropSchema(conformanceSchema));

  describe("postgres store: two replicas on one schema", () => {
    const schema = `noetl_test_${run}_replicas`;
    let a: PostgresStore;
    let b: PostgresStore;
    before(async () => {
      a = new PostgresStore({ url: PG_URL, schema, poolSize: 4 });
      b = new PostgresStore({ url: PG_URL, schema, poolSize: 4 });
      // both start together: the advisory lock serialises the migrations
      await Promise.all([a.init(), b.init()]);
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await dropSchema(schema);
    });

    it("applies the migrations once when two servers start together", async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        const r = await client.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`);
        assert.equal(r.rows[0].n, 1);
      } finally {
        await client.end();
      }
    });

    it("serialises withExecutionLock across store instances", async () => {
      const x = newExecutionId();
      const order: string[] = [];
      const job = (store: PostgresStore, tag: string, ms: number) =>
        store.withExecutionLock(x, async () => {
          order.push(`${tag}>`);
          await sleep(ms);
          order.push(`<${tag}`);
        });
      await Promise.all([job(a, "a1", 60), job(b, "b1", 20), job(a, "a2", 10), job(b, "b2", 30)]);
      assert.equal(order.length, 8);
      for (let i = 0; i < order.length; i += 2) {
        const tag = order[i]?.slice(0, -1);
        assert.equal(order[i + 1], `<${tag}`, `critical sections overlap: ${order.join(" ")}`);
      }
      // released after a failure, for the other replica too
      await assert.rejects(a.withExecutionLock(x, async () => Promise.reject(new Error("boom"))));
      assert.equal(await b.withExecutionLock(x, async () => 7), 7);
    });

    it("does not serialise different executions", async () => {
      let entered = 0;
      let release: () => void = () => undefined;
      const both = new Promise<void>((r) => {
        release = r;
      });
      const job = (store: PostgresStore) =>
        store.withExecutionLock(newExecutionId(), async () => {
          entered += 1;
          if (entered === 2) release();
          await Promise.race([both, sleep(2000).then(() => assert.fail("different executions serialised"))]);
        });
      await Promise.all([job(a), job(b)]);
    });

    it("concurrent commits to one execution never produce duplicate or missing seqs", async () => {
      const x = newExecutionId();
      const batches = 40;
      const results = await Promise.all(
        Array.from({ length: batches }, (_, i) =>
          (i % 2 === 0 ? a : b).commit({
            events: [ev(x, `e${i}a`), ev(x, `e${i}b`), ...(i % 4 === 0 ? [ev(x, "shared")] : [])],
            ...(i === 0 ? { execution: { execution_id: x, path: "p", status: "running" as const } } : {}),
          }),
        ),
      );
      const expected = batches * 2 + 1;
      const inserted = results.flatMap((r) => r.inserted);
      assert.equal(inserted.length, expected);
      assert.equal(results.flatMap((r) => r.duplicates).length, batches / 4 - 1);
      const events = await b.readEvents(x);
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: expected }, (_, i) => i + 1),
      );
      assert.equal(new Set(events.map((e) => e.event_id)).size, expected);
      assert.deepEqual(
        inserted.map((e) => e.seq ?? 0).sort((p, q) => p - q),
        events.map((e) => e.seq),
      );
      const row = await a.getExecution(x);
      assert.equal(row?.last_seq, expected);
      assert.equal(row?.path, "p");
    });

    it("concurrent claims of one command: exactly one replica wins", async () => {
      const c = command(newExecutionId());
      await a.commit({ events: [], commands: [c] });
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b).claimCommand(c.command_id, `w${i}`, 1000, 60_000),
        ),
      );
      assert.equal(outcomes.filter((o) => o.status === "claimed").length, 1);
      assert.equal(outcomes.filter((o) => o.status === "active_claim").length, 9);
    });

    it("a failing commit leaves nothing behind (one transaction)", async () => {
      const x = newExecutionId();
      const c = command(x);
      const bad = event(x, "ctx.updated", { values: {}, source: "step" });
      (bad.payload as unknown as { values: { n: bigint } }).values.n = 1n; // JSON.stringify throws
      await assert.rejects(
        a.commit({
          events: [event(x, "workflow.initialized", { first_step: "s" }), bad],
          commands: [c],
          execution: { execution_id: x, path: "p", status: "running", started_at: 1 },
        }),
      );
      assert.deepEqual(await b.readEvents(x), []);
      assert.equal(await b.getExecution(x), undefined);
      assert.equal(await b.getCommand(c.command_id), undefined);
      const ok = await a.commit({ events: [event(x, "workflow.initialized", { first_step: "s" })] });
      assert.equal(ok.inserted[0]?.seq, 1);
    });

    it("returns JSON exactly as committed (key order, \\u0000)", async () => {
      const x = newExecutionId();
      const values = { z: 1, a: "x\u0000y", m: { b: [1.5, null], a: true } };
      await a.commit({
        events: [event(x, "ctx.updated", { values, source: "step" })],
        execution: { execution_id: x, result: values },
      });
      const [stored] = await b.readEvents(x);
      assert.equal(JSON.stringify(stored?.payload), JSON.stringify({ values, source: "step" }));
      assert.equal(JSON.stringify((await b.getExecution(x))?.result), JSON.stringify(values));
      const ref = await a.resultPut(x, "r", values, 1);
      assert.equal(JSON.stringify(await b.resultGet(ref.ref)), JSON.stringify(values));
    });
  });
}

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { ExecutionId } from "../../kernel/index.ts";
import { latch, PG_URL, postgresSkipReason } from "../../testing/index.ts";
import { storeConformance } from "../conformance.ts";
import { command, event, newExecutionId, sleep } from "../conformance-fixtures.ts";
import { commitParams } from "./commit-params.ts";
import { MIGRATIONS, migrate } from "./migrations.ts";
import { SQL } from "./postgres-sql.ts";
import { LEASE_CONNECTION_OPTIONS, PostgresStore } from "./postgres-store.ts";

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
        assert.equal(r.rows[0].n, MIGRATIONS.length);
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

    it("commitIfCurrent commits only a decision taken on the current state", async () => {
      const x = newExecutionId();
      await a.commit({
        events: [ev(x, "c1"), ev(x, "c2")],
        execution: { execution_id: x, path: "p", status: "running" },
      });
      const c = command(x);
      const ok = await a.commitIfCurrent(
        { events: [ev(x, "c3")], commands: [c] },
        { execution_id: x, last_seq: 2 },
      );
      assert.deepEqual(
        ok?.inserted.map((e) => e.seq),
        [3],
      );
      // stale (another replica committed seq 3): nothing of the batch is written
      const c2 = command(x);
      const stale = await b.commitIfCurrent(
        {
          events: [ev(x, "c4")],
          commands: [c2],
          commandUpdates: [{ command_id: c.command_id, status: "COMPLETED", at: 5 }],
          execution: { execution_id: x, status: "completed", ended_at: 9 },
        },
        { execution_id: x, last_seq: 2 },
      );
      assert.equal(stale, undefined);
      assert.deepEqual(
        (await a.readEvents(x)).map((e) => e.seq),
        [1, 2, 3],
      );
      assert.equal(await a.getCommand(c2.command_id), undefined);
      assert.equal((await a.getCommand(c.command_id))?.status, "PENDING");
      assert.equal((await a.getExecution(x))?.status, "running");
      // refused while another replica holds the execution lock, accepted once it is released
      const holder = holdLock(a, x);
      await holder.inside;
      assert.equal(
        await b.commitIfCurrent({ events: [ev(x, "c5")] }, { execution_id: x, last_seq: 3 }),
        undefined,
      );
      holder.release();
      await holder.done;
      // a's unlock is sent without waiting for it: b may find the lock held a moment longer (a
      // refused commit writes nothing, so trying again is safe)
      let after: Awaited<ReturnType<PostgresStore["commitIfCurrent"]>>;
      for (let i = 0; i < 100 && !after; i++) {
        after = await b.commitIfCurrent({ events: [ev(x, "c5")] }, { execution_id: x, last_seq: 3 });
        if (!after) await sleep(10);
      }
      assert.deepEqual(
        after?.inserted.map((e) => e.seq),
        [4],
      );
      // the releasing replica's own next optimistic commit is not refused by its unlock
      for (let i = 0; i < 5; i++) {
        await a.withExecutionLock(x, async () => undefined);
        const mine = await a.commitIfCurrent(
          { events: [ev(x, `m${i}`)] },
          { execution_id: x, last_seq: 5 + i - 1 },
        );
        assert.equal(mine?.inserted[0]?.seq, 5 + i);
      }
      // a missing execution is never current
      assert.equal(
        await a.commitIfCurrent(
          { events: [ev(newExecutionId(), "z")] },
          { execution_id: newExecutionId(), last_seq: 0 },
        ),
        undefined,
      );
    });

    it("commits made while another is on its way go in one statement; a refused one fails alone", async () => {
      // the statements the store sends for commits
      const pool = (a as unknown as { pool: pg.Pool }).pool;
      const original = pool.query;
      const sent: string[] = [];
      pool.query = function (this: pg.Pool, config: unknown, ...rest: unknown[]) {
        const text = (config as { text?: string }).text ?? "";
        if (text.includes("commit_batch_claim")) sent.push(text);
        return (original as (...args: unknown[]) => unknown).call(this, config, ...rest);
      } as typeof pool.query;
      const start = (x: ExecutionId) => ({
        events: [ev(x, "g1"), ev(x, "g2")],
        execution: { execution_id: x, path: "p", status: "running" as const },
      });
      try {
        const xs = [newExecutionId(), newExecutionId(), newExecutionId(), newExecutionId()];
        const together = await Promise.all(xs.map((x) => a.commit(start(x))));
        assert.deepEqual(
          together.map((r) => r.inserted.map((e) => e.seq)),
          xs.map(() => [1, 2]),
        );
        assert.equal(sent.length, 2, "the first alone, the three made meanwhile in one statement");
        assert.match(sent[1] ?? "", /AS s2$/);
        for (const x of xs) assert.equal((await b.getExecution(x))?.status, "running");

        sent.length = 0;
        const moved = newExecutionId();
        await a.commit(start(moved));
        sent.length = 0;
        const ys = [newExecutionId(), newExecutionId(), newExecutionId()];
        const [first, refused, ...rest] = await Promise.all([
          a.commit(start(ys[0] as ExecutionId)),
          // stale: the execution is at seq 2, not 1
          a.commitIfCurrent({ events: [ev(moved, "late")] }, { execution_id: moved, last_seq: 1 }),
          a.commit(start(ys[1] as ExecutionId)),
          a.commit(start(ys[2] as ExecutionId)),
        ]);
        assert.equal(refused, undefined);
        for (const r of [first, ...rest])
          assert.deepEqual(
            r?.inserted.map((e) => e.seq),
            [1, 2],
          );
        assert.deepEqual(
          (await b.readEvents(moved)).map((e) => e.seq),
          [1, 2],
        );
        assert.match(sent[1] ?? "", /AS s2$/, "the group was tried");
        assert.equal(sent.length, 5, "then each of its three batches alone");
      } finally {
        pool.query = original;
      }
    });

    it("an optimistic commit that ends the execution writes its state and last seq; a batch sent again numbers only what is new", async () => {
      const x = newExecutionId();
      const c = command(x);
      await a.commit({
        events: [ev(x, "d1")],
        commands: [c],
        execution: { execution_id: x, path: "p", status: "running", started_at: 1 },
        claims: [{ command_id: c.command_id, worker_id: "w", lease_until: 99, at: 1 }],
      });
      assert.equal((await a.getCommand(c.command_id))?.status, "CLAIMED");
      const last = {
        events: [ev(x, "d2"), ev(x, "d3")],
        commandUpdates: [{ command_id: c.command_id, status: "COMPLETED" as const, at: 5 }],
        execution: { execution_id: x, status: "completed" as const, ended_at: 9, result: { v: 1 } },
      };
      const ok = await a.commitIfCurrent(last, { execution_id: x, last_seq: 1 });
      assert.deepEqual(
        ok?.inserted.map((e) => e.seq),
        [2, 3],
      );
      const row = await a.getExecution(x);
      assert.equal(row?.status, "completed");
      assert.equal(row?.ended_at, 9);
      assert.equal(row?.path, "p");
      assert.deepEqual(row?.result, { v: 1 });
      assert.equal((await a.getCommand(c.command_id))?.status, "COMPLETED");
      // the same batch again, with one new event: the stored ones are duplicates, the new one
      // takes the next seq (the row's last seq was written with the state)
      const again = await b.commit({ ...last, events: [...last.events, ev(x, "d4")] });
      assert.deepEqual(again.duplicates, [`d2-${x}`, `d3-${x}`]);
      assert.deepEqual(
        again.inserted.map((e) => e.seq),
        [4],
      );
      assert.equal(
        (await a.commitIfCurrent({ events: [ev(x, "d5")] }, { execution_id: x, last_seq: 4 }))?.inserted[0]
          ?.seq,
        5,
      );
    });

    it("withExecutionLock hands fn the execution row read once the lock is held", async () => {
      const x = newExecutionId();
      await a.commit({ events: [ev(x, "l1")], execution: { execution_id: x, path: "p", status: "running" } });
      const first = holdLock(a, x, () => a.commit({ events: [ev(x, "l2"), ev(x, "l3")] }));
      await first.inside;
      // b waits for the lock, then reads the row committed by a's critical section
      const seen = b.withExecutionLock(x, async (locked) => locked?.row?.last_seq);
      await sleep(50);
      first.release();
      await first.done;
      assert.equal(await seen, 3);
      assert.deepEqual(await b.withExecutionLock(newExecutionId(), async (locked) => locked), {
        row: undefined,
      });
    });

    it("claimCommand reports the status of the command's execution", async () => {
      const x = newExecutionId();
      const c = command(x);
      await a.commit({
        events: [ev(x, "k1")],
        commands: [c],
        execution: { execution_id: x, status: "cancelled" },
      });
      const claimed = await b.claimCommand(c.command_id, "w", 1000, 60_000);
      assert.equal(claimed.status, "claimed");
      assert.equal(claimed.status === "claimed" ? claimed.executionStatus : undefined, "cancelled");
      // a command without an execution row: no status
      const orphan = command(newExecutionId());
      await a.commit({ events: [], commands: [orphan] });
      const o = await a.claimCommand(orphan.command_id, "w", 1000, 60_000);
      assert.equal(o.status, "claimed");
      assert.equal(o.status === "claimed" ? o.executionStatus : "none", undefined);
    });

    it("claims never scan a table, even with the generic plans of small tables", async () => {
      // what a lease connection of the store runs after five claims on tables still small
      const client = new pg.Client({ connectionString: PG_URL, options: LEASE_CONNECTION_OPTIONS });
      await client.connect();
      try {
        await client.query("SET plan_cache_mode = force_generic_plan");
        const s = `"${schema}"`;
        const claims = [
          ["claim", "text", "'1'"],
          ["claimMany", "text[]", "ARRAY['1','2']"],
        ] as const;
        for (const [name, type, ids] of claims) {
          await client.query(
            `PREPARE ${name}(${type}, text, bigint, bigint) AS ${SQL[name].replaceAll("{s}", s)}`,
          );
          const plan = await client.query(`EXPLAIN EXECUTE ${name}(${ids}, 'w', 0, 1000)`);
          const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
          assert.doesNotMatch(text, /Seq Scan/, `${name}:\n${text}`);
        }
      } finally {
        await client.end();
      }
    });

    it("claimCommands: the outcome of each command in the caller's order, as claimCommand gives it", async () => {
      const x = newExecutionId();
      const commands = Array.from({ length: 4 }, (_, i) => command(x, `s${i}`));
      const [free, mine, theirs, done] = commands.map((c) => c.command_id);
      assert.ok(free && mine && theirs && done);
      await a.commit({ events: [ev(x, "q1")], commands, execution: { execution_id: x, status: "running" } });
      await a.claimCommand(mine, "w1", 1000, 60_000);
      await a.claimCommand(theirs, "w2", 1000, 60_000);
      await a.commit({ events: [], commandUpdates: [{ command_id: done, status: "COMPLETED", at: 2 }] });
      const missing = command(x, "missing").command_id;
      const outcomes = await b.claimCommands([free, missing, done, theirs, mine, free], "w1", 2000, 60_000);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ["claimed", "not_found", "already_terminal", "active_claim", "claimed", "claimed"],
      );
      const first = outcomes[0];
      assert.equal(first?.status === "claimed" ? first.executionStatus : undefined, "running");
      assert.equal(first?.status === "claimed" ? first.row.claims : undefined, 1);
      // the command already held by w1 is renewed, not claimed a second time
      const renewed = outcomes[4];
      assert.equal(renewed?.status === "claimed" ? renewed.row.claims : undefined, 1);
      assert.equal((await a.getCommand(free))?.worker_id, "w1");
      // concurrent batches over the same commands: each command is won by exactly one worker
      const contested = Array.from({ length: 8 }, (_, i) => command(x, `c${i}`));
      await a.commit({ events: [], commands: contested });
      const ids = contested.map((c) => c.command_id);
      const rounds = await Promise.all(
        Array.from({ length: 4 }, async (_, i) => {
          const order = i % 2 ? [...ids].reverse() : ids;
          const got = await (i % 2 ? a : b).claimCommands(order, `v${i}`, 3000, 60_000);
          return new Map(order.map((id, k) => [id, got[k]?.status]));
        }),
      );
      for (const id of ids)
        assert.equal(rounds.filter((r) => r.get(id) === "claimed").length, 1, `${id} is claimed once`);
    });

    it("numbers a large batch over several executions in input order; duplicates consume no seq", async () => {
      const x = newExecutionId();
      const y = newExecutionId();
      await a.commit({ events: [ev(x, "s0"), ev(y, "s0")] });
      const events = [];
      for (let i = 0; i < 300; i++) {
        events.push(ev(i % 3 === 0 ? y : x, `b${i}`));
        if (i % 50 === 0) events.push(ev(x, "s0")); // already stored
        if (i % 70 === 0) events.push(ev(i % 3 === 0 ? y : x, `b${i}`)); // repeated in the batch
      }
      const r = await b.commit({ events });
      assert.equal(r.inserted.length, 300);
      assert.equal(r.duplicates.length, events.length - 300);
      for (const id of [x, y]) {
        const mine = r.inserted.filter((e) => e.execution_id === id);
        assert.deepEqual(
          mine.map((e) => e.seq),
          mine.map((_, i) => i + 2),
        );
        const stored = await a.readEvents(id);
        assert.deepEqual(
          stored.map((e) => e.event_id),
          [`s0-${id}`, ...mine.map((e) => e.event_id)],
        );
        assert.equal((await a.getExecution(id))?.last_seq, mine.length + 1);
      }
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

  describe("postgres store: upgrade from a schema of the previous version", () => {
    const schema = `noetl_test_${run}_upgrade`;
    after(() => dropSchema(schema));

    it("migration 4 keeps commit_batch (32 arguments) working for servers not yet upgraded", async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      const store = new PostgresStore({ url: PG_URL, schema, poolSize: 2 });
      try {
        // a schema as the previous version left it, then a server of this version starts
        const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
        const conn = await pool.connect();
        await migrate(
          conn,
          schema,
          MIGRATIONS.filter((m) => m.version <= 3),
        );
        conn.release();
        await pool.end();
        await store.init();
        const x = newExecutionId();
        const c = command(x);
        const batch = { events: [ev(x, "u1")], commands: [c] };
        // the previous version's call: commit_batch with commitParams' 32 arguments
        const args = commitParams(batch, batch.events, undefined, null);
        const placeholders = SQL.commit.slice(SQL.commit.indexOf("(") + 1, SQL.commit.indexOf(", $33"));
        const r = await client.query(`SELECT "${schema}".commit_batch(${placeholders}) AS seqs`, args);
        assert.deepEqual(r.rows[0].seqs.map(Number), [1]);
        assert.equal((await store.getCommand(c.command_id))?.status, "PENDING");
        // and this version's commit, with a hand-off claim, inserts the command claimed
        const next = command(x, "t");
        await store.commit({
          events: [ev(x, "u2")],
          commands: [next],
          claims: [{ command_id: next.command_id, worker_id: "w1", at: 5, lease_until: 30_005 }],
        });
        const row = await store.getCommand(next.command_id);
        assert.equal(row?.status, "CLAIMED");
        assert.equal(row?.worker_id, "w1");
        assert.equal(row?.claims, 1);
        assert.equal(row?.lease_until, 30_005);
      } finally {
        await store.close();
        await client.end();
      }
    });
  });
}

/**
 * Take `x`'s execution lock on `store` and hold it until `release()`: `inside` settles once it
 * is held, `beforeRelease` runs (still holding it) after `release()`, `done` once it is released.
 */
function holdLock(store: PostgresStore, x: ExecutionId, beforeRelease?: () => Promise<unknown>) {
  const released = latch();
  const entered = latch();
  const done = store.withExecutionLock(x, async () => {
    entered.open();
    await released.opened;
    await beforeRelease?.();
  });
  return { inside: entered.opened, release: released.open, done };
}

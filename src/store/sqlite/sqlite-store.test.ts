import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { CommandId, ExecutionId } from "../../kernel/index.ts";
import type { EventPayloads, EventType } from "../../protocol/index.ts";
import { storeConformance } from "../conformance.ts";
import { command, event, newCommandId, newExecutionId, uid } from "../conformance-fixtures.ts";
import { isKeyableId } from "./event-writer.ts";
import { MIGRATIONS, migrate } from "./migrations.ts";
import { SqliteStore } from "./sqlite-store.ts";

const dir = mkdtempSync(join(tmpdir(), "noetl-sqlite-"));
after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));
const file = () => join(dir, `${uid("db")}.db`);

storeConformance("sqlite (:memory:)", async () => new SqliteStore({ path: ":memory:" }));
storeConformance("sqlite (file)", async () => new SqliteStore({ path: file() }));
storeConformance(
  "sqlite (file, durability full)",
  async () => new SqliteStore({ path: file(), durability: "full" }),
);
storeConformance(
  "sqlite (file, durability process)",
  async () => new SqliteStore({ path: file(), durability: "process" }),
);

describe("sqlite store", () => {
  it("checkpoints the WAL into the database file from a background thread", async () => {
    const fill = async (store: SqliteStore) => {
      await store.init();
      const x = newExecutionId();
      const blob = "x".repeat(4000);
      for (let i = 0; i < 50; i++) {
        await store.commit({
          events: Array.from({ length: 10 }, (_, k) =>
            event(
              x,
              "task.output",
              { command_id: "c" as CommandId, task: "t", stream: "stdout", text: blob },
              { at: i * 10 + k },
            ),
          ),
        });
      }
      return x;
    };
    const dbBytes = (path: string) => statSync(path).size;
    // without it, 2 MB of commits stay in the WAL (below the writer's auto-checkpoint threshold)
    const inline = file();
    const a = new SqliteStore({ path: inline, backgroundCheckpoint: false });
    await fill(a);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(dbBytes(inline) < 1_000_000, `inline: database file ${dbBytes(inline)} bytes`);
    await a.close();

    const background = file();
    const b = new SqliteStore({ path: background });
    const x = await fill(b);
    const deadline = Date.now() + 5000;
    while (dbBytes(background) < 1_000_000 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    assert.ok(dbBytes(background) >= 1_000_000, `background: database file ${dbBytes(background)} bytes`);
    assert.equal((await b.readEvents(x)).length, 500);
    await b.close();
    const c = new SqliteStore({ path: background });
    await c.init();
    assert.equal((await c.readEvents(x)).length, 500, "everything is there after reopening");
    await c.close();
  });

  it("commits batches larger than one multi-row statement, skipping duplicates inside them", async () => {
    const store = new SqliteStore({ path: file() });
    await store.init();
    const x = newExecutionId();
    const first = Array.from({ length: 150 }, (_, i) =>
      event(x, "workflow.initialized", { first_step: `s${i}` }),
    );
    const a = await store.commit({ events: first, commands: Array.from({ length: 70 }, () => command(x)) });
    assert.deepEqual(
      a.inserted.map((e) => e.seq),
      first.map((_, i) => i + 1),
    );
    const again = [first[10], event(x, "workflow.initialized", { first_step: "new" }), first[149]].map(
      (e) => e as NonNullable<typeof e>,
    );
    const b = await store.commit({ events: again });
    assert.deepEqual(b.duplicates, [first[10]?.event_id, first[149]?.event_id]);
    assert.deepEqual(
      b.inserted.map((e) => e.seq),
      [151],
    );
    const read = await store.readEvents(x);
    assert.equal(read.length, 151);
    assert.deepEqual(
      read.slice(0, 150).map((e) => (e.payload as { first_step: string }).first_step),
      first.map((e) => (e.payload as { first_step: string }).first_step),
    );
    assert.equal((await store.listCommands({ execution_id: x })).length, 70);
    await store.close();
  });

  it("a snowflake repeated after a batch's first 64 releases the claims made before it, then stores the rest once", async () => {
    const path = file();
    const store = new SqliteStore({ path });
    await store.init();
    const x = newExecutionId();
    const ev = (id: string, n: number) =>
      event(
        x,
        "task.output",
        { command_id: "c" as CommandId, task: "t", stream: "stdout", text: `r${n}` },
        { event_id: id },
      );
    // claims go in id order: `held`, drawn last, is claimed in the second statement, after 64
    const fresh = Array.from({ length: 69 }, () => newCommandId());
    const held = newCommandId();
    await store.commit({ events: [ev(held, 0)] });
    const b = await store.commit({ events: [ev(held, 100), ...fresh.map((id, i) => ev(id, i + 1))] });
    assert.deepEqual(b.duplicates, [held]);
    assert.deepEqual(
      b.inserted.map((e) => e.seq),
      fresh.map((_, i) => i + 2),
    );
    const c = await store.commit({ events: [ev(fresh[0] as string, 200), ev(fresh[68] as string, 201)] });
    assert.deepEqual(c.duplicates, [fresh[0], fresh[68]]);
    assert.equal((await store.readEvents(x)).length, 70);
    const db = new Database(path, { readonly: true });
    assert.equal(
      db.prepare("SELECT count(*) FROM event_key").pluck().get(),
      70,
      "one claim per stored event",
    );
    assert.equal(db.prepare("SELECT count(*) FROM event WHERE keyed = 1").pluck().get(), 70);
    db.close();
    await store.close();
  });

  it("keeps everything when the file is reopened", async () => {
    const path = file();
    const a = new SqliteStore({ path });
    await a.init();
    const x = newExecutionId();
    const c = command(x);
    await a.commit({
      events: [event(x, "workflow.initialized", { first_step: "s" }, { at: 1 })],
      commands: [c],
      execution: { execution_id: x, path: "p", status: "running", started_at: 1 },
    });
    await a.claimCommand(c.command_id, "w1", 10, 100);
    const entry = await a.catalogRegister({ path: "pb", kind: "Playbook", content: "x", now: 1 });
    const ref = await a.resultPut(x, "r", { big: true }, 1);
    await a.kvPut("secret", { key: "k" });
    await a.close();

    const b = new SqliteStore({ path });
    await b.init();
    assert.equal((await b.readEvents(x)).length, 1);
    assert.equal((await b.getExecution(x))?.last_seq, 1);
    const again = await b.commit({ events: [event(x, "workflow.completed", { result: 1 }, { at: 2 })] });
    assert.equal(again.inserted[0]?.seq, 2, "seq continues after reopening");
    assert.equal((await b.getCommand(c.command_id))?.worker_id, "w1");
    assert.deepEqual(await b.catalogGet("pb"), entry);
    assert.equal(
      (await b.catalogRegister({ path: "pb", kind: "Playbook", content: "y", now: 2 })).version,
      2,
    );
    assert.deepEqual(await b.resultGet(ref.ref), { big: true });
    assert.deepEqual(await b.kvGet("secret"), { key: "k" });
    await b.close();
  });

  it("migration 2 renumbers a migration-1 database: events, projection and commands carry over", async () => {
    const path = file();
    const old = new Database(path);
    migrate(old, MIGRATIONS.slice(0, 1));
    const x = newExecutionId();
    const y = newExecutionId(); // events but no projection row (an interrupted first commit)
    const c = command(x);
    old
      .prepare(
        "INSERT INTO execution(execution_id, path, status, started_at, last_seq) VALUES (?, 'p', 'running', 5, 0)",
      )
      .run(x);
    const addEvent = old.prepare(
      "INSERT INTO event(execution_id, seq, event_id, type, step, at, payload, cause) VALUES (?, ?, ?, 'step.enter', 's', ?, ?, NULL)",
    );
    for (const [id, seq] of [
      [x, 2],
      [y, 1],
      [x, 1],
      [x, 3],
    ] as const)
      addEvent.run(id, seq, `${id}-e${seq}`, 10 + seq, JSON.stringify({ command_id: c.command_id }));
    old
      .prepare(
        "INSERT INTO command(command_id, execution_id, step, pool, status, body, claims, created_at) VALUES (?, ?, 's', 'default', 'PENDING', ?, 0, 1)",
      )
      .run(c.command_id, x, JSON.stringify(c));
    old.close();

    const store = new SqliteStore({ path });
    await store.init();
    assert.deepEqual(
      (await store.readEvents(x)).map((e) => [e.seq, e.event_id]),
      [
        [1, `${x}-e1`],
        [2, `${x}-e2`],
        [3, `${x}-e3`],
      ],
    );
    assert.deepEqual(
      (await store.readEvents(x, { afterSeq: 1, limit: 1 })).map((e) => e.seq),
      [2],
    );
    assert.deepEqual(
      (await store.readEvents(y)).map((e) => e.seq),
      [1],
    );
    assert.equal((await store.getExecution(x))?.last_seq, 3);
    assert.equal((await store.getExecution(y))?.status, "running");
    const next = await store.commit({ events: [event(x, "workflow.completed", { result: 1 })] });
    assert.equal(next.inserted[0]?.seq, 4);
    const again = await store.commit({
      events: [event(x, "step.enter", { command_id: c.command_id }, { event_id: `${x}-e2` })],
    });
    assert.deepEqual(again.duplicates, [`${x}-e2`], "the (execution_id, event_id) key carried over");
    assert.equal((await store.claimCommand(c.command_id, "w1", 10, 100)).status, "claimed");
    assert.deepEqual((await store.getCommand(c.command_id))?.command, c);
    await store.close();
  });

  it("migration 3 moves the snowflake event ids of a migration-2 database to event_key: repeats stay duplicates", async () => {
    const path = file();
    const old = new Database(path);
    migrate(old, MIGRATIONS.slice(0, 2));
    const x = newExecutionId();
    const y = newExecutionId();
    const [shared, own] = [newCommandId(), newCommandId()];
    const named = uid("e");
    const addExecution = old.prepare(
      "INSERT INTO execution(execution_id, path, status, started_at) VALUES (?, 'p', 'running', 1)",
    );
    const xidOf = (id: string) => Number(addExecution.run(id).lastInsertRowid);
    const [xx, yx] = [xidOf(x), xidOf(y)];
    const addEvent = old.prepare(
      "INSERT INTO event(id, execution_id, seq, event_id, type, step, at, payload, cause) VALUES ((? << 32) + ?, ?, ?, ?, 'step.skipped', NULL, 1, '{}', NULL)",
    );
    // the same snowflake in both executions: x's comes first and keeps the key
    for (const [xid, id, seq, eventId] of [
      [xx, x, 1, shared],
      [xx, x, 2, named],
      [yx, y, 1, shared],
      [yx, y, 2, own],
    ] as const)
      addEvent.run(xid, seq, id, seq, eventId);
    old.close();

    const store = new SqliteStore({ path });
    await store.init();
    const check = new Database(path, { readonly: true });
    assert.deepEqual(
      check.prepare("SELECT CAST(k AS TEXT) AS k, xid FROM event_key ORDER BY k").all(),
      [
        { k: shared, xid: xx },
        { k: own, xid: yx },
      ].sort((p, q) => (p.k < q.k ? -1 : 1)),
    );
    assert.deepEqual(check.prepare("SELECT execution_id, event_id, keyed FROM event ORDER BY id").all(), [
      { execution_id: x, event_id: shared, keyed: 1 },
      { execution_id: x, event_id: named, keyed: null },
      { execution_id: y, event_id: shared, keyed: null },
      { execution_id: y, event_id: own, keyed: 1 },
    ]);
    check.close();
    const repeat = (execution: ExecutionId, id: string) =>
      event(execution, "step.skipped", { reason: "untaken" }, { event_id: id });
    for (const [execution, id] of [
      [x, shared],
      [x, named],
      [y, shared],
      [y, own],
    ] as const)
      assert.deepEqual((await store.commit({ events: [repeat(execution, id)] })).duplicates, [id]);
    assert.equal((await store.commit({ events: [repeat(x, own)] })).inserted[0]?.seq, 3);
    await store.close();
  });

  it("migration 5 gives the event_key rows of a migration-4 database their event's seq", async () => {
    const path = file();
    const old = new Database(path);
    migrate(old, MIGRATIONS.slice(0, 4));
    const x = newExecutionId();
    const y = newExecutionId();
    const [first, second, shared] = [newCommandId(), newCommandId(), newCommandId()];
    const named = uid("e");
    const addExecution = old.prepare(
      "INSERT INTO execution(execution_id, path, status, started_at) VALUES (?, 'p', 'running', 1)",
    );
    const [xx, yx] = [x, y].map((id) => Number(addExecution.run(id).lastInsertRowid));
    const addEvent = old.prepare(
      "INSERT INTO event(id, execution_id, seq, event_id, type, step, at, payload, cause, keyed) VALUES ((? << 32) + ?, ?, ?, ?, 'step.skipped', NULL, 1, '{}', NULL, ?)",
    );
    const addKey = old.prepare("INSERT INTO event_key(k, xid) VALUES (?, ?)");
    for (const [xid, id, seq, eventId, keyed] of [
      [xx, x, 1, first, 1],
      [xx, x, 2, named, null],
      [yx, y, 1, shared, 1],
      [xx, x, 3, shared, null],
      [xx, x, 4, second, 1],
    ] as const) {
      addEvent.run(xid, seq, id, seq, eventId, keyed);
      if (keyed) addKey.run(eventId, xid);
    }
    old.close();

    const store = new SqliteStore({ path });
    await store.init();
    const check = new Database(path, { readonly: true });
    assert.deepEqual(check.prepare("SELECT xid, seq FROM event_key ORDER BY xid, seq").all(), [
      { xid: xx, seq: 1 },
      { xid: xx, seq: 4 },
      { xid: yx, seq: 1 },
    ]);
    check.close();
    assert.deepEqual(
      await Promise.all([first, named, shared, second].map((id) => store.eventSeq(x, id))),
      [1, 2, 3, 4],
    );
    assert.equal(await store.eventSeq(y, shared), 1);
    await store.close();
  });

  it("keys an event id in event_key only when it is the canonical decimal of a positive int64", () => {
    for (const id of ["1", "776624046623162368", "9223372036854775807", "1000000000000000000"])
      assert.equal(isKeyableId(id), true, id);
    for (const id of [
      "",
      "0",
      "01",
      "-1",
      "+1",
      "1e3",
      "1.0",
      " 1",
      "9223372036854775808",
      "99999999999999999999",
      "e-1",
    ])
      assert.equal(isKeyableId(id), false, id);
  });

  it("refuses a command id that is not a decimal int64 (commands are keyed by the number), writing nothing", async () => {
    const store = new SqliteStore({ path: ":memory:" });
    await store.init();
    const x = newExecutionId();
    await assert.rejects(
      store.commit({
        events: [event(x, "workflow.initialized", { first_step: "s" })],
        commands: [{ ...command(x), command_id: "c-1" as CommandId }],
      }),
      /datatype mismatch/,
    );
    assert.deepEqual(await store.readEvents(x), []);
    await store.close();
  });

  it("a chain's commit writes few pages: appends add pages, they do not re-balance siblings", async () => {
    // Each page a commit changes is one WAL frame (4 KiB + 24 bytes, ~8 µs). A chain step's
    // commit writes its four events, the next command and the finished one's status; the ids
    // are snowflakes (same length, increasing) as the engine's are.
    const path = file();
    const store = new SqliteStore({ path, backgroundCheckpoint: false });
    await store.init();
    let n = BigInt(newCommandId());
    const snowflake = () => (++n).toString();
    const step = async (x: ExecutionId, previous: CommandId | undefined) => {
      const next = { ...command(x), command_id: snowflake() as CommandId };
      const payload = { command_id: next.command_id };
      const ev = <K extends EventType>(type: K, body: EventPayloads[K]) =>
        event(x, type, body, { step: "s", event_id: snowflake() });
      await store.commit({
        events: [
          ev("step.enter", payload),
          ev("call.done", { ...payload, worker_id: "w", status: "ok", result: { step: 1, value: 1 } }),
          ev("next.evaluated", { event: "call.done", fired: ["s"], mode: "exclusive" }),
          ev("command.issued", { command: next }),
        ],
        commands: [next],
        ...(previous
          ? { commandUpdates: [{ command_id: previous, status: "COMPLETED" as const, at: 1 }] }
          : {}),
      });
      return next.command_id;
    };
    const chain = async () => {
      const x = snowflake() as ExecutionId;
      let previous: CommandId | undefined;
      for (let i = 0; i < 10; i++) previous = await step(x, previous);
    };
    for (let i = 0; i < 30; i++) await chain(); // past the first pages' growth
    const walFrames = () => (statSync(`${path}-wal`).size - 32) / (4096 + 24);
    const before = walFrames();
    for (let i = 0; i < 100; i++) await chain();
    const perCommit = (walFrames() - before) / 1000;
    // migration 1's layout (WITHOUT ROWID events, an index on command_id): 6.04; migration 2's
    // (a unique index on (execution_id, event_id)): 4.63; with event_key (migration 3) and the
    // finished command's status written before the new commands: 3.81
    assert.ok(perCommit < 4.3, `${perCommit.toFixed(2)} WAL frames per commit`);
    await store.close();
  });

  it("records ordered migrations once and uses WAL with the chosen durability", async () => {
    const path = file();
    const store = new SqliteStore({ path, durability: "full" });
    await store.init();
    await store.init();
    assert.equal(store.durability, "full");
    await store.close();
    await new SqliteStore({ path }).init(); // a second open migrates nothing
    const db = new Database(path, { readonly: true });
    try {
      const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all();
      assert.deepEqual(
        versions,
        MIGRATIONS.map((m) => m.version),
      );
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      db.close();
    }
  });

  it("a failing commit leaves nothing behind (one transaction)", async () => {
    const store = new SqliteStore({ path: ":memory:" });
    await store.init();
    const x = newExecutionId();
    const c = command(x);
    const bad = event(x, "ctx.updated", { values: {}, source: "step" });
    (bad.payload as unknown as { values: { n: bigint } }).values.n = 1n; // JSON.stringify throws
    await assert.rejects(
      store.commit({
        events: [event(x, "workflow.initialized", { first_step: "s" }), bad],
        commands: [c],
        execution: { execution_id: x, path: "p", status: "running", started_at: 1 },
      }),
    );
    assert.deepEqual(await store.readEvents(x), []);
    assert.equal(await store.getExecution(x), undefined);
    assert.equal(await store.getCommand(c.command_id), undefined);
    const ok = await store.commit({ events: [event(x, "workflow.initialized", { first_step: "s" })] });
    assert.equal(ok.inserted[0]?.seq, 1);
    await store.close();
  });
});

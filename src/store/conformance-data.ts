/** Conformance cases: catalog versions, results and loop references, credentials, kv, the lock. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Json } from "../kernel/index.ts";
import type { StoreTest } from "./conformance-fixtures.ts";
import { event, iteration, newExecutionId, sleep, uid } from "./conformance-fixtures.ts";

export function dataCases(test: StoreTest): void {
  test("catalog: versions per path from 1, latest by default, unique ids", async (store) => {
    const path = uid("conf/pb");
    const other = uid("conf/zz");
    const v1 = await store.catalogRegister({ path, kind: "Playbook", content: "a", now: 1 });
    const v2 = await store.catalogRegister({ path, kind: "Playbook", content: "b", now: 2 });
    const o1 = await store.catalogRegister({ path: other, kind: "Credential", content: "c", now: 3 });
    assert.deepEqual([v1.version, v2.version, o1.version], [1, 2, 1]);
    assert.equal(new Set([v1.catalog_id, v2.catalog_id, o1.catalog_id]).size, 3);
    assert.deepEqual(v1, {
      catalog_id: v1.catalog_id,
      path,
      version: 1,
      kind: "Playbook",
      content: "a",
      created_at: 1,
    });
    assert.deepEqual(await store.catalogGet(path), v2);
    assert.deepEqual(await store.catalogGet(path, 1), v1);
    assert.equal(await store.catalogGet(path, 3), undefined);
    assert.equal(await store.catalogGet(uid("missing")), undefined);
    assert.deepEqual(await store.catalogGetById(v1.catalog_id), v1);
    assert.equal(await store.catalogGetById(uid("nope")), undefined);
    assert.deepEqual(
      (await store.catalogList({ path })).map((e) => e.version),
      [2, 1],
    );
    const mine = (await store.catalogList()).filter((e) => e.path === path || e.path === other);
    assert.deepEqual(
      mine.map((e) => [e.path, e.version]),
      [
        [path, 2],
        [path, 1],
        [other, 1],
      ],
    );
    assert.deepEqual(
      (await store.catalogList({ kind: "Credential" })).filter((e) => e.path === other).map((e) => e.content),
      ["c"],
    );
  });

  test("catalog: archived entries are not listed nor the latest, still found by version and id, restorable", async (store) => {
    const path = uid("conf/arch");
    const e1 = await store.catalogRegister({ path, kind: "Playbook", content: "a", now: 1 });
    const e2 = await store.catalogRegister({ path, kind: "Playbook", content: "b", now: 2 });
    const e3 = await store.catalogRegister({ path, kind: "Playbook", content: "c", now: 3 });
    // one version: the latest is then the one before
    assert.deepEqual(await store.catalogArchive(path, 3, 10), [{ ...e3, archived_at: 10 }]);
    assert.deepEqual(await store.catalogArchive(path, 3, 11), [], "already archived");
    assert.deepEqual(await store.catalogGet(path), e2);
    assert.deepEqual(await store.catalogGet(path, 3), { ...e3, archived_at: 10 });
    assert.deepEqual(await store.catalogGetById(e3.catalog_id), { ...e3, archived_at: 10 });
    assert.deepEqual(
      (await store.catalogList({ path })).map((e) => e.version),
      [2, 1],
    );
    assert.deepEqual(
      (await store.catalogList({ path, include_archived: true })).map((e) => [e.version, e.archived_at]),
      [
        [3, 10],
        [2, undefined],
        [1, undefined],
      ],
    );
    assert.ok(!(await store.catalogList()).some((e) => e.path === path && e.version === 3));
    // every version: nothing is the latest, a new registration takes the next version
    assert.deepEqual(
      (await store.catalogArchive(path, undefined, 20)).map((e) => [e.version, e.archived_at]),
      [
        [1, 20],
        [2, 20],
      ],
    );
    assert.equal(await store.catalogGet(path), undefined);
    assert.deepEqual(await store.catalogList({ path }), []);
    assert.deepEqual(await store.catalogArchive(uid("conf/none"), undefined, 1), []);
    // restore one version, then the rest
    assert.deepEqual(await store.catalogRestore(path, 1), [e1]);
    assert.deepEqual(await store.catalogGet(path), e1);
    assert.deepEqual(
      (await store.catalogRestore(path)).map((e) => e.version),
      [2, 3],
    );
    assert.deepEqual(await store.catalogRestore(path), []);
    assert.deepEqual(await store.catalogGet(path), e3);
    assert.deepEqual(await store.catalogGet(path, 3), e3);
    await store.catalogArchive(path, undefined, 30);
    const e4 = await store.catalogRegister({ path, kind: "Playbook", content: "d", now: 4 });
    assert.equal(e4.version, 4);
    assert.deepEqual(await store.catalogGet(path), e4);
  });

  test("resultPut returns a reference envelope; resultGet returns the data", async (store) => {
    const x = newExecutionId();
    const data: Json = { rows: [1, 2, 3], text: "é✓", nested: { a: null } };
    const ref = await store.resultPut(x, "big step", data, 5);
    const text = JSON.stringify(data);
    assert.equal(ref.kind, "result_ref");
    assert.ok(ref.ref.startsWith(`noetl://execution/${x}/result/`), ref.ref);
    assert.match(ref.ref, /^noetl:\/\/execution\/[^/]+\/result\/[^/]+\/[^/]+$/);
    assert.equal(ref.store, store.name);
    assert.equal(ref.bytes, Buffer.byteLength(text));
    assert.equal(ref.sha256, createHash("sha256").update(text).digest("hex"));
    assert.ok(ref.preview !== undefined);
    assert.deepEqual(await store.resultGet(ref.ref), data);
    const again = await store.resultPut(x, "big step", [1, 2], 6);
    assert.notEqual(again.ref, ref.ref);
    assert.deepEqual(await store.resultGet(again.ref), [1, 2]);
    assert.equal(await store.resultGet(`noetl://execution/${x}/result/none/1`), undefined);
    assert.equal(await store.resultGet("not a ref"), undefined);
  });

  test("result previews stay small", async (store) => {
    const x = newExecutionId();
    const long = "x".repeat(5000);
    const s = await store.resultPut(x, "s", long, 1);
    assert.equal(s.preview, long.slice(0, 200));
    const list = await store.resultPut(
      x,
      "l",
      Array.from({ length: 1000 }, (_, i) => i),
      1,
    );
    assert.ok(JSON.stringify(list.preview).length < 100);
    assert.match(JSON.stringify(list.preview), /1000/);
    const map = await store.resultPut(
      x,
      "m",
      Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])),
      1,
    );
    assert.ok(JSON.stringify(map.preview).length < 400);
  });

  test("loop references resolve to the results list, rebuilt from the iteration events", async (store) => {
    const x = newExecutionId();
    const loop = uid("L");
    const started = (step: string, loopId: string, total: number) =>
      event(
        x,
        "loop.started",
        {
          loop_id: loopId,
          items: Array.from({ length: total }, (_, i) => i),
          total,
          limit: 2,
          input: {},
          entry: {},
        },
        { step },
      );
    await store.commit({
      events: [
        started("each", loop, 5),
        iteration(x, "each", loop, 2, { v: 20 }),
        iteration(x, "each", loop, 0, { v: 0 }),
        iteration(x, "other", loop, 1, "other step"),
        iteration(x, "each", "another-loop", 1, "other loop"),
        iteration(x, "each", loop, 1, { partial: true }, false),
      ],
    });
    // a stale second outcome of iteration 2 does not replace the first
    await store.commit({ events: [iteration(x, "each", loop, 2, "stale")] });
    const ref = `noetl://execution/${x}/loop/each/${loop}`;
    assert.deepEqual(await store.resultGet(ref), [{ v: 0 }, { partial: true }, { v: 20 }, null, null]);
    assert.deepEqual(await store.resultGet(`noetl://execution/${x}/loop/each/${uid("none")}`), []);
    assert.equal(await store.resultGet(`noetl://execution/${newExecutionId()}/loop/each/${loop}`), undefined);
  });

  test("credentials: put, update (created_at kept), get, list by name, delete", async (store) => {
    const a = uid("cred-a");
    const b = uid("cred-b");
    await store.credentialPut({
      name: b,
      type: "postgres",
      data_encrypted: "v1:x",
      description: "main db",
      tags: ["db", "prod"],
      created_at: 1,
      updated_at: 1,
    });
    await store.credentialPut({
      name: a,
      type: "http",
      data_encrypted: "v1:a",
      created_at: 2,
      updated_at: 2,
    });
    assert.deepEqual(await store.credentialGet(b), {
      name: b,
      type: "postgres",
      data_encrypted: "v1:x",
      description: "main db",
      tags: ["db", "prod"],
      created_at: 1,
      updated_at: 1,
    });
    assert.deepEqual(await store.credentialGet(a), {
      name: a,
      type: "http",
      data_encrypted: "v1:a",
      created_at: 2,
      updated_at: 2,
    });
    await store.credentialPut({
      name: b,
      type: "postgres",
      data_encrypted: "v1:y",
      created_at: 9,
      updated_at: 9,
    });
    assert.deepEqual(await store.credentialGet(b), {
      name: b,
      type: "postgres",
      data_encrypted: "v1:y",
      created_at: 1,
      updated_at: 9,
    });
    const names = (await store.credentialList()).map((r) => r.name).filter((n) => n === a || n === b);
    assert.deepEqual(names, [a, b]);
    assert.equal(await store.credentialDelete(b), true);
    assert.equal(await store.credentialDelete(b), false);
    assert.equal(await store.credentialGet(b), undefined);
  });

  test("kv: missing is undefined, put replaces, values are copies", async (store) => {
    const key = uid("k");
    assert.equal(await store.kvGet(key), undefined);
    const value = { a: 1, nested: { list: [1, "two"] } };
    await store.kvPut(key, value);
    value.a = 99;
    assert.deepEqual(await store.kvGet(key), { a: 1, nested: { list: [1, "two"] } });
    await store.kvPut(key, { b: true });
    assert.deepEqual(await store.kvGet(key), { b: true });
  });

  test("withExecutionLock serialises per execution, in call order", async (store) => {
    const x = newExecutionId();
    const order: string[] = [];
    const job = (tag: string, ms: number) =>
      store.withExecutionLock(x, async () => {
        order.push(`${tag}>`);
        await sleep(ms);
        order.push(`<${tag}`);
        return tag;
      });
    assert.deepEqual(await Promise.all([job("a", 20), job("b", 1), job("c", 5)]), ["a", "b", "c"]);
    assert.deepEqual(order, ["a>", "<a", "b>", "<b", "c>", "<c"]);
  });

  test("withExecutionLock runs different executions concurrently and survives errors", async (store) => {
    const x = newExecutionId();
    const y = newExecutionId();
    let inside = 0;
    let peak = 0;
    // each holder waits (up to 2 s) for the other to be inside too: serialised locks give peak 1
    let bothInside: () => void = () => undefined;
    const both = new Promise<void>((resolve) => {
      bothInside = resolve;
    });
    const job = (id: typeof x) =>
      store.withExecutionLock(id, async () => {
        inside += 1;
        peak = Math.max(peak, inside);
        if (inside === 2) bothInside();
        await Promise.race([both, sleep(2000)]);
        inside -= 1;
      });
    await Promise.all([job(x), job(y)]);
    assert.equal(peak, 2);
    const failing = store.withExecutionLock(x, async () => {
      throw new Error("boom");
    });
    const next = store.withExecutionLock(x, async () => 7);
    await assert.rejects(failing, /boom/);
    assert.equal(await next, 7);
  });
}

/**
 * How commits are grouped into statements (the statements themselves run against a real
 * PostgreSQL in postgres-store.test.ts): a lone commit goes at once; those made meanwhile go in
 * one statement, in execution-id order, with their parameters renumbered; at most 32 per
 * statement; a failed group is sent again batch by batch.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { latch } from "../../testing/index.ts";
import { CommitGroups } from "./commit-groups.ts";

const SINGLE = "SELECT s.f($1::text[], $2::bigint) AS seqs";

/** A statement sender that records what it is sent and answers each call with [its first value]. */
function recorder() {
  const sent: Array<{ sql: string; values: unknown[] }> = [];
  let hold: Promise<void> | undefined;
  let fail: ((sql: string) => boolean) | undefined;
  const send = async (sql: string, values: unknown[]) => {
    sent.push({ sql, values });
    const gate = hold;
    hold = undefined;
    if (gate) await gate;
    if (fail?.(sql)) throw new Error("refused");
    const calls = sql.match(/ AS s\d+/g)?.length ?? 0;
    if (calls === 0) return { seqs: [values[1] as number] };
    return Object.fromEntries(
      Array.from({ length: calls }, (_, i) => [`s${i}`, [values[i * 2 + 1] as number]]),
    );
  };
  return {
    groups: new CommitGroups(send, SINGLE),
    sent,
    holdNext(p: Promise<void>) {
      hold = p;
    },
    failWhen(f: (sql: string) => boolean) {
      fail = f;
    },
  };
}

describe("CommitGroups", () => {
  it("sends a lone commit at once, and those made meanwhile in one statement, ordered by execution", async () => {
    const r = recorder();
    const first = latch();
    r.holdNext(first.opened);
    const a = r.groups.commit([["a"], 1], "x1");
    assert.equal(r.sent.length, 1, "sent at once");
    const later = [r.groups.commit([["c"], 3], "x3"), r.groups.commit([["b"], 2], "x2")];
    first.open();
    assert.deepEqual(await a, [1]);
    assert.deepEqual(await Promise.all(later), [[3], [2]]);
    assert.equal(r.sent.length, 2);
    assert.equal(
      r.sent[1]?.sql,
      "SELECT s.f($1::text[], $2::bigint) AS s0, s.f($3::text[], $4::bigint) AS s1",
    );
    assert.deepEqual(r.sent[1]?.values, [["b"], 2, ["c"], 3], "x2 before x3");
  });

  it("puts at most 32 batches in one statement", async () => {
    const r = recorder();
    const first = latch();
    r.holdNext(first.opened);
    const all = [r.groups.commit([["x"], 0], "x")];
    for (let i = 1; i <= 40; i++) all.push(r.groups.commit([["x"], i], `x${String(i).padStart(2, "0")}`));
    first.open();
    const out = await Promise.all(all);
    assert.deepEqual(
      out.map((s) => s[0]),
      Array.from({ length: 41 }, (_, i) => i),
    );
    assert.deepEqual(
      r.sent.map((s) => s.sql.match(/ AS s\d+/g)?.length ?? 1),
      [1, 32, 8],
    );
  });

  it("sends each batch of a failed group again alone, so each gets its own outcome", async () => {
    const r = recorder();
    const first = latch();
    r.holdNext(first.opened);
    const a = r.groups.commit([["a"], 1], "x1");
    r.failWhen((sql) => / AS s\d+/.test(sql));
    const b = r.groups.commit([["b"], 2], "x2");
    const c = r.groups.commit([["c"], 3], "x3");
    first.open();
    assert.deepEqual(await Promise.all([a, b, c]), [[1], [2], [3]]);
    assert.equal(r.sent.length, 4, "the first, the group, then its two batches alone");
    r.failWhen((sql) => sql === SINGLE);
    await assert.rejects(r.groups.commit([["d"], 4], "x4"), /refused/);
  });

  it("refuses a statement it cannot group", () => {
    assert.throws(() => new CommitGroups(async () => undefined, "SELECT 1"), /SELECT <call> AS seqs/);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TickBatcher } from "./tick-batcher.ts";

describe("TickBatcher", () => {
  it("hands the items of one turn to flush together, in chunks of max, each add resolving to its own outcome", async () => {
    const flushed: number[][] = [];
    const b = new TickBatcher<number, string>(async (items) => {
      flushed.push([...items]);
      return items.map((i) => `#${i}`);
    }, 3);
    const first = await Promise.all([1, 2, 3, 4, 5].map((i) => b.add(i)));
    assert.deepEqual(first, ["#1", "#2", "#3", "#4", "#5"]);
    assert.deepEqual(flushed, [
      [1, 2, 3],
      [4, 5],
    ]);
    // a later turn is a new batch
    assert.equal(await b.add(6), "#6");
    assert.deepEqual(flushed.at(-1), [6]);
  });

  it("a failing flush fails every item of its chunk, and only those", async () => {
    const b = new TickBatcher<number, number>(async (items) => {
      if (items.includes(2)) throw new Error("boom");
      return [...items];
    }, 2);
    const outcomes = await Promise.allSettled([1, 2, 3].map((i) => b.add(i)));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["rejected", "rejected", "fulfilled"],
    );
    assert.match(String((outcomes[0] as PromiseRejectedResult).reason), /boom/);
  });

  it("an item the flush gives no outcome for fails", async () => {
    const b = new TickBatcher<number, number>(async (items) => items.slice(1), 10);
    const outcomes = await Promise.allSettled([1, 2].map((i) => b.add(i)));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected"],
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandId } from "../kernel/index.ts";
import { AnsweredRequests } from "./answered-requests.ts";

const ids = (...xs: string[]) => xs as CommandId[];

describe("answered requests for work", () => {
  it("answers a worker's request id once, with what it was given", () => {
    const a = new AnsweredRequests(30_000);
    a.remember("w1", "r1", ids("c1", "c2"), 1000);
    assert.equal(a.take("w2", "r1", 1000), undefined, "another worker's id is another request");
    assert.deepEqual(a.take("w1", "r1", 2000), ids("c1", "c2"));
    assert.equal(a.take("w1", "r1", 2000), undefined);
  });

  it("forgets answers older than a lease, and the oldest beyond its bound", () => {
    const a = new AnsweredRequests(30_000, 2);
    a.remember("w", "old", ids("c0"), 0);
    assert.equal(a.take("w", "old", 30_001), undefined, "past the lease: the reaper's");
    a.remember("w", "r1", ids("c1"), 1000);
    a.remember("w", "r2", ids("c2"), 2000);
    a.remember("w", "r3", ids("c3"), 3000);
    assert.equal(a.size, 2);
    assert.equal(a.take("w", "r1", 3000), undefined);
    assert.deepEqual(a.take("w", "r3", 3000), ids("c3"));
    // an entry past its age is dropped when a newer one is remembered
    a.remember("w", "r4", ids("c4"), 40_000);
    assert.equal(a.size, 1);
  });
});

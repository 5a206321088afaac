import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { abortableSleep } from "./abortable-sleep.ts";

/** Which settles first: the sleep, or the next turn of the event loop. */
function first(sleep: Promise<void>): Promise<string> {
  return Promise.race([
    sleep.then(() => "slept"),
    new Promise<string>((r) => setImmediate(() => r("still sleeping"))),
  ]);
}

describe("abortableSleep", () => {
  it("returns at once when its signal is already aborted", async () => {
    const stop = new AbortController();
    stop.abort();
    assert.equal(await first(abortableSleep(60_000, stop.signal)), "slept");
  });

  it("returns when its signal aborts, and sleeps until then", async () => {
    const stop = new AbortController();
    const sleep = abortableSleep(60_000, stop.signal);
    assert.equal(await first(sleep), "still sleeping");
    stop.abort();
    assert.equal(await first(sleep), "slept");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EventId, ExecutionId } from "../kernel/index.ts";
import type { NoetlEvent } from "../protocol/index.ts";
import type { ReadEventsOptions } from "../store/index.ts";
import { MemoryStore } from "../store/memory/index.ts";
import { ApiError } from "./api-error.ts";
import { readEventPage } from "./event-page.ts";

/** A memory store that counts the log reads (the page must not read the log to find an event). */
class CountingStore extends MemoryStore {
  reads = 0;
  override async readEvents(executionId: ExecutionId, options?: ReadEventsOptions): Promise<NoetlEvent[]> {
    this.reads++;
    return super.readEvents(executionId, options);
  }
}

describe("readEventPage", () => {
  it("since_event_id: looks the event up by id, then reads one page after it", async () => {
    const store = new CountingStore();
    const id = "7001" as ExecutionId;
    const events = Array.from(
      { length: 2500 },
      (_, i) =>
        ({
          execution_id: id,
          event_id: `e${i + 1}` as EventId,
          type: "step.skipped",
          step: "s",
          at: 1000 + i,
          payload: { reason: "untaken" },
        }) as NoetlEvent,
    );
    await store.commit({ events });
    const defaults = { limit: 100, maxLimit: 500 };
    const page = await readEventPage(store, id, "p", { since_event_id: "e2400", limit: "3" }, defaults);
    assert.deepEqual(
      page.events.map((e) => [e.event_id, e.seq]),
      [
        ["e2401", 2401],
        ["e2402", 2402],
        ["e2403", 2403],
      ],
    );
    assert.equal(page.has_more, true);
    assert.equal(store.reads, 1);
    await assert.rejects(
      readEventPage(store, id, "p", { since_event_id: "nope" }, defaults),
      (e: unknown) => e instanceof ApiError && e.status === 404 && e.code === "NOETL_E_EVENT_NOT_FOUND",
    );
    assert.equal(store.reads, 1);
  });
});

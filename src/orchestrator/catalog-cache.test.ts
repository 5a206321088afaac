/**
 * Execution starts reuse the catalog entry they resolved for `catalogCacheMs`: no store read per
 * start; what this orchestrator registers, deletes or restores shows at once, what another
 * replica does shows once the entry is that old.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NoetlError } from "../kernel/index.ts";
import { MemoryStore } from "../store/memory/index.ts";
import { CounterIds, FakeClock, RecordingBus } from "../testing/index.ts";
import { Orchestrator } from "./orchestrator.ts";

const playbook = (step: string) => `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: cached, path: tests/cached }
workflow:
  - step: ${step}
    tool: { kind: noop }
`;

const notFound = (e: unknown) => e instanceof NoetlError && e.code === "NOETL_E_CATALOG_NOT_FOUND";

/** A memory store that counts its catalog reads. */
class CountingStore extends MemoryStore {
  reads = 0;
  override catalogGet(path: string, version?: number) {
    this.reads += 1;
    return super.catalogGet(path, version);
  }
}

function setUp() {
  const store = new CountingStore();
  const clock = new FakeClock();
  const ids = new CounterIds();
  const make = () =>
    new Orchestrator({
      store,
      bus: new RecordingBus(),
      clock,
      ids,
      options: { exclusive: false, catalogCacheMs: 1000 },
    });
  return { store, clock, make };
}

describe("catalog entries resolved for execution starts", () => {
  it("are read once per cacheMs, by path and by version", async () => {
    const { store, clock, make } = setUp();
    const o = make();
    const entry = await o.register(playbook("a"));
    for (let i = 0; i < 3; i++) await o.execute({ path: entry.path });
    for (let i = 0; i < 3; i++) await o.execute({ path: entry.path, version: 1 });
    assert.equal(store.reads, 2, "one read for the latest, one for version 1");
    clock.advance(1000);
    await o.execute({ path: entry.path });
    assert.equal(store.reads, 3, "read again once the entry is cacheMs old");
  });

  it("show this orchestrator's own changes at once", async () => {
    const { make } = setUp();
    const o = make();
    const v1 = await o.register(playbook("a"));
    await o.execute({ path: v1.path });
    const v2 = await o.register(playbook("b"));
    const started = await o.execute({ path: v1.path });
    assert.deepEqual((await o.status(started.execution_id)).runs, { b: 1 }, "the new latest version");
    assert.equal(v2.version, 2);
    await o.archive(v1.path);
    await assert.rejects(o.execute({ path: v1.path }), notFound);
    await assert.rejects(o.execute({ path: v1.path, version: 2 }), notFound);
    await o.restore(v1.path);
    assert.ok((await o.execute({ path: v1.path })).execution_id);
  });

  it("show another replica's changes within cacheMs", async () => {
    const { clock, make } = setUp();
    const [o, other] = [make(), make()];
    const entry = await o.register(playbook("a"));
    await o.execute({ path: entry.path });
    await other.archive(entry.path);
    assert.ok((await o.execute({ path: entry.path })).execution_id, "still started within cacheMs");
    clock.advance(1000);
    await assert.rejects(o.execute({ path: entry.path }), notFound);
  });
});

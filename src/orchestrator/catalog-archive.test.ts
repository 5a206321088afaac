/**
 * A catalog entry deleted (archived) is not started again, by path or by version, while the
 * executions started from it go on — on a replica that never held them too (it rebuilds them
 * from the log and the archived entry). Restored, it starts again.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandId } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import { MemoryStore } from "../store/memory/index.ts";
import { CounterIds, FakeClock, RecordingBus } from "../testing/index.ts";
import { Orchestrator } from "./orchestrator.ts";

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: archived, path: tests/archived }
workflow:
  - step: a
    tool: { kind: noop }
    next: { arcs: [{ step: b }] }
  - step: b
    tool: { kind: noop }
`;

const notFound = (e: unknown) => e instanceof NoetlError && e.code === "NOETL_E_CATALOG_NOT_FOUND";

describe("catalog archive and the orchestrator", () => {
  it("an archived entry is not started; executions started from it finish; restored, it starts", async () => {
    const store = new MemoryStore();
    const ids = new CounterIds();
    const make = (bus: RecordingBus) =>
      new Orchestrator({ store, bus, clock: new FakeClock(), ids, options: { exclusive: false } });
    const bus = new RecordingBus();
    const first = make(bus);
    const entry = await first.register(PLAYBOOK);
    await first.execute({ path: entry.path, version: 1 }); // the loader now holds version 1
    const { execution_id } = await first.execute({ path: entry.path });

    assert.deepEqual(
      (await first.archive(entry.path)).map((e) => e.version),
      [1],
    );
    await assert.rejects(first.execute({ path: entry.path }), notFound);
    await assert.rejects(first.execute({ path: entry.path, version: 1 }), /was deleted from the catalog/);
    // by its catalog id too; an id that names no entry is not found
    await assert.rejects(first.execute({ catalog_id: entry.catalog_id }), /was deleted from the catalog/);
    await assert.rejects(first.execute({ catalog_id: "987654321" }), /no catalog entry 987654321/);

    // another replica finishes the running execution: it rebuilds it from the archived entry
    const other = make(new RecordingBus());
    const a = bus.notices.at(-1)?.command_id as CommandId;
    const claimed = await other.claim(a, "w1");
    assert.equal(claimed.status, "claimed");
    await other.report(execution_id, [
      { type: "call.done", step: "a", payload: { command_id: a, worker_id: "w1", result: 1, status: "ok" } },
    ]);
    const issued = await store.readEvents(execution_id, { types: ["command.issued"] });
    const b = (issued[1]?.payload as { command: { command_id: CommandId } } | undefined)?.command
      .command_id as CommandId;
    await other.report(execution_id, [
      { type: "call.done", step: "b", payload: { command_id: b, worker_id: "w1", result: 2, status: "ok" } },
    ]);
    assert.equal((await other.status(execution_id)).status, "completed");

    assert.deepEqual(
      (await first.restore(entry.path)).map((e) => e.version),
      [1],
    );
    assert.ok((await first.execute({ path: entry.path, version: 1 })).execution_id);
    assert.ok((await first.execute({ catalog_id: entry.catalog_id })).execution_id);
  });
});

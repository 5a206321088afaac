import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Command, NoetlEvent } from "../protocol/index.ts";
import { command, event, newExecutionId } from "../store/conformance-fixtures.ts";
import { MemoryStore } from "../store/memory/index.ts";
import { HeldCommands } from "./held-commands.ts";

const done = (c: Command): NoetlEvent =>
  event(c.execution_id, "call.done", { command_id: c.command_id, result: null, status: "ok" });

describe("held commands", () => {
  it("exclusive mode: claims live in memory until their command finishes", async () => {
    const held = new HeldCommands(new MemoryStore(), true);
    const x = newExecutionId();
    const [a, b, c] = [command(x), command(x), command(newExecutionId())];
    held.published(a);
    held.given(b, "w1");
    held.given(c, "w1");
    assert.deepEqual(held.get(a.command_id), { command: a }, "published: no worker yet");
    assert.deepEqual(await held.byExecution(x, "w1", 0), [b], "only w1's, only this execution's");
    assert.deepEqual(await held.byExecution(x, "w2", 0), []);
    assert.deepEqual(await held.among([a.command_id, b.command_id, c.command_id], "w1", 0), [b, c]);
    held.finished([done(b)]);
    assert.equal(held.get(b.command_id), undefined);
    assert.deepEqual(await held.among([b.command_id, c.command_id], "w1", 0), [c]);
  });

  it("shared store: reads the claims from the store's rows, live leases only", async () => {
    const store = new MemoryStore();
    const held = new HeldCommands(store, false);
    const x = newExecutionId();
    const [a, b] = [command(x), command(x)];
    await store.commit({ events: [], commands: [a, b] });
    await store.claimCommand(a.command_id, "w1", 1000, 500);
    await store.claimCommand(b.command_id, "w2", 1000, 500);
    held.given(a, "w1"); // nothing kept in memory outside exclusive mode
    assert.equal(held.get(a.command_id), undefined);
    assert.deepEqual(await held.byExecution(x, "w1", 1200), [a]);
    assert.deepEqual(await held.among([a.command_id, b.command_id], "w2", 1500), [b]);
    assert.deepEqual(await held.byExecution(x, "w1", 1501), [], "the lease ended: the reaper's");
  });
});

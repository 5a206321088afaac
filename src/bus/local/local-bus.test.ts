import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandId, ExecutionId } from "../../kernel/index.ts";
import { busConformance } from "../conformance.ts";
import { LocalBus } from "./local-bus.ts";

busConformance("local", async () => new LocalBus());

const notice = (id: string) => ({ execution_id: "x" as ExecutionId, command_id: id as CommandId });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("local bus", () => {
  it("each consumer name receives every notice", async () => {
    const bus = new LocalBus();
    const got: Record<string, string[]> = { a: [], b: [] };
    for (const consumer of ["a", "b"]) {
      await bus.subscribe(pool(), async (d) => void got[consumer]?.push(d.notice.command_id), { consumer });
    }
    await bus.publish(pool(), notice("1"));
    await bus.publish(pool(), notice("2"));
    await sleep(20);
    assert.deepEqual(got, { a: ["1", "2"], b: ["1", "2"] });
    await bus.close();
  });

  it("drops a second publish of a command still waiting, and redelivers a throwing handler", async () => {
    const bus = new LocalBus({ retryDelayMs: 10 });
    const got: string[] = [];
    await bus.publish(pool(), notice("1"));
    await bus.publish(pool(), notice("1"));
    assert.equal(bus.backlog(pool()), 2, "no consumer yet: kept as published");
    await bus.subscribe(pool(), async (d) => {
      got.push(d.notice.command_id);
      if (got.length === 1) throw new Error("transient");
    });
    await sleep(60);
    assert.deepEqual(got, ["1", "1"], "the duplicate was dropped; the failure was redelivered once");
    assert.equal(bus.backlog(pool()), 0);
    await bus.close();
  });

  it("close drops pending redeliveries and later publishes", async () => {
    const bus = new LocalBus();
    let calls = 0;
    await bus.subscribe(pool(), async (d) => {
      calls += 1;
      await d.nak(30);
    });
    await bus.publish(pool(), notice("1"));
    await sleep(10);
    await bus.close();
    await bus.publish(pool(), notice("2"));
    await sleep(60);
    assert.equal(calls, 1);
    await assert.rejects(bus.subscribe(pool(), async () => {}));
  });
});

function pool(): string {
  return "p";
}

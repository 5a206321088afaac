/**
 * The Bus conformance suite: every adapter (local, nats) runs it from its test file. It
 * registers node:test suites, so it is not exported from `index.ts`; tests import it directly.
 *
 * `make` returns a new bus for each test. Pools and command ids are unique per test, so
 * adapters that share a server (NATS) are fine.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandId, ExecutionId } from "../kernel/index.ts";
import type { Bus, CommandNotice, Delivery } from "./bus.ts";

let counter = 0;
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const uid = (prefix: string) => `${prefix}-${run}-${++counter}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function notices(n: number): CommandNotice[] {
  const execution = uid("x") as ExecutionId;
  return Array.from({ length: n }, () => ({ execution_id: execution, command_id: uid("c") as CommandId }));
}

/** Resolves when `predicate` holds (polled), rejects after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Register the conformance tests of a Bus adapter under `describe("bus conformance: <name>")`. */
export function busConformance(name: string, make: () => Promise<Bus>): void {
  const test = (title: string, body: (bus: Bus, pool: string) => Promise<void>) =>
    it(title, { timeout: 30_000 }, async () => {
      const bus = await make();
      try {
        await body(bus, uid("pool"));
      } finally {
        await bus.close();
      }
    });

  describe(`bus conformance: ${name}`, () => {
    test("delivers every published notice once, as published", async (bus, pool) => {
      const sent = notices(20);
      const got: CommandNotice[] = [];
      await bus.subscribe(pool, async (d) => {
        got.push(d.notice);
        await d.ack();
      });
      for (const n of sent) await bus.publish(pool, n);
      await until(() => got.length >= sent.length, 5000, "deliveries");
      await sleep(50);
      assert.equal(got.length, sent.length);
      assert.deepEqual(new Set(got.map((n) => n.command_id)), new Set(sent.map((n) => n.command_id)));
      assert.deepEqual(
        got.find((n) => n.command_id === sent[0]?.command_id),
        sent[0],
      );
    });

    test("keeps notices published before the first subscriber", async (bus, pool) => {
      const sent = notices(3);
      const got: string[] = [];
      const sub = await bus.subscribe(pool, async (d) => {
        await d.ack();
      });
      await sub.close(); // creates the consumer, as a worker that started earlier would
      for (const n of sent) await bus.publish(pool, n);
      await bus.subscribe(pool, async (d) => {
        got.push(d.notice.command_id);
        await d.ack();
      });
      await until(() => got.length >= 3, 5000, "deliveries");
      assert.deepEqual(new Set(got), new Set(sent.map((n) => n.command_id)));
    });

    test("pools are separate", async (bus, pool) => {
      const other = uid("pool");
      const got: string[] = [];
      await bus.subscribe(other, async (d) => {
        got.push(d.notice.command_id);
        await d.ack();
      });
      const [a, b] = notices(2) as [CommandNotice, CommandNotice];
      await bus.publish(pool, a);
      await bus.publish(other, b);
      await until(() => got.length >= 1, 5000, "delivery");
      await sleep(50);
      assert.deepEqual(got, [b.command_id]);
    });

    test("runs at most `concurrency` handlers at once", async (bus, pool) => {
      let active = 0;
      let peak = 0;
      let done = 0;
      await bus.subscribe(
        pool,
        async (d) => {
          active += 1;
          peak = Math.max(peak, active);
          await sleep(15);
          active -= 1;
          done += 1;
          await d.ack();
        },
        { concurrency: 3 },
      );
      for (const n of notices(15)) await bus.publish(pool, n);
      await until(() => done >= 15, 10_000, "handlers");
      assert.ok(peak <= 3, `peak ${peak} exceeds the cap`);
      assert.ok(peak >= 2, `peak ${peak}: handlers did not run concurrently`);
    });

    test("nak redelivers after the delay", async (bus, pool) => {
      const [n] = notices(1) as [CommandNotice];
      const times: number[] = [];
      await bus.subscribe(pool, async (d) => {
        times.push(Date.now());
        if (times.length === 1) await d.nak(100);
        else await d.ack();
      });
      await bus.publish(pool, n);
      await until(() => times.length >= 2, 5000, "redelivery");
      const gap = (times[1] as number) - (times[0] as number);
      assert.ok(gap >= 80, `redelivered after ${gap} ms`);
      await sleep(150);
      assert.equal(times.length, 2, "acked notices are not redelivered");
    });

    test("subscribers of one consumer share the work: each notice reaches one of them", async (bus, pool) => {
      const seen = new Map<string, number>();
      const per = [0, 0];
      const handler = (i: number) => async (d: Delivery) => {
        per[i] = (per[i] ?? 0) + 1;
        seen.set(d.notice.command_id, (seen.get(d.notice.command_id) ?? 0) + 1);
        await sleep(2);
        await d.ack();
      };
      await bus.subscribe(pool, handler(0), { consumer: "workers", concurrency: 1 });
      await bus.subscribe(pool, handler(1), { consumer: "workers", concurrency: 1 });
      const sent = notices(40);
      for (const n of sent) await bus.publish(pool, n);
      await until(() => seen.size >= sent.length, 10_000, "deliveries");
      await sleep(50);
      assert.equal(seen.size, sent.length);
      assert.ok(
        [...seen.values()].every((count) => count === 1),
        "a notice was delivered twice",
      );
      assert.ok((per[0] ?? 0) > 0 && (per[1] ?? 0) > 0, `work not shared: ${per.join("/")}`);
    });

    test("subscription close awaits its handlers in flight and stops delivery", async (bus, pool) => {
      let finished = false;
      let calls = 0;
      let started!: () => void;
      const running = new Promise<void>((r) => {
        started = r;
      });
      const sub = await bus.subscribe(pool, async (d) => {
        calls += 1;
        started();
        await sleep(80);
        finished = true;
        await d.ack();
      });
      const [a, b] = notices(2) as [CommandNotice, CommandNotice];
      await bus.publish(pool, a);
      await running;
      await sub.close();
      assert.equal(finished, true, "close returned before the handler finished");
      await bus.publish(pool, b);
      await sleep(100);
      assert.equal(calls, 1);
    });

    test("bus close awaits handlers in flight", async (bus, pool) => {
      let finished = false;
      let started!: () => void;
      const running = new Promise<void>((r) => {
        started = r;
      });
      await bus.subscribe(pool, async (d) => {
        started();
        await sleep(80);
        finished = true;
        await d.ack();
      });
      await bus.publish(pool, notices(1)[0] as CommandNotice);
      await running;
      await bus.close();
      assert.equal(finished, true);
    });
  });
}

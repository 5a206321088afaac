import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bus, Delivery } from "../bus/index.ts";
import type { CommandId, ExecutionId, Json } from "../kernel/index.ts";
import type { ClaimResult, Command, ControlPlane, WorkerEvent } from "../protocol/index.ts";
import { FakeClock, latch, RecordingBus } from "../testing/index.ts";
import { type Tool, ToolRegistry } from "../tools/index.ts";
import { Worker, type WorkerOptions } from "./worker.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function command(id: string): Command {
  return {
    command_id: id as CommandId,
    execution_id: "x1" as ExecutionId,
    step: "s",
    pool: "default",
    tasks: [{ name: "s", kind: "wait", config: {}, policy: { rules: [] }, spec: {} }],
    pipeline: false,
    input: {},
    ctx: {},
    steps: {},
    attempt: 1,
  };
}

/** A control plane that hands out the given commands and records heartbeats and reports. */
function controlPlane(cancelAfterBeats = Number.POSITIVE_INFINITY) {
  const beats = new Map<string, number>();
  const reports: WorkerEvent[][] = [];
  const cp: ControlPlane = {
    async claim(id): Promise<ClaimResult> {
      return { status: "claimed", command: command(id), lease_ms: 3000 };
    },
    async report(_x, events) {
      reports.push(events);
      return [];
    },
    async heartbeat(id) {
      const n = (beats.get(id) ?? 0) + 1;
      beats.set(id, n);
      return { cancelled: n >= cancelAfterBeats };
    },
    async isCancelled() {
      return false;
    },
    async getExecution(id) {
      return { execution_id: id, path: "p", workload: {} };
    },
    async putResult() {
      throw new Error("unused");
    },
    async resolveResult(): Promise<Json> {
      throw new Error("unused");
    },
    async execute() {
      throw new Error("unused");
    },
    async waitFor() {
      throw new Error("unused");
    },
    async cancel() {
      return [];
    },
  };
  return { cp, beats, reports };
}

/** `kind: wait`: resolves after `ms` (default 150), or rejects when aborted. */
const wait: Tool = {
  kind: "wait",
  run: (_config, ctx) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => resolve({ waited: true }), 150);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(t);
        reject(ctx.signal.reason);
      });
    }),
};

function worker(
  cp: ControlPlane,
  options: { handoff?: boolean; askForWork?: number; log?: WorkerOptions["log"] } = {},
) {
  return new Worker({
    controlPlane: cp,
    tools: new ToolRegistry([wait]),
    workerId: "w1",
    log: silent,
    clock: new FakeClock(),
    credentials: { get: async () => ({}) },
    heartbeatMs: 20,
    ...options,
  });
}

/** A bus that hands the worker one delivery at a time (`deliver`) and records its acknowledgement. */
function oneDelivery() {
  let handler: ((d: Delivery) => Promise<void>) | undefined;
  const acked: string[] = [];
  const bus: Bus = {
    name: "one-delivery",
    async publish() {},
    async subscribe(_pool, h) {
      handler = h;
      return { close: async () => undefined };
    },
    async close() {},
  };
  const deliver = async (id: string, onAck?: () => void) =>
    handler?.({
      notice: { execution_id: "x1" as ExecutionId, command_id: id as CommandId },
      ack: async () => {
        acked.push(id);
        onAck?.();
      },
      nak: async () => {
        throw new Error("unexpected nak");
      },
    } as Delivery);
  return { bus, deliver, acked };
}

describe("worker heartbeats", () => {
  it("one timer heartbeats every running command while it runs, and none after", async () => {
    const { cp, beats, reports } = controlPlane();
    const w = worker(cp);
    await Promise.all([w.execute("c1"), w.execute("c2")]);
    assert.equal(reports.length, 2);
    const during = { c1: beats.get("c1") ?? 0, c2: beats.get("c2") ?? 0 };
    assert.ok(during.c1 >= 2 && during.c2 >= 2, `heartbeats ${JSON.stringify(during)}`);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual({ c1: beats.get("c1"), c2: beats.get("c2") }, during, "no heartbeat once finished");
    await w.stop();
  });

  it("aborts a command whose heartbeat says the execution was cancelled", async () => {
    const { cp, reports } = controlPlane(1);
    const w = worker(cp);
    await w.execute("c1");
    const done = reports[0]?.find((e) => e.type === "call.done" || e.type === "call.error");
    assert.equal(done?.type, "call.error");
    await w.stop();
  });

  it("a command delivered again while it runs is not run a second time", async () => {
    const { cp, reports } = controlPlane();
    const w = worker(cp);
    await Promise.all([w.execute("c1"), w.execute("c1")]);
    assert.equal(reports.length, 1);
    // once it has finished, a new delivery runs it again (the control plane decides)
    await w.execute("c1");
    assert.equal(reports.length, 2);
    await w.stop();
  });
});

describe("worker hand-off", () => {
  /** A control plane whose reports of c1 and c2 hand over the next command of the chain c1 → c2 → c3. */
  function chain() {
    const { cp, reports } = controlPlane();
    const asked: Array<unknown> = [];
    const claims: string[] = [];
    const next: Record<string, string> = { c1: "c2", c2: "c3" };
    const chained: ControlPlane = {
      ...cp,
      async claim(id, workerId, executionId) {
        claims.push(id);
        return cp.claim(id, workerId, executionId);
      },
      async report(x, events, key, handoff) {
        await cp.report(x, events, key, handoff);
        asked.push(handoff);
        const done = events.find((e) => e.type === "call.done");
        const id = done && "command_id" in done.payload ? next[done.payload.command_id] : undefined;
        return handoff && id ? [{ status: "claimed", command: command(id), lease_ms: 3000 }] : [];
      },
    };
    return { cp: chained, reports, asked, claims };
  }

  it("a worker with hand-off runs the handed commands in the delivery's slot, acknowledging it first", async () => {
    const { cp, reports, asked, claims } = chain();
    const w = worker(cp, { handoff: true });
    const { bus, deliver } = oneDelivery();
    let reportsWhenAcked = -1;
    await w.start(bus, "default", 1);
    await deliver("c1", () => {
      reportsWhenAcked = reports.length;
    });
    assert.equal(reports.length, 3, "c1, then c2 and c3 handed over");
    assert.equal(reportsWhenAcked, 1, "the delivery is acknowledged once c1 is reported");
    assert.deepEqual(claims, ["c1"], "the handed commands were not claimed again");
    assert.deepEqual(asked, [
      { worker_id: "w1", pool: "default", max: 1 },
      { worker_id: "w1", pool: "default", max: 1 },
      { worker_id: "w1", pool: "default", max: 1 },
    ]);
    await w.stop();
  });

  it("a worker stopped without drain does not start a command handed over by a report in flight", async () => {
    const { cp, reports, asked } = chain();
    const reported = latch();
    const replied = latch();
    // c1's report reaches the server; its reply (handing c2 over) arrives once the worker is stopped
    const slow: ControlPlane = {
      ...cp,
      async report(x, events, key, handoff) {
        const handed = await cp.report(x, events, key, handoff);
        reported.open();
        await replied.opened;
        return handed;
      },
    };
    const w = worker(slow, { handoff: true });
    const { bus, deliver } = oneDelivery();
    await w.start(bus, "default", 1);
    const delivered = deliver("c1");
    await reported.opened;
    await w.stop();
    replied.open();
    await delivered;
    assert.equal(asked.length, 1, "c1's report asked for a hand-off and got c2");
    assert.equal(reports.length, 1, "c2 was not started: it waits for its lease to end and the reaper");
  });

  it("a worker without hand-off (the embedded default) does not ask for one", async () => {
    const { cp, asked } = chain();
    const w = worker(cp);
    assert.deepEqual(await w.execute("c1"), []);
    assert.deepEqual(asked, [undefined]);
    await w.stop();
  });
});

describe("worker requests for work", () => {
  it("runs what its request is answered with (and the chain handed over after it), then asks again; stop ends the waiting request", async () => {
    const { cp, reports } = controlPlane();
    const requests: unknown[] = [];
    const asking = [latch(), latch()];
    let ended: unknown;
    const next: Record<string, string> = { c1: "c2" };
    const asker: ControlPlane = {
      ...cp,
      async report(x, events, key, handoff) {
        await cp.report(x, events, key, handoff);
        const done = events.find((e) => e.type === "call.done");
        const id = done && "command_id" in done.payload ? next[done.payload.command_id] : undefined;
        return handoff && id ? [{ status: "claimed", command: command(id), lease_ms: 3000 }] : [];
      },
      next(request, signal) {
        requests.push(request);
        asking[requests.length - 1]?.open();
        if (requests.length === 1)
          return Promise.resolve([{ status: "claimed", command: command("c1"), lease_ms: 3000 }]);
        // the second request waits until the worker stops
        return new Promise((resolve) =>
          signal.addEventListener("abort", () => {
            ended = signal.reason;
            resolve([]);
          }),
        );
      },
    };
    const bus = new RecordingBus();
    const w = worker(asker, { handoff: true, askForWork: 1 });
    await w.start(bus, "default", 4);
    assert.equal(bus.subscriptions[0]?.concurrency, 3, "one of the four slots asks for work");
    await asking[1]?.opened;
    assert.equal(reports.length, 2, "c1, answered to the request, and c2, handed over with its report");
    const sent = requests as Array<{ request_id?: string }>;
    assert.deepEqual(
      sent.map(({ request_id: _, ...r }) => r),
      [
        { worker_id: "w1", pool: "default", max: 1 },
        { worker_id: "w1", pool: "default", max: 1 },
      ],
    );
    // each answered request is followed by a new one (a new id)
    assert.ok(sent[0]?.request_id && sent[1]?.request_id && sent[0].request_id !== sent[1].request_id);
    await w.stop();
    assert.ok(ended, "stop aborted the waiting request");
    assert.equal(requests.length, 2, "no request after stop");
  });

  it("a worker whose control plane cannot be asked for work leaves all its slots to the bus", async () => {
    const { cp } = controlPlane();
    const bus = new RecordingBus();
    const w = worker(cp, { askForWork: 2 });
    await w.start(bus, "default", 4);
    assert.equal(bus.subscriptions[0]?.concurrency, 4);
    await w.stop();
  });

  it("keeps several requests waiting, each in a slot of its own, never all of them; stop ends them all", async () => {
    const { cp } = controlPlane();
    const waiting: AbortSignal[] = [];
    const asker: ControlPlane = {
      ...cp,
      next(_request, signal) {
        waiting.push(signal);
        return new Promise((resolve) => signal.addEventListener("abort", () => resolve([])));
      },
    };
    const bus = new RecordingBus();
    const w = worker(asker, { askForWork: 3 });
    await w.start(bus, "default", 5);
    assert.equal(bus.subscriptions[0]?.concurrency, 2, "three of the five slots ask for work");
    assert.equal(waiting.length, 3);
    await w.stop();
    assert.ok(waiting.every((s) => s.aborted));
    // at most the concurrency less one: the bus keeps a slot
    const few = new RecordingBus();
    const w2 = worker(asker, { askForWork: 3 });
    await w2.start(few, "default", 2);
    assert.equal(few.subscriptions[0]?.concurrency, 1);
    assert.equal(waiting.length, 4);
    await w2.stop();
  });

  it("a server that cannot be asked is logged once for all of a worker's requests, and its return once", async () => {
    const { cp } = controlPlane();
    const logged: string[] = [];
    const log = {
      ...silent,
      warn: (m: string) => logged.push(`warn ${m}`),
      info: (m: string) => logged.push(`info ${m}`),
    };
    let calls = 0;
    const allWaiting = latch();
    let waiting = 0;
    const asker: ControlPlane = {
      ...cp,
      next(_request, signal) {
        // the three loops each fail twice, then wait
        if (++calls <= 6) return Promise.reject(new Error("connect ECONNREFUSED"));
        if (++waiting === 3) allWaiting.open();
        return new Promise((resolve) => signal.addEventListener("abort", () => resolve([])));
      },
    };
    const w = worker(asker, { askForWork: 3, log });
    await w.start(new RecordingBus(), "default", 4);
    await allWaiting.opened;
    await w.stop();
    assert.deepEqual(logged, [
      "warn request for work failed; asking again",
      "info requests for work answered again",
    ]);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandId, ExecutionId, Json } from "../kernel/index.ts";
import type { ClaimResult, Command, ControlPlane, WorkerEvent } from "../protocol/index.ts";
import { FakeClock } from "../testing/index.ts";
import { type Tool, ToolRegistry } from "../tools/index.ts";
import { Worker } from "./worker.ts";

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

function worker(cp: ControlPlane) {
  return new Worker({
    controlPlane: cp,
    tools: new ToolRegistry([wait]),
    workerId: "w1",
    log: silent,
    clock: new FakeClock(),
    credentials: { get: async () => ({}) },
    heartbeatMs: 20,
  });
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

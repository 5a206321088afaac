/**
 * Distributed mode against the real services: a server on PostgreSQL (a schema of its own) and
 * NATS JetStream (a stream of its own), two workers that reach the server only over HTTP. The
 * end-to-end playbooks run here too; 200 executions run at once. Skipped, with the reason
 * printed, when PostgreSQL or NATS is not reachable.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningServer, RunningWorker } from "../../src/app/index.ts";
import { HttpClient } from "../../src/client/index.ts";
import {
  playbook as pb,
  runOverHttp,
  servicesSkipReason,
  startNode,
  suiteServices,
  waitOverHttp,
} from "../support/services.ts";

const skip = await servicesSkipReason();
const services = suiteServices("dist");
let server: RunningServer;
let workers: RunningWorker[] = [];
let http: HttpClient;
const run = (content: string, payload: object = {}) => runOverHttp(http, content, payload);

describe("distributed: PostgreSQL + NATS, two workers", { skip }, () => {
  before(async () => {
    ({ server, workers } = await startNode(services, {
      reapIntervalMs: 500,
      leaseMs: 3000,
      workerIds: ["w0", "w1"],
      concurrency: 16,
    }));
    http = new HttpClient({ baseUrl: server.url });
  });
  after(async () => {
    for (const w of workers) await w.stop(false);
    await server?.close();
    await services.drop();
  });

  it("runs the end-to-end playbooks", async () => {
    const linear = await run(pb("linear"));
    assert.equal(linear.status, "completed", JSON.stringify(linear.error));
    assert.deepEqual(linear.result, { value: 21, seen: 2 });
    const branching = await run(pb("branching"));
    assert.deepEqual(branching.result, { which: "big" });
    const join = await run(pb("fanout-join"));
    assert.equal(join.result, 3);
    assert.equal(join.runs.join, 1);
    const pages = await run(pb("pagination"));
    assert.deepEqual(pages.result, { count: 6, items: [0, 1, 10, 11, 20, 21] });
    const loops = await run(pb("loops"));
    assert.deepEqual((loops.result as { squares: number }).squares, 506);
    const pipeline = await run(pb("pipeline"));
    assert.deepEqual(pipeline.result, { n: 3 });
    const handled = await run(pb("error-handler"));
    assert.equal(handled.status, "completed");
    const unhandled = await run(pb("unhandled"));
    assert.equal(unhandled.status, "failed");
    await http.post("/api/catalog/register", { content: pb("child") });
    const parent = await run(pb("parent"));
    assert.deepEqual(parent.result, [1, 3, 6]);
    const big = await run(pb("big-loop"), { n: 2000 });
    assert.deepEqual(big.result, { sum: 3_998_000, n: 2000 });
  });

  it("both workers take work", async () => {
    const r = await run(pb("big-loop"), { n: 200 });
    assert.equal(r.status, "completed");
    const { events } = await http.get<{ events: Array<{ type: string; payload: { worker_id?: string } }> }>(
      `/api/executions/${r.execution_id}/events?types=call.done&limit=10000`,
    );
    const byWorker = new Set(events.map((e) => e.payload.worker_id));
    assert.deepEqual([...byWorker].sort(), ["w0", "w1"]);
  });

  it("a chain's next step is handed off to the worker that ran the previous one", async () => {
    // with two workers taking notices, a 3-step chain lands on one worker by chance one time in
    // four; four chains in a row, one in 256
    for (let i = 0; i < 4; i++) {
      const r = await run(pb("linear"));
      assert.equal(r.status, "completed");
      const { events } = await http.get<{
        events: Array<{ type: string; payload: { worker_id?: string; command_id?: string } }>;
      }>(`/api/executions/${r.execution_id}/events?types=call.done&limit=100`);
      assert.equal(events.length, 3);
      assert.equal(new Set(events.map((e) => e.payload.worker_id)).size, 1, "one worker ran the chain");
      for (const e of events) {
        const row = await http.get<{ status: string; claims: number }>(
          `/api/commands/${e.payload.command_id}`,
        );
        assert.deepEqual(
          [row.status, row.claims],
          ["COMPLETED", 1],
          "claimed once: no notice, no claim request",
        );
      }
    }
  });

  it("200 concurrent executions complete", async () => {
    const reg = await http.post<{ path: string; version: number }>("/api/catalog/register", {
      content: pb("linear"),
    });
    const ids = await Promise.all(
      Array.from({ length: 200 }, () =>
        http
          .post<{ execution_id: string }>("/api/execute", { path: reg.path, version: reg.version })
          .then((r) => r.execution_id),
      ),
    );
    const outcomes = await Promise.all(ids.map((id) => waitOverHttp(http, id)));
    assert.deepEqual(
      outcomes.filter((s) => s !== "completed"),
      [],
    );
  });
});

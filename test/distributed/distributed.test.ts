/**
 * Distributed mode against the real services: a server on PostgreSQL (a schema of its own) and
 * NATS JetStream (a stream of its own), two workers that reach the server only over HTTP. The
 * end-to-end playbooks run here too; 200 executions run at once. Skipped, with the reason
 * printed, when PostgreSQL or NATS is not reachable.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import {
  type RunningServer,
  type RunningWorker,
  readConfig,
  startRemoteWorker,
  startServer,
} from "../../src/app/index.ts";
import { NatsBus } from "../../src/bus/nats/index.ts";
import { HttpClient } from "../../src/client/index.ts";
import { PostgresStore } from "../../src/store/postgres/index.ts";
import { NATS_URL, natsSkipReason, PG_URL, postgresSkipReason } from "../../src/testing/index.ts";

const skip = (await postgresSkipReason()) ?? (await natsSkipReason());
const tag = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const schema = `noetl_${tag}`;
const stream = `NOETL_TEST_${tag.toUpperCase()}`;
const prefix = `noetl_test.${tag}`;
const home = mkdtempSync(join(tmpdir(), "noetl-dist-"));
const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "dist-test" });
const pb = (name: string) => readFileSync(new URL(`../playbooks/${name}.yaml`, import.meta.url), "utf8");

let server: RunningServer;
const workers: RunningWorker[] = [];
let http: HttpClient;

const bus = () => NatsBus.connect({ servers: NATS_URL, stream, subjectPrefix: prefix, ackWaitMs: 5000 });

async function run(content: string, payload: object = {}) {
  const reg = await http.post<{ path: string; version: number }>("/api/catalog/register", { content });
  const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", {
    path: reg.path,
    version: reg.version,
    payload,
  });
  for (;;) {
    const w = await http.get<{ status: string }>(`/api/executions/${execution_id}/wait?timeout_ms=20000`, {
      timeoutMs: 30_000,
    });
    if (w.status !== "running") break;
  }
  return http.get<{
    execution_id: string;
    status: string;
    result: unknown;
    error: unknown;
    runs: Record<string, number>;
    steps: Record<string, unknown>;
  }>(`/api/executions/${execution_id}/result`);
}

describe("distributed: PostgreSQL + NATS, two workers", { skip }, () => {
  before(async () => {
    server = await startServer({
      config,
      store: new PostgresStore({ url: PG_URL, schema }),
      bus: await bus(),
      port: 0,
      reapIntervalMs: 500,
      orchestrator: { leaseMs: 3000 },
    });
    http = new HttpClient({ baseUrl: server.url });
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startRemoteWorker({
          config,
          bus: await bus(),
          serverUrl: server.url,
          concurrency: 16,
          workerId: `w${i}`,
        }),
      );
    }
  });
  after(async () => {
    for (const w of workers) await w.stop(false);
    await server?.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    const b = await bus();
    await b.deleteStream();
    await b.close();
    rmSync(home, { recursive: true, force: true });
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
    const outcomes = await Promise.all(
      ids.map(async (id) => {
        for (;;) {
          const w = await http.get<{ status: string }>(`/api/executions/${id}/wait?timeout_ms=20000`, {
            timeoutMs: 30_000,
          });
          if (w.status !== "running") return w.status;
        }
      }),
    );
    assert.deepEqual(
      outcomes.filter((s) => s !== "completed"),
      [],
    );
  });
});

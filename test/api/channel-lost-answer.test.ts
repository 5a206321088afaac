/**
 * Fault injection on the worker channel: a TCP proxy between the remote worker and the server
 * relays the channel, and drops the connection instead of relaying the first answer that hands a
 * command over (the server took the report; its answer is lost). The worker's report fails as
 * unreachable, is sent again on a new channel, and the server, seeing it again, answers with the
 * command the worker holds: the chain goes on at once instead of waiting for the lease (30 s here).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type RunningServer,
  type RunningWorker,
  readConfig,
  startRemoteWorker,
  startServer,
} from "../../src/app/index.ts";
import { LocalBus } from "../../src/bus/local/index.ts";
import { HttpClient } from "../../src/client/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";

const home = mkdtempSync(join(tmpdir(), "noetl-channel-lost-"));
const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "test-key" });
let server: RunningServer;
let worker: RunningWorker;
let proxy: Server;
let http: HttpClient;
let dropped = 0;
let channels = 0;
const sockets = new Set<Socket>();

const CHAIN = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: lost_channel_answer, path: tests/lost_channel_answer }
workflow:
  - step: a
    tool: { kind: noop, result: { v: 1 } }
    next: { arcs: [{ step: b }] }
  - step: b
    tool: { kind: noop, result: { v: "{{ a.v + 1 }}" } }
    next: { arcs: [{ step: c }] }
  - step: c
    tool: { kind: noop, result: { v: "{{ b.v + 1 }}" } }
`;

before(async () => {
  const bus = new LocalBus();
  server = await startServer({
    config,
    store: new MemoryStore(),
    bus,
    port: 0,
    reapIntervalMs: 60_000,
    orchestrator: { leaseMs: 30_000 },
  });
  const target = new URL(server.url);
  proxy = createServer((downstream) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    const drop = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on("close", drop);
    upstream.on("close", drop);
    downstream.on("data", (d: Buffer) => {
      if (/^upgrade: noetl-worker\/1\r$/im.test(d.toString("utf8"))) channels += 1;
      upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      // the first answer on a channel that hands a command over with a report is lost
      const text = d.toString("utf8");
      if (dropped === 0 && text.includes('"status":202') && text.includes('"commands":[{')) {
        dropped += 1;
        drop();
        return;
      }
      downstream.write(d);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as { port: number };
  worker = await startRemoteWorker({ config, bus, serverUrl: `http://127.0.0.1:${port}`, concurrency: 4 });
  http = new HttpClient({ baseUrl: server.url });
});
after(async () => {
  await worker.stop(false);
  for (const s of sockets) s.destroy();
  await server.close();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  rmSync(home, { recursive: true, force: true });
});

describe("a worker channel whose answer is lost", () => {
  it("the report is sent again on a new channel and answered with the held command: the chain does not wait for the lease", async () => {
    const reg = await http.post<{ path: string }>("/api/catalog/register", { content: CHAIN });
    const started = Date.now();
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path: reg.path });
    const waited = await http.get<{ status: string }>(
      `/api/executions/${execution_id}/wait?timeout_ms=20000`,
      {
        timeoutMs: 25_000,
      },
    );
    assert.equal(waited.status, "completed");
    assert.equal(dropped, 1, "an answer was lost");
    assert.ok(channels >= 2, "the worker opened a new channel");
    assert.ok(Date.now() - started < 10_000, "well within the 30 s lease");
    const result = await http.get<{ result: unknown; runs: Record<string, number> }>(
      `/api/executions/${execution_id}/result`,
    );
    assert.deepEqual(result.result, { v: 3 });
    assert.deepEqual(result.runs, { a: 1, b: 1, c: 1 });
  });
});

/**
 * Fault injection on the hand-off: a proxy between the remote worker and the server forwards the
 * worker's first hand-off report, lets the server take it, and then drops the connection instead
 * of relaying the reply (the reply, with the handed command, is lost). The worker retries the
 * report; the server, seeing it again, answers with the command the worker holds, so the chain
 * goes on at once instead of waiting for the lease to end (30 s here) and the reaper.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
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

const home = mkdtempSync(join(tmpdir(), "noetl-handoff-"));
// the worker talks HTTP (no worker channel), through the proxy
const config = readConfig(
  { NOETL_LOG_LEVEL: "silent", NOETL_WORKER_CHANNEL: "off" },
  { home, secretKey: "test-key" },
);
let server: RunningServer;
let worker: RunningWorker;
let proxy: Server;
let http: HttpClient;
let dropped = 0;

const CHAIN = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: lost_reply_chain, path: tests/lost_reply_chain }
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
  proxy = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const forward = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (reply) => {
          let text = "";
          reply.on("data", (c: Buffer) => {
            text += c.toString();
          });
          reply.on("end", () => {
            // the first reply that hands a command over is lost on the way back
            if (dropped === 0 && req.url?.startsWith("/api/events") && text.includes('"commands":[{')) {
              dropped += 1;
              req.socket.destroy();
              return;
            }
            res.writeHead(reply.statusCode ?? 502, reply.headers);
            res.end(text);
          });
        },
      );
      // the worker's waiting request for work ends with the worker: so does its forwarded copy
      forward.on("error", () => res.destroy());
      res.on("close", () => forward.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as { port: number };
  worker = await startRemoteWorker({ config, bus, serverUrl: `http://127.0.0.1:${port}`, concurrency: 4 });
  http = new HttpClient({ baseUrl: server.url });
});
after(async () => {
  await worker.stop(false);
  await server.close();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  rmSync(home, { recursive: true, force: true });
});

describe("a hand-off whose reply is lost", () => {
  it("is answered again when the worker retries its report: the chain does not wait for the lease", async () => {
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
    assert.equal(dropped, 1, "a reply was lost");
    assert.ok(Date.now() - started < 10_000, "well within the 30 s lease");
    const result = await http.get<{ result: unknown }>(`/api/executions/${execution_id}/result`);
    assert.deepEqual(result.result, { v: 3 });
  });
});

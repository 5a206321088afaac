/**
 * Fault injection on the hand-off: a proxy between the remote worker and the server forwards the
 * worker's first hand-off report, lets the server take it, and then drops the connection instead
 * of relaying the reply (the reply, with the handed command, is lost). The worker retries the
 * report; the server, seeing it again, answers with the command the worker holds, so the chain
 * goes on at once instead of waiting for the lease to end (30 s here) and the reaper. Over HTTP
 * (an HTTP proxy drops the reply), and over the worker channel (a TCP proxy drops the channel
 * instead of relaying the answer; the report goes again on a new channel). The same for a request
 * for work whose answer (a new execution's first command) is lost with its channel: the worker
 * sends the request again with its id and is answered with the command it holds.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, request, type Server } from "node:http";
import { connect, createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type AppConfig,
  type RunningServer,
  type RunningWorker,
  readConfig,
  startRemoteWorker,
  startServer,
} from "../../src/app/index.ts";
import type { Bus } from "../../src/bus/index.ts";
import { LocalBus } from "../../src/bus/local/index.ts";
import { HttpClient } from "../../src/client/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";
import { until } from "../../src/testing/index.ts";

const home = mkdtempSync(join(tmpdir(), "noetl-handoff-"));
after(() => rmSync(home, { recursive: true, force: true }));

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

/** A server whose claims last 30 s and whose reaper never runs within a test. */
function longLeaseServer(config: AppConfig, bus: Bus): Promise<RunningServer> {
  return startServer({
    config,
    store: new MemoryStore(),
    bus,
    port: 0,
    reapIntervalMs: 60_000,
    orchestrator: { leaseMs: 30_000 },
  });
}

/** Registers and runs CHAIN to its end; how long it took, its status and its result. */
async function runChain(http: HttpClient) {
  const reg = await http.post<{ path: string }>("/api/catalog/register", { content: CHAIN });
  const started = Date.now();
  const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path: reg.path });
  const waited = await http.get<{ status: string }>(`/api/executions/${execution_id}/wait?timeout_ms=20000`, {
    timeoutMs: 25_000,
  });
  const elapsedMs = Date.now() - started;
  const result = await http.get<{ result: unknown; runs: Record<string, number> }>(
    `/api/executions/${execution_id}/result`,
  );
  return { status: waited.status, elapsedMs, result: result.result, runs: result.runs };
}

describe("a hand-off whose reply is lost", () => {
  // the worker talks HTTP (no worker channel), through the proxy
  const config = readConfig(
    { NOETL_LOG_LEVEL: "silent", NOETL_WORKER_CHANNEL: "off" },
    { home, secretKey: "test-key" },
  );
  let server: RunningServer;
  let worker: RunningWorker;
  let proxy: Server;
  let dropped = 0;

  before(async () => {
    const bus = new LocalBus();
    server = await longLeaseServer(config, bus);
    const target = new URL(server.url);
    proxy = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        const forward = request(
          {
            host: target.hostname,
            port: target.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
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
  });
  after(async () => {
    await worker.stop(false);
    await server.close();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  it("is answered again when the worker retries its report: the chain does not wait for the lease", async () => {
    const run = await runChain(new HttpClient({ baseUrl: server.url }));
    assert.equal(run.status, "completed");
    assert.equal(dropped, 1, "a reply was lost");
    assert.ok(run.elapsedMs < 10_000, "well within the 30 s lease");
    assert.deepEqual(run.result, { v: 3 });
  });
});

/**
 * A TCP proxy to `target` that, once, drops both ends of a connection instead of relaying an
 * answer `lost` matches (the answer never reaches the worker). `dropped` counts the drops,
 * `channels` the worker channels opened through it.
 */
async function lossyProxy(target: URL, lost: (answer: string) => boolean) {
  const sockets = new Set<Socket>();
  const state = {
    dropped: 0,
    channels: 0,
    url: "",
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
  const proxy: TcpServer = createTcpServer((downstream) => {
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
      if (/^upgrade: noetl-worker\/1\r$/im.test(d.toString("utf8"))) state.channels += 1;
      upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      if (state.dropped === 0 && lost(d.toString("utf8"))) {
        state.dropped += 1;
        drop();
        return;
      }
      downstream.write(d);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  return state;
}

/**
 * A server (long leases) and a worker that reaches it through a proxy dropping the first answer
 * `drop` matches, set up and torn down around the suite that calls it; `ready` waits after start.
 */
function behindLossyProxy(drop: (text: string) => boolean, ready?: (server: RunningServer) => Promise<void>) {
  const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "test-key" });
  const setup = {} as {
    server: RunningServer;
    worker: RunningWorker;
    proxy: Awaited<ReturnType<typeof lossyProxy>>;
  };
  before(async () => {
    const bus = new LocalBus();
    setup.server = await longLeaseServer(config, bus);
    setup.proxy = await lossyProxy(new URL(setup.server.url), drop);
    setup.worker = await startRemoteWorker({ config, bus, serverUrl: setup.proxy.url, concurrency: 4 });
    await ready?.(setup.server);
  });
  after(async () => {
    await setup.worker.stop(false);
    await setup.proxy.close();
    await setup.server.close();
  });
  return setup;
}

describe("a worker channel whose answer is lost", () => {
  // the first answer on a channel that hands a command over with a report is lost
  const setup = behindLossyProxy((text) => text.includes('"status":202') && text.includes('"commands":[{'));

  it("the report is sent again on a new channel and answered with the held command: the chain does not wait for the lease", async () => {
    const run = await runChain(new HttpClient({ baseUrl: setup.server.url }));
    assert.equal(run.status, "completed");
    assert.equal(setup.proxy.dropped, 1, "an answer was lost");
    assert.ok(setup.proxy.channels >= 2, "the worker opened a new channel");
    assert.ok(run.elapsedMs < 10_000, "well within the 30 s lease");
    assert.deepEqual(run.result, { v: 3 });
    assert.deepEqual(run.runs, { a: 1, b: 1, c: 1 });
  });
});

describe("a request for work whose answer is lost", () => {
  // the first answer to a request for work that gives a command is lost with its channel
  const setup = behindLossyProxy(
    (text) => text.includes('"status":200') && text.includes('"commands":[{'),
    (server) => until(() => server.orchestrator.waitingForWork > 0),
  );

  it("is sent again with its id and answered with the command it was given: the execution does not wait for the lease", async () => {
    const run = await runChain(new HttpClient({ baseUrl: setup.server.url }));
    assert.equal(run.status, "completed");
    assert.equal(setup.proxy.dropped, 1, "an answer was lost");
    assert.ok(run.elapsedMs < 10_000, "well within the 30 s lease");
    assert.deepEqual(run.result, { v: 3 });
    assert.deepEqual(run.runs, { a: 1, b: 1, c: 1 });
  });
});

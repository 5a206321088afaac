/**
 * The worker channel (`noetl-worker/1`, an upgraded connection of the API): a request for work,
 * a report and a claim travel over it and are answered as their HTTP routes answer (errors included);
 * a cancelled request, or a closed channel, stops waiting; shutdown answers what waits and ends
 * the channel; a bearer token guards it; a line it cannot read closes it; a server that does not
 * serve it makes the worker's control plane use HTTP.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { after, before, describe, it } from "node:test";
import { buildApi, type CredentialsPort } from "../../src/api/index.ts";
import { type RunningServer, readConfig, startServer } from "../../src/app/index.ts";
import { LocalBus } from "../../src/bus/local/index.ts";
import {
  ChannelUnavailable,
  HttpClient,
  RemoteControlPlane,
  RemoteError,
  WorkerChannel,
} from "../../src/client/index.ts";
import type { ClaimResult, ExecutionInfo } from "../../src/protocol/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";
import { until } from "../../src/testing/index.ts";

const home = mkdtempSync(join(tmpdir(), "noetl-channel-"));
const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "test-key" });
let server: RunningServer;
let http: HttpClient;
let channel: WorkerChannel;
let path: string;

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: over_the_channel, path: tests/over_the_channel }
workload: { greeting: hello }
workflow:
  - step: a
    tool: { kind: noop, result: { v: 1 } }
    next: { arcs: [{ step: b }] }
  - step: b
    tool: { kind: noop }
`;

type NextReply = { commands: Array<ClaimResult & { execution?: ExecutionInfo }> };
const ask = (ch: WorkerChannel, wait_ms: number, signal?: AbortSignal) =>
  ch.call<NextReply>(
    "next",
    { worker_id: "w-chan", pool: "default", max: 1, wait_ms },
    { timeoutMs: 30_000, ...(signal ? { signal } : {}) },
  );

/** Opens a channel by hand and answers its socket (for lines no client would send). */
function rawChannel(url: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/workers/channel`, {
      headers: { connection: "Upgrade", upgrade: "noetl-worker/1" },
    });
    req.once("upgrade", (_res, socket) => resolve(socket));
    req.once("response", (res) => reject(new Error(`HTTP ${res.statusCode}`)));
    req.once("error", reject);
    req.end();
  });
}

/** The lines a socket receives until it closes. */
function linesUntilClosed(socket: Duplex): Promise<unknown[]> {
  return new Promise((resolve) => {
    let text = "";
    socket.on("data", (d: Buffer) => {
      text += d.toString("utf8");
    });
    socket.once("close", () =>
      resolve(
        text
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as unknown),
      ),
    );
  });
}

before(async () => {
  server = await startServer({ config, store: new MemoryStore(), bus: new LocalBus(), port: 0 });
  http = new HttpClient({ baseUrl: server.url });
  channel = new WorkerChannel({ baseUrl: server.url });
  path = (await http.post<{ path: string }>("/api/catalog/register", { content: PLAYBOOK })).path;
});
after(async () => {
  await channel.close();
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

describe("worker channel", () => {
  it("carries a request for work and a report: the chain goes on in the report's answer", async () => {
    const asked = ask(channel, 10_000);
    await until(() => server.orchestrator.waitingForWork === 1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^noetl_worker_channels_open 1$/m);
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path });
    const { commands } = await asked;
    assert.equal(commands.length, 1);
    const first = commands[0];
    assert.equal(first?.status, "claimed");
    assert.equal(first?.command?.step, "a");
    assert.deepEqual(first?.execution?.workload, { greeting: "hello" });
    const commandId = first?.command?.command_id;
    const report = {
      execution_id,
      events: [
        { type: "step.enter", step: "a", payload: { command_id: commandId } },
        {
          type: "call.done",
          step: "a",
          payload: { command_id: commandId, worker_id: "w-chan", result: { v: 1 }, status: "ok" },
        },
      ],
      handoff: { worker_id: "w-chan", pool: "default", max: 1 },
    };
    const answer = await channel.call<{ accepted: number; commands: ClaimResult[] }>("report", report, {
      timeoutMs: 10_000,
      key: "chan-report-1",
    });
    assert.equal(answer.accepted, 2);
    assert.equal(answer.commands.length, 1);
    assert.equal(answer.commands[0]?.command?.step, "b");
    // the same report again (a retry after a lost answer): nothing is ingested twice, and the
    // worker is told again what it holds
    const again = await channel.call<{ commands: ClaimResult[] }>("report", report, {
      timeoutMs: 10_000,
      key: "chan-report-1",
    });
    assert.equal(again.commands[0]?.command?.command_id, answer.commands[0]?.command?.command_id);
    const { events } = await http.get<{ events: Array<{ type: string; event_id: string }> }>(
      `/api/executions/${execution_id}/events?types=call.done`,
    );
    assert.deepEqual(
      events.map((e) => e.event_id),
      ["chan-report-1:1"],
    );
  });

  it("answers errors as the HTTP routes do", async () => {
    await assert.rejects(
      channel.call("next", { pool: "default", max: 1 }, { timeoutMs: 10_000 }),
      (e: unknown) => e instanceof RemoteError && e.status === 422 && e.code === "NOETL_E_API_VALIDATION",
    );
    await assert.rejects(
      channel.call(
        "reports",
        { reports: [{ execution_id: "1", events: [{ type: "step.enter", payload: {} }] }] },
        { timeoutMs: 10_000 },
      ),
      (e: unknown) => e instanceof RemoteError && e.status === 422 && /event_id/.test(e.message),
    );
    await assert.rejects(
      channel.call("launch", {}, { timeoutMs: 10_000 }),
      (e: unknown) => e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_API_NOT_FOUND",
    );
  });

  it("a cancelled request for work stops waiting: the next command is announced on the bus, and claimed over the channel", async () => {
    const gone = new AbortController();
    const asked = ask(channel, 10_000, gone.signal).catch((e: unknown) => e);
    await until(() => server.orchestrator.waitingForWork === 1);
    gone.abort(new Error("stop"));
    assert.equal(((await asked) as Error).message, "stop");
    await until(() => server.orchestrator.waitingForWork === 0);
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path });
    const rows = await server.store.listCommands({ execution_id: execution_id as never });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.status, "PENDING");
    // a worker handed its notice claims it over the channel too
    const { claims } = await channel.call<{ claims: Array<ClaimResult & { execution?: ExecutionInfo }> }>(
      "claim",
      { worker_id: "w-chan", command_ids: [rows[0]?.command.command_id] },
      { timeoutMs: 10_000 },
    );
    assert.equal(claims.length, 1);
    assert.equal(claims[0]?.status, "claimed");
    assert.equal(claims[0]?.execution?.execution_id, execution_id);
    const row = await server.store.getCommand(rows[0]?.command.command_id as never);
    assert.equal(row?.status, "CLAIMED");
    assert.equal(row?.worker_id, "w-chan");
  });

  it("a channel that closes abandons its requests for work", async () => {
    const other = new WorkerChannel({ baseUrl: server.url });
    const asked = ask(other, 10_000).catch((e: unknown) => e);
    await until(() => server.orchestrator.waitingForWork === 1);
    await other.close();
    const error = (await asked) as Error & { code?: string };
    assert.equal(error.code, "NOETL_E_API_UNREACHABLE");
    await until(() => server.orchestrator.waitingForWork === 0);
    assert.equal(other.usable, false);
  });

  it("shutdown answers the requests for work still waiting, then ends the channel", async () => {
    const other = await startServer({ config, store: new MemoryStore(), bus: new LocalBus(), port: 0 });
    const ch = new WorkerChannel({ baseUrl: other.url });
    const asked = ask(ch, 60_000);
    await until(() => other.orchestrator.waitingForWork === 1);
    await other.close();
    assert.deepEqual(await asked, { commands: [] });
    await ch.close();
  });

  it("needs the bearer token when the server has one", async () => {
    const guarded = await startServer({
      config: { ...config, apiToken: "sesame" },
      store: new MemoryStore(),
      bus: new LocalBus(),
      port: 0,
    });
    try {
      const without = new WorkerChannel({ baseUrl: guarded.url });
      await assert.rejects(
        without.call("next", {}, { timeoutMs: 5_000 }),
        (e: unknown) => e instanceof RemoteError && e.status === 401 && e.code === "NOETL_E_API_UNAUTHORIZED",
      );
      const wrong = new WorkerChannel({ baseUrl: guarded.url, token: "open" });
      await assert.rejects(wrong.call("next", {}, { timeoutMs: 5_000 }), { status: 401 });
      const right = new WorkerChannel({ baseUrl: guarded.url, token: "sesame" });
      assert.deepEqual(
        await right.call(
          "next",
          { worker_id: "w", pool: "default", max: 1, wait_ms: 0 },
          { timeoutMs: 5_000 },
        ),
        { commands: [] },
      );
      await right.close();
    } finally {
      await guarded.close();
    }
  });

  it("answers a line it cannot read with id null, and closes", async () => {
    const socket = await rawChannel(server.url);
    const lines = linesUntilClosed(socket);
    socket.write("this is not json\n");
    const [answer] = (await lines) as Array<{
      id: unknown;
      status: number;
      body: { error: { code: string } };
    }>;
    assert.equal(answer?.id, null);
    assert.equal(answer?.status, 400);
    assert.equal(answer?.body.error.code, "NOETL_E_API_BAD_REQUEST");
  });

  it("closes on a line longer than the body limit", async () => {
    const small = await buildApi({
      orchestrator: server.orchestrator,
      store: server.store,
      credentials: {} as CredentialsPort, // not called here
      bodyLimit: 1024,
    });
    const url = await small.listen({ host: "127.0.0.1", port: 0 });
    try {
      const socket = await rawChannel(url);
      const lines = linesUntilClosed(socket);
      socket.write(`{"id":1,"op":"report","body":"${"x".repeat(4096)}`);
      const [answer] = (await lines) as Array<{ id: unknown; status: number }>;
      assert.equal(answer?.status, 413);
    } finally {
      await small.close();
    }
  });

  it("closes a channel whose worker leaves its answers unread past the limit", {
    timeout: 30_000,
  }, async () => {
    const small = await buildApi({
      orchestrator: server.orchestrator,
      store: server.store,
      credentials: {} as CredentialsPort, // not called here
      channelMaxUnsentBytes: 64 * 1024,
    });
    const url = await small.listen({ host: "127.0.0.1", port: 0 });
    try {
      const socket = await rawChannel(url);
      socket.pause(); // reads nothing: the kernel's buffers fill, then the server's
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      // ~250 bytes of error answer per call: a few MB fill the loopback's buffers, then 64 KiB more
      const call = `{"id":1,"op":"claim","body":{"command_id":"1","worker_id":"${"w".repeat(100)}"}}\n`;
      for (let i = 0; i < 400 && !socket.destroyed; i++) {
        socket.write(call.repeat(200));
        await new Promise((r) => setImmediate(r));
        if (socket.readableLength > 0 && i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      socket.resume(); // drain what was sent; the server has closed its end
      await closed;
    } finally {
      await small.close();
    }
  });

  it("refuses other upgrades and paths", async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${server.url}/api/workers/channel`, {
        headers: { connection: "Upgrade", upgrade: "websocket" },
      });
      req.once("response", (res) => resolve(res.statusCode));
      req.once("upgrade", () => reject(new Error("upgraded")));
      req.once("error", reject);
      req.end();
    });
    assert.equal(status, 404);
  });

  it("a connection lost mid-call fails the call as unreachable; the next call opens a new one", async () => {
    let upgrades = 0;
    const fake = createServer((_req, res) => res.end());
    fake.on("upgrade", (_req, socket: Duplex) => {
      upgrades += 1;
      const first = upgrades === 1;
      socket.once("end", () => socket.end());
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: noetl-worker/1\r\nConnection: Upgrade\r\n\r\n",
      );
      socket.on("data", (d: Buffer) => {
        if (first) {
          socket.destroy(); // the line arrived; its answer never will
          return;
        }
        const { id } = JSON.parse(d.toString("utf8")) as { id: number };
        socket.write(`${JSON.stringify({ id, status: 200, body: { ok: 1 } })}\n`);
      });
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    const ch = new WorkerChannel({
      baseUrl: `http://127.0.0.1:${(fake.address() as { port: number }).port}`,
    });
    try {
      await assert.rejects(ch.call("report", {}, { timeoutMs: 5_000 }), { code: "NOETL_E_API_UNREACHABLE" });
      assert.deepEqual(await ch.call("report", {}, { timeoutMs: 5_000 }), { ok: 1 });
      assert.equal(upgrades, 2);
    } finally {
      await ch.close();
      await new Promise((r) => fake.close(r));
    }
  });

  it("a server that does not serve it: the control plane reports over HTTP", async () => {
    const seen: string[] = [];
    const plain = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => {
        if (req.url === "/api/events/batch") {
          res.writeHead(202, { "content-type": "application/json" });
          res.end(JSON.stringify({ accepted: 1 }));
          return;
        }
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "NOETL_E_API_NOT_FOUND", message: "no" } }));
      });
    });
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    const { port } = plain.address() as { port: number };
    const url = `http://127.0.0.1:${port}`;
    const ch = new WorkerChannel({ baseUrl: url });
    const plane = new RemoteControlPlane(new HttpClient({ baseUrl: url }), "w", ch);
    try {
      await plane.report("1" as never, [{ type: "step.enter", step: "a", payload: {} } as never]);
      assert.deepEqual(seen, ["GET /api/workers/channel", "POST /api/events/batch"]);
      assert.equal(ch.usable, false);
      await plane.report("1" as never, [{ type: "step.enter", step: "a", payload: {} } as never]);
      assert.deepEqual(seen.slice(2), ["POST /api/events/batch"]);
      await assert.rejects(ch.call("report", {}, { timeoutMs: 1000 }), ChannelUnavailable);
    } finally {
      await plane.close();
      await new Promise((r) => plain.close(r));
    }
  });
});

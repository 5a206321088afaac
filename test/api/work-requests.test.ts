/**
 * Requests for work over HTTP (`POST /api/commands/next`): a waiting request is answered with a
 * new execution's first command, claimed for its worker, with the execution's info; one that
 * waits out its `wait_ms` is answered empty; one whose connection closes stops waiting (the next
 * command is announced on the bus); the server's shutdown answers those still waiting. A request
 * sent again with its `request_id` (its answer was lost) is answered at once with what it was
 * given, while its worker still holds it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunningServer, readConfig, startServer } from "../../src/app/index.ts";
import { LocalBus } from "../../src/bus/local/index.ts";
import { HttpClient } from "../../src/client/index.ts";
import type { ClaimResult, ExecutionInfo } from "../../src/protocol/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";
import { until } from "../../src/testing/index.ts";

const home = mkdtempSync(join(tmpdir(), "noetl-asks-"));
const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "test-key" });
let server: RunningServer;
let http: HttpClient;
let path: string;

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: asked_over_http, path: tests/asked_over_http }
workload: { greeting: hello }
workflow:
  - step: a
    tool: { kind: noop }
`;

type NextReply = { commands: Array<ClaimResult & { execution?: ExecutionInfo }> };
const ask = (wait_ms: number, signal?: AbortSignal, request_id?: string, worker_id = "w-http") =>
  http.post<NextReply>(
    "/api/commands/next",
    { worker_id, pool: "default", max: 1, wait_ms, ...(request_id ? { request_id } : {}) },
    signal ? { signal } : {},
  );

before(async () => {
  server = await startServer({ config, store: new MemoryStore(), bus: new LocalBus(), port: 0 });
  http = new HttpClient({ baseUrl: server.url });
  path = (await http.post<{ path: string }>("/api/catalog/register", { content: PLAYBOOK })).path;
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

describe("POST /api/commands/next", () => {
  it("is answered with a new execution's first command, claimed for the worker, with the execution's info", async () => {
    const asked = ask(10_000);
    await until(() => server.orchestrator.waitingForWork === 1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^noetl_work_requests_waiting 1$/m);
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path });
    const { commands } = await asked;
    assert.equal(commands.length, 1);
    assert.equal(commands[0]?.status, "claimed");
    assert.equal(commands[0]?.command?.step, "a");
    assert.equal(commands[0]?.execution?.execution_id, execution_id);
    assert.deepEqual(commands[0]?.execution?.workload, { greeting: "hello" });
    const row = await http.get<{ status: string; worker_id: string }>(
      `/api/commands/${commands[0]?.command?.command_id}`,
    );
    assert.equal(row.status, "CLAIMED");
    assert.equal(row.worker_id, "w-http");
  });

  it("sent again with its request id, is answered at once with what it was given while its worker holds it", async () => {
    const asked = ask(10_000, undefined, "r-1");
    await until(() => server.orchestrator.waitingForWork === 1);
    await http.post("/api/execute", { path });
    const first = (await asked).commands[0]?.command;
    assert.ok(first);
    // the answer was lost: the same request again is answered with the same command, claimed
    const again = await ask(10_000, undefined, "r-1");
    assert.equal(again.commands.length, 1);
    assert.equal(again.commands[0]?.status, "claimed");
    assert.equal(again.commands[0]?.command?.command_id, first.command_id);
    // another worker using the same request id gets nothing of it (it waits out its wait)
    assert.deepEqual(await ask(30, undefined, "r-1", "w-other"), { commands: [] });
    // once the command is finished, the id answers nothing more and the request waits as usual
    await http.post("/api/events", {
      execution_id: first.execution_id,
      events: [
        { type: "step.enter", step: "a", payload: { command_id: first.command_id } },
        {
          type: "call.done",
          step: "a",
          payload: {
            command_id: first.command_id,
            worker_id: "w-http",
            result: null,
            status: "ok",
            duration_ms: 1,
          },
        },
      ],
    });
    for (let i = 0; i < 200; i++) {
      const row = await http.get<{ status: string }>(`/api/commands/${first.command_id}`);
      if (row.status === "COMPLETED") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(
      (await http.get<{ status: string }>(`/api/commands/${first.command_id}`)).status,
      "COMPLETED",
    );
    assert.deepEqual(await ask(30, undefined, "r-1"), { commands: [] });
  });

  it("is answered empty when its wait ends first", async () => {
    assert.deepEqual(await ask(20), { commands: [] });
    assert.equal(server.orchestrator.waitingForWork, 0);
  });

  it("stops waiting when its connection closes: the next command is announced on the bus", async () => {
    const gone = new AbortController();
    const asked = ask(10_000, gone.signal).catch((e: unknown) => e);
    await until(() => server.orchestrator.waitingForWork === 1);
    gone.abort();
    await asked;
    await until(() => server.orchestrator.waitingForWork === 0);
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path });
    const rows = await server.store.listCommands({ execution_id: execution_id as never });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.status, "PENDING");
  });

  it("is answered empty when the server shuts down", async () => {
    const other = await startServer({ config, store: new MemoryStore(), bus: new LocalBus(), port: 0 });
    const client = new HttpClient({ baseUrl: other.url });
    const asked = client.post<NextReply>("/api/commands/next", {
      worker_id: "w",
      pool: "default",
      max: 1,
      wait_ms: 60_000,
    });
    await until(() => other.orchestrator.waitingForWork === 1);
    await other.close();
    assert.deepEqual(await asked, { commands: [] });
  });

  it("refuses a request without a worker, a pool or a positive max", async () => {
    await assert.rejects(http.post("/api/commands/next", { pool: "default", max: 1 }), { status: 422 });
    await assert.rejects(http.post("/api/commands/next", { worker_id: "w", pool: "default", max: 0 }), {
      status: 422,
    });
  });
});

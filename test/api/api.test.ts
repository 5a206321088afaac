/**
 * The HTTP API with a worker that reaches the server only over HTTP (RemoteControlPlane), on an
 * in-memory store and the in-process bus: the distributed code paths without external services.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
import { HttpClient, RemoteError } from "../../src/client/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";

const home = mkdtempSync(join(tmpdir(), "noetl-api-"));
const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "test-key" });
let server: RunningServer;
let worker: RunningWorker;
let http: HttpClient;
const pb = (name: string) => readFileSync(new URL(`../playbooks/${name}.yaml`, import.meta.url), "utf8");

before(async () => {
  const bus = new LocalBus();
  server = await startServer({ config, store: new MemoryStore(), bus, port: 0 });
  worker = await startRemoteWorker({ config, bus, serverUrl: server.url, concurrency: 8 });
  http = new HttpClient({ baseUrl: server.url });
});
after(async () => {
  await worker.stop(false);
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

async function eventCount(executionId: string): Promise<number> {
  return (await http.get<{ events: unknown[] }>(`/api/executions/${executionId}/events?limit=100000`)).events
    .length;
}

async function runToEnd(content: string, payload: object = {}) {
  const reg = await http.post<{ path: string; version: number }>("/api/catalog/register", { content });
  const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", {
    path: reg.path,
    payload,
  });
  const waited = await http.get<{ status: string }>(`/api/executions/${execution_id}/wait?timeout_ms=20000`, {
    timeoutMs: 25_000,
  });
  return {
    execution_id,
    waited,
    result: await http.get<{ status: string; result: unknown; runs: Record<string, number> }>(
      `/api/executions/${execution_id}/result`,
    ),
  };
}

describe("HTTP API + remote worker", () => {
  it("health, OpenAPI and metrics", async () => {
    assert.deepEqual(await http.get("/api/health"), { status: "ok" });
    const res = await fetch(`${server.url}/docs/json`);
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as { paths: object }).paths);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /noetl_up 1/);
  });

  it("runs playbooks end to end through the API (loops, sub-playbooks, python)", async () => {
    const linear = await runToEnd(pb("linear"));
    assert.equal(linear.result.status, "completed");
    assert.deepEqual(linear.result.result, { value: 21, seen: 2 });
    await http.post("/api/catalog/register", { content: pb("child") });
    const parent = await runToEnd(pb("parent"));
    assert.deepEqual(parent.result.result, [1, 3, 6]);
    const loops = await runToEnd(pb("loops"));
    assert.equal(loops.result.status, "completed");
  });

  it("events, status, vars, executions list", async () => {
    const { execution_id } = await runToEnd(pb("pagination"));
    const { events } = await http.get<{ events: Array<{ type: string; seq: number }> }>(
      `/api/executions/${execution_id}/events?limit=5`,
    );
    assert.equal(events.length, 5);
    assert.equal(events[0]?.type, "playbook.initialized");
    const after = await http.get<{ events: Array<{ seq: number }> }>(
      `/api/executions/${execution_id}/events?after_seq=5&limit=1`,
    );
    assert.equal(after.events[0]?.seq, 6);
    const vars = await http.get<{ ctx: { page: number } }>(`/api/executions/${execution_id}/vars`);
    assert.equal(vars.ctx.page, 3);
    const list = await http.get<{ executions: Array<{ execution_id: string }> }>("/api/executions?limit=100");
    assert.ok(list.executions.some((e) => e.execution_id === execution_id));
  });

  it("streams events over SSE until the execution ends", async () => {
    const reg = await http.post<{ path: string }>("/api/catalog/register", { content: pb("slow-middle") });
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path: reg.path });
    const res = await fetch(`${server.url}/api/executions/${execution_id}/stream`);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const text = await res.text(); // the server ends the stream at the terminal event
    const types = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    assert.equal(types[0], "playbook.initialized");
    assert.equal(types.at(-1), "playbook.completed");
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    // each data line is the event as the events route answers it, NoETL's field names included
    // (live events too: the stream started while the execution ran)
    const streamed = [...text.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1] as string));
    const logged = (await http.get<{ events: unknown[] }>(`/api/executions/${execution_id}/events?limit=500`))
      .events;
    assert.deepEqual(streamed, logged);
    const done = streamed.at(-1) as Record<string, unknown>;
    assert.deepEqual(
      [done.event_type, done.node_name, done.status, typeof done.created_at],
      ["playbook.completed", reg.path, "COMPLETED", "string"],
    );
  });

  it("cancels a running execution", async () => {
    const reg = await http.post<{ path: string }>("/api/catalog/register", { content: pb("slow-middle") });
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path: reg.path });
    await new Promise((r) => setTimeout(r, 200));
    const c = await http.post<{ cancelled: string[] }>(`/api/executions/${execution_id}/cancel`, {
      reason: "test",
    });
    assert.deepEqual(c.cancelled, [execution_id]);
    const w = await http.get<{ status: string }>(`/api/executions/${execution_id}/wait?timeout_ms=5000`);
    assert.equal(w.status, "cancelled");
  });

  it("claims and reports of several commands in one request each", async () => {
    // the remote worker batches what it claims and reports in one turn: a wide loop goes through
    // both multi-command routes
    const big = await runToEnd(pb("big-loop"), { n: 300 });
    assert.equal(big.result.status, "completed");
    assert.deepEqual(big.result.result, { sum: 89_700, n: 300 });
    const claims = await http.post<{ claims: Array<{ status: string }> }>("/api/commands/claim", {
      worker_id: "w",
      command_ids: ["c-unknown-1", "c-unknown-2"],
    });
    assert.deepEqual(claims, { claims: [{ status: "not_found" }, { status: "not_found" }] });
    for (const body of [
      { worker_id: "w", command_ids: [] },
      { worker_id: "w", command_ids: Array.from({ length: 257 }, (_, i) => `c${i}`) },
    ])
      await assert.rejects(
        http.post("/api/commands/claim", body),
        (e: unknown) => e instanceof RemoteError && e.status === 422,
      );
    // each report of a multi-report request stands alone: an unknown execution fails by itself,
    // a report already ingested is taken again without effect
    const { events } = await http.get<{ events: Array<Record<string, unknown>> }>(
      `/api/executions/${big.execution_id}/events?types=call.done&limit=1`,
    );
    const again = events[0] ?? {};
    const before = await eventCount(big.execution_id);
    const multi = await http.post<{
      results: Array<{ ok?: boolean; error?: { status: number; code: string } }>;
    }>("/api/events/reports", {
      reports: [
        {
          execution_id: big.execution_id,
          events: [{ type: again.type, step: again.step, event_id: again.event_id, payload: again.payload }],
        },
        { execution_id: "999999999", events: [{ type: "call.done", event_id: "x-1", payload: {} }] },
      ],
    });
    assert.equal(multi.results[0]?.ok, true);
    assert.equal(multi.results[1]?.error?.status, 404);
    assert.equal(await eventCount(big.execution_id), before, "the repeated report changed nothing");
    // every event of a multi-report request must carry its id (a retry must not ingest twice)
    await assert.rejects(
      http.post("/api/events/reports", {
        reports: [{ execution_id: big.execution_id, events: [{ type: "call.done", payload: {} }] }],
      }),
      (e: unknown) => e instanceof RemoteError && e.status === 422,
    );
    // a worker reports on its commands: it cannot end, cancel or re-initialise an execution
    for (const type of ["playbook.completed", "execution.cancel_requested", "playbook.initialized"])
      await assert.rejects(
        http.post("/api/events", { execution_id: big.execution_id, event: { type, payload: {} } }),
        (e: unknown) => e instanceof RemoteError && e.status === 422,
        type,
      );
    assert.equal(await eventCount(big.execution_id), before, "a refused event was written");
  });

  it("a claim carries the execution's info unless the worker says it holds it", async () => {
    // a step on a pool nobody serves: its command waits to be claimed by hand
    const reg = await http.post<{ path: string }>("/api/catalog/register", {
      content: `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: unserved_pool, path: tests/unserved_pool }
workload: { items: [1, 2, 3] }
workflow:
  - step: start
    spec: { pool: nobody }
    tool: { kind: noop }
`,
    });
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path: reg.path });
    const { events } = await http.get<{ events: Array<{ payload: { command: { command_id: string } } }> }>(
      `/api/executions/${execution_id}/events?types=command.issued`,
    );
    const commandId = events[0]?.payload.command.command_id ?? "";
    type Claim = { status: string; execution?: { workload: unknown } };
    const first = await http.post<Claim>(`/api/commands/${commandId}/claim`, { worker_id: "w" });
    assert.equal(first.status, "claimed");
    assert.deepEqual(first.execution?.workload, { items: [1, 2, 3] });
    const again = await http.post<Claim>(`/api/commands/${commandId}/claim`, {
      worker_id: "w",
      known_executions: [execution_id],
    });
    assert.equal(again.status, "claimed");
    assert.equal(again.execution, undefined);
    const many = await http.post<{ claims: Claim[] }>("/api/commands/claim", {
      worker_id: "w",
      command_ids: [commandId],
      known_executions: ["another"],
    });
    assert.deepEqual(many.claims[0]?.execution?.workload, { items: [1, 2, 3] });
    await http.post(`/api/executions/${execution_id}/cancel`, {});
  });

  it("malformed requests get 400/422 JSON errors; unknown ids 404", async () => {
    const bad = await fetch(`${server.url}/api/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    assert.equal(bad.status, 400);
    assert.ok(((await bad.json()) as { error: { code: string } }).error.code);
    await assert.rejects(
      http.post("/api/execute", { payload: {} }),
      (e: unknown) => e instanceof RemoteError && e.status === 422,
    );
    await assert.rejects(
      http.get("/api/executions/999999"),
      (e: unknown) => e instanceof RemoteError && e.status === 404,
    );
    await assert.rejects(
      http.get("/api/executions/abc"),
      (e: unknown) => e instanceof RemoteError && e.status === 400,
    );
    const invalid = await http
      .post("/api/catalog/register", {
        content: "apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: x}\nworkflow: []",
      })
      .catch((e: unknown) => e);
    assert.ok(invalid instanceof RemoteError && invalid.status === 422);
    assert.ok(JSON.stringify(invalid.details).includes("NOETL_E_DSL_WORKFLOW"));
    const huge = await fetch(`${server.url}/api/catalog/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "x".repeat(11 * 1024 * 1024) }),
    });
    assert.equal(huge.status, 413);
  });

  it("credentials: data only with include_data, never in lists; secrets redacted from events", async () => {
    await http.post("/api/credentials", {
      name: "svc",
      type: "generic",
      data: { token: "s3cr3t-value-xyz" },
    });
    const list = JSON.stringify(await http.get("/api/credentials"));
    assert.ok(list.includes("svc") && !list.includes("s3cr3t"));
    assert.ok(!JSON.stringify(await http.get("/api/credentials/svc")).includes("s3cr3t"));
    const withData = await http.get<{ data: { token: string } }>("/api/credentials/svc?include_data=true");
    assert.equal(withData.data.token, "s3cr3t-value-xyz");
    const leak = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: leak, path: api/leak }
keychain: [{ name: svc, kind: credential }]
workflow:
  - step: a
    tool: { kind: javascript, input: { t: "{{ keychain.svc.token }}" }, code: "return { echoed: t, msg: 'token is ' + t }" }
`;
    const r = await runToEnd(leak);
    assert.equal(r.result.status, "completed");
    const events = JSON.stringify(await http.get(`/api/executions/${r.execution_id}/events`));
    assert.ok(!events.includes("s3cr3t-value-xyz"), "secret leaked into events");
    assert.ok(events.includes("[REDACTED]"));
  });
});

describe("CLI client commands against the server", () => {
  it("catalog register/list/get, exec --wait, status, events, credential via --server", async () => {
    const { spawn } = await import("node:child_process");
    const root = new URL("../../", import.meta.url).pathname;
    const noetl = (...args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [`${root}bin/noetl.js`, ...args, "--server", server.url], {
          cwd: root,
          env: { ...process.env, NOETL_HOME: home, NOETL_LOG_LEVEL: "silent" },
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("close", (code) => resolve({ code, out, err }));
      });
    const reg = await noetl("catalog", "register", "examples/hello.yaml", "--json");
    assert.equal(reg.code, 0, reg.err);
    assert.equal(JSON.parse(reg.out).path, "examples/hello");
    assert.match((await noetl("catalog", "list")).out, /examples\/hello/);
    assert.match((await noetl("catalog", "get", "examples/hello")).out, /kind: Playbook/);
    const run = await noetl("exec", "examples/hello", "--set", "name=Ada", "--wait", "--json");
    assert.equal(run.code, 0, run.err);
    const doc = JSON.parse(run.out);
    assert.deepEqual(doc.result, { message: "HELLO, ADA!", chars: 11 });
    const status = JSON.parse((await noetl("status", doc.execution_id, "--json")).out);
    assert.equal(status.status, "completed");
    const events = (await noetl("events", doc.execution_id, "--json", "--follow")).out.trim().split("\n");
    assert.equal(JSON.parse(events.at(-1) as string).type, "playbook.completed");
    assert.equal(
      (await noetl("credential", "add", "cli_cred", "--type", "generic", "--data", '{"k": "v-secret-1"}'))
        .code,
      0,
    );
    assert.match((await noetl("credential", "list")).out, /cli_cred\tgeneric/);
  });
});

describe("HTTP API bearer token", () => {
  it("rejects requests without the token; health stays open", async () => {
    const bus = new LocalBus();
    const s = await startServer({
      config: { ...config, apiToken: "tok" },
      store: new MemoryStore(),
      bus,
      port: 0,
    });
    try {
      const open = new HttpClient({ baseUrl: s.url });
      assert.deepEqual(await open.get("/api/health"), { status: "ok" });
      await assert.rejects(
        open.get("/api/executions"),
        (e: unknown) => e instanceof RemoteError && e.status === 401,
      );
      const authed = new HttpClient({ baseUrl: s.url, token: "tok" });
      assert.ok(await authed.get("/api/executions"));
    } finally {
      await s.close();
    }
  });

  it("refuses to bind a non-loopback address without a token", async () => {
    await assert.rejects(
      startServer({ config, store: new MemoryStore(), bus: new LocalBus(), host: "0.0.0.0", port: 0 }),
      /NOETL_API_TOKEN/,
    );
  });
});

/**
 * The request and response shapes NoETL's own clients use (reference §7), beside ours: base64
 * playbook content, the catalog list filter in a POST body, `POST /api/catalog/resource`,
 * execute by `catalog_id` and `version: latest`, the status fields clients poll on, events by
 * `page`/`page_size`/`event_type`, and `/health`.
 */
describe("NoETL client shapes", () => {
  it("register base64 content, find it by a POST body, run it by catalog_id and latest", async () => {
    const reg = await http.post<{ catalog_id: string; path: string; version: number }>(
      "/api/catalog/register",
      {
        content: Buffer.from(pb("linear")).toString("base64"),
      },
    );
    assert.equal(reg.path, "e2e/linear");
    const listed = await http.post<{ entries: Array<{ path: string }> }>("/api/catalog/list", {
      path: reg.path,
    });
    assert.ok(listed.entries.length >= 1 && listed.entries.every((e) => e.path === reg.path));
    const resource = await http.post<{ content: string; version: number }>("/api/catalog/resource", {
      path: reg.path,
      version: "latest",
    });
    assert.equal(resource.content, pb("linear"));
    for (const body of [{ catalog_id: reg.catalog_id }, { path: reg.path, version: "latest" }]) {
      const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", body);
      await http.get(`/api/executions/${execution_id}/wait?timeout_ms=20000`, { timeoutMs: 25_000 });
      const status = await http.get<Record<string, unknown>>(`/api/executions/${execution_id}/status`);
      assert.deepEqual(
        [status.status, status.completed, status.failed, status.is_cancelled],
        ["completed", true, false, false],
        JSON.stringify(body),
      );
      const page = await http.get<{ events: Array<{ seq: number; type: string }>; page: number }>(
        `/api/executions/${execution_id}/events?page=2&page_size=3`,
      );
      assert.deepEqual(
        page.events.map((e) => e.seq),
        [4, 5, 6],
      );
      const done = await http.get<{ events: Array<{ type: string }> }>(
        `/api/executions/${execution_id}/events?event_type=call.done`,
      );
      assert.ok(done.events.length === 3 && done.events.every((e) => e.type === "call.done"));
    }
  });

  it("/health answers as /api/health does", async () => {
    assert.deepEqual(await http.get("/health"), { status: "ok" });
  });
});

/** The NoETL routes and fields beside ours (reference §7): each backed by the store and the engine. */
describe("NoETL API additions", () => {
  type View = {
    type: string;
    at: number;
    step?: string;
    event_type: string;
    node_name: string;
    created_at: string;
    status: string;
  };

  it("events carry event_type, node_name, created_at and status beside our fields", async () => {
    const { execution_id } = await runToEnd(pb("linear"));
    const { events } = await http.get<{ events: View[] }>(`/api/executions/${execution_id}/events`);
    for (const e of events) {
      assert.equal(e.event_type, e.type);
      assert.equal(e.created_at, new Date(e.at).toISOString());
      assert.equal(e.node_name, e.step ?? (e.type.startsWith("workflow.") ? "workflow" : "e2e/linear"));
    }
    const statusOf = (type: string) => events.find((e) => e.type === type)?.status;
    assert.deepEqual(
      [
        "playbook.initialized",
        "command.issued",
        "step.enter",
        "call.done",
        "workflow.completed",
        "playbook.completed",
      ].map(statusOf),
      ["RUNNING", "PENDING", "RUNNING", "COMPLETED", "COMPLETED", "COMPLETED"],
    );
    assert.equal(events.find((e) => e.type === "call.done")?.node_name, "a");
    const detail = await http.get<{ status: string; events: View[]; pagination: Record<string, unknown> }>(
      `/api/executions/${execution_id}?page_size=10&page=2`,
    );
    assert.equal(detail.status, "completed");
    assert.deepEqual(
      detail.events.map((e) => e.event_type),
      events.slice(10, 20).map((e) => e.type),
    );
    assert.deepEqual(detail.pagination, { page: 2, page_size: 10, has_more: events.length > 20 });
    const bare = await http.get<Record<string, unknown>>(
      `/api/executions/${execution_id}?include_events=false`,
    );
    assert.equal(bare.events, undefined);
    assert.equal(bare.status, "completed");
  });

  it("cancellation-check reports whether an execution was cancelled", async () => {
    const reg = await http.post<{ path: string }>("/api/catalog/register", { content: pb("slow-middle") });
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", { path: reg.path });
    const check = () =>
      http.get<Record<string, unknown>>(`/api/executions/${execution_id}/cancellation-check`);
    assert.deepEqual(await check(), {
      execution_id,
      cancelled: false,
      is_cancelled: false,
      status: "running",
      completed: false,
      failed: false,
    });
    await http.post(`/api/executions/${execution_id}/cancel`, { reason: "test" });
    await http.get(`/api/executions/${execution_id}/wait?timeout_ms=5000`);
    assert.deepEqual(await check(), {
      execution_id,
      cancelled: true,
      is_cancelled: true,
      status: "cancelled",
      completed: true,
      failed: false,
    });
    await assert.rejects(
      http.get("/api/executions/999999/cancellation-check"),
      (e: unknown) =>
        e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_EXECUTION_NOT_FOUND",
    );
  });

  it("catalog delete archives entries: not listed nor started, running executions go on; restore", async () => {
    const content = pb("slow-middle").replace("e2e/slow-middle", "api/deletable");
    const v1 = await http.post<{ catalog_id: string }>("/api/catalog/register", { content });
    const v2 = await http.post<{ catalog_id: string }>("/api/catalog/register", { content });
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", {
      path: "api/deletable",
    });
    const one = await http.post("/api/catalog/delete", { path: "api/deletable", version: 2 });
    assert.deepEqual(one, {
      status: "deleted",
      message: "deleted version 2 of api/deletable",
      path: "api/deletable",
      deleted: [{ catalog_id: v2.catalog_id, version: 2 }],
      count: 1,
    });
    const latest = await http.post<{ version: number }>("/api/catalog/resource", { path: "api/deletable" });
    assert.equal(latest.version, 1);
    const all = await http.post<{ count: number; deleted: unknown[] }>("/api/catalog/delete", {
      path: "api/deletable",
    });
    assert.deepEqual(all.deleted, [{ catalog_id: v1.catalog_id, version: 1 }]);
    const listed = await http.post<{ entries: unknown[] }>("/api/catalog/list", { path: "api/deletable" });
    assert.deepEqual(listed.entries, []);
    const archived = await http.post<{ entries: Array<{ version: number; archived_at?: number }> }>(
      "/api/catalog/list",
      { path: "api/deletable", include_archived: true },
    );
    assert.deepEqual(
      archived.entries.map((e) => [e.version, typeof e.archived_at]),
      [
        [2, "number"],
        [1, "number"],
      ],
    );
    const gone = (e: unknown) =>
      e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_CATALOG_NOT_FOUND";
    for (const body of [
      { path: "api/deletable" },
      { path: "api/deletable", version: 1 },
      { catalog_id: v1.catalog_id },
    ])
      await assert.rejects(http.post("/api/execute", body), gone, JSON.stringify(body));
    await assert.rejects(http.post("/api/catalog/delete", { path: "api/deletable" }), gone);
    await assert.rejects(http.post("/api/catalog/delete", { path: "api/never-registered" }), gone);
    await assert.rejects(
      http.post("/api/catalog/delete", { version: 1 }),
      (e: unknown) => e instanceof RemoteError && e.status === 422,
    );
    // the execution started before goes on to the end
    const w = await http.get<{ status: string }>(`/api/executions/${execution_id}/wait?timeout_ms=20000`, {
      timeoutMs: 25_000,
    });
    assert.equal(w.status, "completed");
    const restored = await http.post<Record<string, unknown>>("/api/catalog/restore", {
      path: "api/deletable",
      version: "1",
    });
    assert.deepEqual(restored, {
      status: "restored",
      message: "restored version 1 of api/deletable",
      path: "api/deletable",
      restored: [{ catalog_id: v1.catalog_id, version: 1 }],
      count: 1,
    });
    await assert.rejects(http.post("/api/catalog/restore", { path: "api/deletable", version: 1 }), gone);
    const again = await http.post<{ execution_id: string }>("/api/execute", { path: "api/deletable" });
    await http.post(`/api/executions/${again.execution_id}/cancel`, {});
  });

  it("execute/batch starts each request on its own; a bad one gives an error item", async () => {
    const reg = await http.post<{ path: string }>("/api/catalog/register", { content: pb("linear") });
    type Item = { execution_id?: string; status?: string; error?: { status: number; code: string } };
    const batch = await http.post<{ results: Item[]; started: number; failed: number }>(
      "/api/execute/batch",
      [
        { path: reg.path, payload: { start: 2 } },
        { path: "api/never-registered" },
        { payload: {} },
        { path: reg.path, workload: { start: 5 } },
      ],
    );
    assert.deepEqual(
      batch.results.map((r) => r.status ?? r.error?.status),
      ["running", 404, 422, "running"],
    );
    assert.equal(batch.results[1]?.error?.code, "NOETL_E_CATALOG_NOT_FOUND");
    assert.equal(batch.results[2]?.error?.code, "NOETL_E_API_VALIDATION");
    assert.deepEqual([batch.started, batch.failed], [2, 2]);
    const values = [];
    for (const r of [batch.results[0], batch.results[3]]) {
      await http.get(`/api/executions/${r?.execution_id}/wait?timeout_ms=20000`, { timeoutMs: 25_000 });
      values.push(
        (await http.get<{ result: { value: number } }>(`/api/executions/${r?.execution_id}/result`)).result
          .value,
      );
    }
    assert.deepEqual(values, [31, 61]);
    const wrapped = await http.post<{ results: Item[] }>("/api/execute/batch", {
      requests: [{ path: reg.path }],
    });
    assert.equal(wrapped.results[0]?.status, "running");
    for (const body of [[], {}, { requests: "x" }])
      await assert.rejects(
        http.post("/api/execute/batch", body),
        (e: unknown) => e instanceof RemoteError && e.status === 422,
      );
  });

  it("execute and execute/batch start at entry_step; a step the playbook lacks is a 404", async () => {
    const content = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: entry_step, path: api/entry-step }
workload: { n: 1 }
workflow:
  - step: a
    tool: { kind: javascript, input: { n: "{{ workload.n }}" }, code: "return n + 1" }
    next: { arcs: [{ step: b }] }
  - step: b
    tool: { kind: javascript, input: { n: "{{ workload.n }}" }, code: "return n * 100" }
`;
    const reg = await http.post<{ path: string }>("/api/catalog/register", { content });
    const outcome = async (execution_id: string) => {
      await http.get(`/api/executions/${execution_id}/wait?timeout_ms=20000`, { timeoutMs: 25_000 });
      const r = await http.get<{ result: unknown; runs: Record<string, number> }>(
        `/api/executions/${execution_id}/result`,
      );
      return [r.result, r.runs];
    };
    const one = await http.post<{ execution_id: string }>("/api/execute", {
      path: reg.path,
      entry_step: "b",
      payload: { n: 3 },
    });
    assert.deepEqual(await outcome(one.execution_id), [300, { b: 1 }]);
    const events = await http.get<{ events: Array<{ type: string; payload: { entry_step?: string } }> }>(
      `/api/executions/${one.execution_id}/events`,
    );
    assert.equal(events.events.find((e) => e.type === "playbook.initialized")?.payload.entry_step, "b");
    await assert.rejects(
      http.post("/api/execute", { content, entry_step: "nope" }),
      (e: unknown) => e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_STEP_NOT_FOUND",
    );
    type Item = { execution_id?: string; error?: { status: number; code: string } };
    const batch = await http.post<{ results: Item[]; started: number }>("/api/execute/batch", [
      { path: reg.path, entry_step: "b" },
      { path: reg.path, entry_step: "nope" },
      { path: reg.path },
    ]);
    assert.equal(batch.started, 2);
    assert.deepEqual(batch.results[1]?.error, {
      status: 404,
      code: "NOETL_E_STEP_NOT_FOUND",
      message: "playbook 'api/entry-step' has no step 'nope' to start at",
    });
    assert.deepEqual(await outcome(batch.results[0]?.execution_id as string), [100, { b: 1 }]);
    assert.deepEqual(await outcome(batch.results[2]?.execution_id as string), [100, { a: 1, b: 1 }]);
  });

  it("context/render renders against the execution's state; strict by default; no secrets", async () => {
    const { execution_id } = await runToEnd(pb("linear"));
    type Rendered = { status: string; rendered: unknown; context_keys: string[] };
    const render = (body: object) => http.post<Rendered>("/api/context/render", { execution_id, ...body });
    const text = await render({
      template: "{{ a.value }}-{{ ctx.after_a }}-{{ workload.start }}-{{ start }}",
    });
    assert.deepEqual([text.status, text.rendered], ["ok", "2-2-1-1"]);
    for (const name of ["a", "b", "c", "ctx", "workload", "execution_id", "start", "after_a"])
      assert.ok(text.context_keys.includes(name), name);
    assert.deepEqual((await render({ template: "{{ c }}" })).rendered, { value: 21, seen: 2 });
    const extra = await render({
      template: { sum: "{{ k + b.value }}", a: "{{ a }}" },
      extra_context: { k: 5, a: 0 },
    });
    assert.deepEqual(extra.rendered, { sum: 25, a: 0 });
    assert.ok(extra.context_keys.includes("k"));
    const undefinedName = (e: unknown) =>
      e instanceof RemoteError && e.status === 400 && e.code === "NOETL_E_TEMPLATE_UNDEFINED";
    await assert.rejects(render({ template: "x{{ nope }}" }), undefinedName);
    assert.equal((await render({ template: "x{{ nope }}", strict: false })).rendered, "x");
    await assert.rejects(
      http.post("/api/context/render", { execution_id: "999999", template: "x" }),
      (e: unknown) =>
        e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_EXECUTION_NOT_FOUND",
    );
    await assert.rejects(render({}), (e: unknown) => e instanceof RemoteError && e.status === 422);
    // credentials and keychain values are not in the engine's state
    await http.post("/api/credentials", {
      name: "render_svc",
      type: "generic",
      data: { token: "r3nder-s3cret" },
    });
    const leaky = await runToEnd(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: render_leak, path: api/render-leak }
keychain: [{ name: render_svc, kind: credential }]
workflow:
  - step: a
    tool: { kind: javascript, input: { t: "{{ keychain.render_svc.token }}" }, code: "return { echoed: t }" }
    set: { ctx.tok: "{{ output.data.echoed }}" }
`);
    assert.equal(leaky.result.status, "completed");
    const seen = await http.post<Rendered>("/api/context/render", {
      execution_id: leaky.execution_id,
      template: "{{ a }} {{ ctx }} {{ keychain | default('none') }}",
    });
    assert.ok(!JSON.stringify(seen).includes("r3nder-s3cret"), JSON.stringify(seen));
    assert.match(String(seen.rendered), /REDACTED/);
    assert.match(String(seen.rendered), / none$/);
    assert.ok(!seen.context_keys.includes("keychain"));
  });

  it("replay/state rebuilds the state from the event log", async () => {
    type Replayed = {
      execution_id: string;
      last_seq: number;
      state: { status: string; ctx: object; steps: object; runs: object; in_flight: Array<{ step: string }> };
    };
    const { execution_id } = await runToEnd(pb("linear"));
    const replayed = await http.get<Replayed>(`/api/replay/state?execution_id=${execution_id}`);
    const detail = await http.get<{ steps: object; runs: object; last_seq: number }>(
      `/api/executions/${execution_id}?include_events=false`,
    );
    assert.equal(replayed.execution_id, execution_id);
    assert.equal(replayed.last_seq, await eventCount(execution_id));
    assert.equal(replayed.state.status, "completed");
    assert.deepEqual(replayed.state.ctx, { after_a: 2 });
    assert.deepEqual([replayed.state.steps, replayed.state.runs], [detail.steps, detail.runs]);
    // a running execution: its command in flight
    const reg = await http.post<{ path: string }>("/api/catalog/register", { content: pb("slow-middle") });
    const running = await http.post<{ execution_id: string }>("/api/execute", { path: reg.path });
    // b takes 1.5 s: replayed while it runs (polled until a is done)
    let mid = await http.get<Replayed>(`/api/replay/state?execution_id=${running.execution_id}`);
    for (let i = 0; i < 50 && mid.state.in_flight[0]?.step !== "b"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      mid = await http.get<Replayed>(`/api/replay/state?execution_id=${running.execution_id}`);
    }
    assert.equal(mid.state.status, "running");
    assert.deepEqual(
      mid.state.in_flight.map((f) => f.step),
      ["b"],
    );
    await http.post(`/api/executions/${running.execution_id}/cancel`, {});
    await assert.rejects(
      http.get("/api/replay/state?execution_id=999999"),
      (e: unknown) =>
        e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_EXECUTION_NOT_FOUND",
    );
    await assert.rejects(
      http.get("/api/replay/state"),
      (e: unknown) => e instanceof RemoteError && e.status === 400,
    );
  });

  describe("patching, tokens and forced ends of a running execution", () => {
    const rejectsWith = (p: Promise<unknown>, status: number, code: string) =>
      assert.rejects(p, (e: unknown) => e instanceof RemoteError && e.status === status && e.code === code);
    const start = async () => {
      const reg = await http.post<{ path: string }>("/api/catalog/register", { content: pb("injection") });
      return (await http.post<{ execution_id: string }>("/api/execute", { path: reg.path })).execution_id;
    };
    const wait = (id: string) =>
      http.get(`/api/executions/${id}/wait?timeout_ms=20000`, { timeoutMs: 25_000 });
    type Result = {
      status: string;
      result: unknown;
      error: { code: string } | null;
      steps: Record<string, unknown>;
    };
    const result = (id: string) => http.get<Result>(`/api/executions/${id}/result`);
    const types = async (id: string) =>
      (await http.get<{ events: Array<{ type: string; step?: string }> }>(`/api/executions/${id}/events`))
        .events;

    it("events: pages count the events of the types asked; since_event_id", async () => {
      const { execution_id } = await runToEnd(pb("linear"));
      const all = (await types(execution_id)) as Array<{ type: string; event_id: string; step?: string }>;
      const issued = all.filter((e) => e.type === "command.issued");
      assert.equal(issued.length, 3);
      const page = await http.get<{ events: Array<{ event_id: string }>; page: number }>(
        `/api/executions/${execution_id}/events?event_type=command.issued&page_size=1&page=2`,
      );
      assert.deepEqual(
        page.events.map((e) => e.event_id),
        [issued[1]?.event_id],
      );
      const past = await http.get<{ events: unknown[] }>(
        `/api/executions/${execution_id}/events?event_type=command.issued&page_size=2&page=3`,
      );
      assert.deepEqual(past.events, []);
      const detail = await http.get<{ events: Array<{ step: string }>; pagination: { has_more: boolean } }>(
        `/api/executions/${execution_id}?event_type=command.issued&page_size=2&page=2`,
      );
      assert.deepEqual(
        detail.events.map((e) => e.step),
        ["c"],
      );
      assert.equal(detail.pagination.has_more, false);
      const since = await http.get<{ events: Array<{ event_id: string }> }>(
        `/api/executions/${execution_id}/events?since_event_id=${all[3]?.event_id}`,
      );
      assert.deepEqual(
        since.events.map((e) => e.event_id),
        all.slice(4).map((e) => e.event_id),
      );
      const sinceOfType = await http.get<{ events: Array<{ event_id: string }> }>(
        `/api/executions/${execution_id}/events?since_event_id=${issued[0]?.event_id}&event_type=command.issued&page_size=1&page=2`,
      );
      assert.deepEqual(
        sinceOfType.events.map((e) => e.event_id),
        [issued[2]?.event_id],
      );
      await rejectsWith(
        http.get(`/api/executions/${execution_id}/events?since_event_id=42`),
        404,
        "NOETL_E_EVENT_NOT_FOUND",
      );
    });

    it("vars: read, write, delete a running execution's ctx as events; steps see it; 409 once finished", async () => {
      const id = await start();
      type Vars = { execution_id: string; variables: Record<string, { value: unknown }>; count: number };
      const written = await http.post<Vars & { event_id: string }>(`/api/vars/${id}`, {
        variables: { greeting: "hi", gone: 1 },
        source_step: "outside",
      });
      assert.equal(written.count, 2);
      assert.deepEqual(written.variables.greeting, {
        value: "hi",
        type: "user_defined",
        source_step: "outside",
      });
      const read = await http.get<Vars>(`/api/vars/${id}`);
      assert.deepEqual(read, {
        execution_id: id,
        variables: { greeting: { value: "hi" }, gone: { value: 1 } },
        count: 2,
      });
      assert.deepEqual(await http.get(`/api/vars/${id}/greeting`), {
        execution_id: id,
        var_name: "greeting",
        value: "hi",
      });
      assert.deepEqual((await http.delete<{ deleted: string[] }>(`/api/vars/${id}/gone`)).deleted, ["gone"]);
      await rejectsWith(http.get(`/api/vars/${id}/gone`), 404, "NOETL_E_VAR_NOT_FOUND");
      await rejectsWith(http.delete(`/api/vars/${id}/gone`), 404, "NOETL_E_VAR_NOT_FOUND");
      await rejectsWith(http.post(`/api/vars/${id}`, { variables: {} }), 422, "NOETL_E_API_VALIDATION");
      assert.deepEqual((await http.get<{ ctx: object }>(`/api/executions/${id}/vars`)).ctx, {
        greeting: "hi",
      });
      await wait(id);
      const done = await result(id);
      assert.equal(done.status, "completed");
      assert.deepEqual(done.steps.b, { g: "hi" }); // step b read the patched ctx
      const patches = (await types(id)).filter((e) => e.type === "ctx.updated");
      assert.equal(patches.length, 2);
      await rejectsWith(
        http.post(`/api/vars/${id}`, { variables: { late: 1 } }),
        409,
        "NOETL_E_EXECUTION_FINISHED",
      );
      await rejectsWith(http.delete(`/api/vars/${id}/greeting`), 409, "NOETL_E_EXECUTION_FINISHED");
      await rejectsWith(http.delete(`/api/vars/${id}`), 409, "NOETL_E_EXECUTION_FINISHED");
      assert.deepEqual((await http.get<Vars>(`/api/vars/${id}`)).count, 1);
      await rejectsWith(http.get("/api/vars/999999"), 404, "NOETL_E_EXECUTION_NOT_FOUND");
      const other = await start();
      await http.post(`/api/vars/${other}`, { variables: { x: 1, y: 2 } });
      const cleared = await http.delete<{ deleted: string[]; count: number }>(`/api/vars/${other}`);
      assert.deepEqual([cleared.deleted.sort(), cleared.count], [["x", "y"], 2]);
      assert.equal((await http.get<Vars>(`/api/vars/${other}`)).count, 0);
      await http.post(`/api/executions/${other}/cancel`, {});
    });

    it("tokens enter a step of a running execution with their input; 404/422/409 otherwise", async () => {
      const id = await start();
      const accepted = await http.post<{ status: string; step: string; event_id: string }>(
        `/api/executions/${id}/tokens`,
        { step: "hook", input: { n: 21 } },
      );
      assert.deepEqual([accepted.status, accepted.step], ["accepted", "hook"]);
      await rejectsWith(
        http.post(`/api/executions/${id}/tokens`, { step: "nope" }),
        404,
        "NOETL_E_STEP_NOT_FOUND",
      );
      await rejectsWith(
        http.post(`/api/executions/${id}/tokens`, { input: {} }),
        422,
        "NOETL_E_API_VALIDATION",
      );
      await wait(id);
      const done = await result(id);
      assert.equal(done.status, "completed");
      assert.equal(done.steps.hook, 42);
      const log = await types(id);
      const token = log.findIndex((e) => e.type === "token.injected");
      assert.equal(log[token]?.step, "hook");
      assert.equal(log[token + 1]?.type, "command.issued");
      assert.equal(log[token + 1]?.step, "hook");
      await rejectsWith(
        http.post(`/api/executions/${id}/tokens`, { step: "hook" }),
        409,
        "NOETL_E_EXECUTION_FINISHED",
      );
      await rejectsWith(
        http.post("/api/executions/999999/tokens", { step: "hook" }),
        404,
        "NOETL_E_EXECUTION_NOT_FOUND",
      );
    });

    it("finalize forces a running execution to fail (or complete) with terminal events; idempotent", async () => {
      const id = await start();
      const out = await http.post(`/api/executions/${id}/finalize`, { reason: "stuck" });
      assert.deepEqual(out, { execution_id: id, finalized: true, status: "failed", finalized_children: [] });
      const failed = await result(id);
      assert.equal(failed.status, "failed");
      assert.equal(failed.error?.code, "NOETL_E_FINALIZED");
      assert.deepEqual(
        (await types(id)).slice(-4).map((e) => e.type),
        ["execution.finalize_requested", "command.cancelled", "workflow.failed", "playbook.failed"],
      );
      assert.deepEqual(await http.post(`/api/executions/${id}/finalize`, { status: "COMPLETED" }), {
        execution_id: id,
        finalized: false,
        status: "failed",
        finalized_children: [],
      });
      const other = await start();
      assert.deepEqual(await http.post(`/api/executions/${other}/finalize`, { status: "COMPLETED" }), {
        execution_id: other,
        finalized: true,
        status: "completed",
        finalized_children: [],
      });
      await rejectsWith(
        http.post(`/api/executions/${other}/finalize`, { status: "paused" }),
        422,
        "NOETL_E_API_VALIDATION",
      );
      // the worker's late report of the cancelled command changes nothing
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await result(id)).status, "failed");
      assert.equal((await result(other)).status, "completed");
    });

    it("finalize cascades to the child executions (sub-playbooks), which end failed; cascade: false spares them", async () => {
      const child = (name: string) => `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: ${name}, path: api/${name} }
workflow:
  - step: slow
    tool: { kind: javascript, code: "await new Promise((r) => setTimeout(r, 1500)); return 1" }
`;
      const parent = (name: string, childName: string) => `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: ${name}, path: api/${name} }
workflow:
  - step: call
    tool: { kind: playbook, path: api/${childName} }
`;
      await http.post("/api/catalog/register", { content: child("finalize-child") });
      await http.post("/api/catalog/register", { content: parent("finalize-mid", "finalize-child") });
      const top = await http.post<{ path: string }>("/api/catalog/register", {
        content: parent("finalize-top", "finalize-mid"),
      });
      const childrenOf = async (id: string) => {
        for (let i = 0; i < 100; i++) {
          const { executions } = await http.get<{ executions: Array<{ execution_id: string }> }>(
            `/api/executions?parent_execution_id=${id}`,
          );
          if (executions.length > 0) return executions.map((e) => e.execution_id);
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`execution ${id} started no child`);
      };
      const id = (await http.post<{ execution_id: string }>("/api/execute", { path: top.path })).execution_id;
      const [mid] = await childrenOf(id);
      const [leaf] = await childrenOf(mid as string);
      const out = await http.post(`/api/executions/${id}/finalize`, { status: "completed", reason: "stuck" });
      assert.deepEqual(out, {
        execution_id: id,
        finalized: true,
        status: "completed",
        finalized_children: [mid, leaf],
      });
      for (const descendant of [mid, leaf]) {
        const r = await result(descendant as string);
        assert.equal(r.status, "failed");
        assert.equal(r.error?.code, "NOETL_E_FINALIZED");
      }
      const spared = (await http.post<{ execution_id: string }>("/api/execute", { path: top.path }))
        .execution_id;
      const [spareMid] = await childrenOf(spared);
      const kept = await http.post(`/api/executions/${spared}/finalize`, { cascade: false });
      assert.deepEqual(kept, {
        execution_id: spared,
        finalized: true,
        status: "failed",
        finalized_children: [],
      });
      assert.equal((await result(spareMid as string)).status, "running");
      await http.post(`/api/executions/${spareMid}/cancel`, {});
    });
  });
});

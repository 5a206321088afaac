/**
 * The API server as a whole (through test/support/api-stack.ts): health, OpenAPI and metrics,
 * malformed requests, the bearer token.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServer } from "../../src/app/index.ts";
import { LocalBus } from "../../src/bus/local/index.ts";
import { HttpClient, RemoteError } from "../../src/client/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";
import { type ApiStack, apiStack } from "../support/api-stack.ts";

let api: ApiStack;
before(async () => {
  api = await apiStack();
});
after(() => api.close());

describe("HTTP API + remote worker", () => {
  it("health, OpenAPI and metrics", async () => {
    assert.deepEqual(await api.http.get("/api/health"), { status: "ok" });
    const res = await fetch(`${api.server.url}/docs/json`);
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as { paths: object }).paths);
    const metrics = await (await fetch(`${api.server.url}/metrics`)).text();
    assert.match(metrics, /noetl_up 1/);
  });

  it("malformed requests get 400/422 JSON errors; unknown ids 404", async () => {
    const bad = await fetch(`${api.server.url}/api/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    assert.equal(bad.status, 400);
    assert.ok(((await bad.json()) as { error: { code: string } }).error.code);
    await assert.rejects(
      api.http.post("/api/execute", { payload: {} }),
      (e: unknown) => e instanceof RemoteError && e.status === 422,
    );
    await assert.rejects(
      api.http.get("/api/executions/999999"),
      (e: unknown) => e instanceof RemoteError && e.status === 404,
    );
    await assert.rejects(
      api.http.get("/api/executions/abc"),
      (e: unknown) => e instanceof RemoteError && e.status === 400,
    );
    const invalid = await api.http
      .post("/api/catalog/register", {
        content: "apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: x}\nworkflow: []",
      })
      .catch((e: unknown) => e);
    assert.ok(invalid instanceof RemoteError && invalid.status === 422);
    assert.ok(JSON.stringify(invalid.details).includes("NOETL_E_DSL_WORKFLOW"));
    const huge = await fetch(`${api.server.url}/api/catalog/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "x".repeat(11 * 1024 * 1024) }),
    });
    assert.equal(huge.status, 413);
  });
});

describe("HTTP API bearer token", () => {
  it("rejects requests without the token; health stays open", async () => {
    const bus = new LocalBus();
    const s = await startServer({
      config: { ...api.config, apiToken: "tok" },
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
      startServer({
        config: api.config,
        store: new MemoryStore(),
        bus: new LocalBus(),
        host: "0.0.0.0",
        port: 0,
      }),
      /NOETL_API_TOKEN/,
    );
  });
});

/** NoETL's own clients poll `/health` (reference §7). */
describe("NoETL client shapes", () => {
  it("/health answers as /api/health does", async () => {
    assert.deepEqual(await api.http.get("/health"), { status: "ok" });
  });
});

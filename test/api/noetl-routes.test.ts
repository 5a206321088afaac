/**
 * NoETL's result, cleanup and ui_schema routes over real HTTP, on each deployment's store: a
 * server on the in-memory store, an embedded app serving its API (`noetl run --ui`, SQLite), and
 * a server on PostgreSQL (skipped, with the reason printed, when it is not reachable). No worker
 * runs: the executions started here stay running, as stuck ones do. The clock is a FakeClock, so
 * ages are the suite's to choose.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { embedded, readConfig, serveEmbeddedUi, startServer } from "../../src/app/index.ts";
import { LocalBus } from "../../src/bus/local/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";
import { PostgresStore } from "../../src/store/postgres/index.ts";
import { FakeClock, PG_URL, postgresSkipReason } from "../../src/testing/index.ts";

const home = mkdtempSync(join(tmpdir(), "noetl-api-noetl-"));
const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "test-key" });
after(() => rmSync(home, { recursive: true, force: true }));

interface Deployment {
  url: string;
  close(): Promise<void>;
}

const pgSchema = `noetl_apiroutes${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const backends: Array<{
  name: string;
  store: string;
  skip?: string;
  open(clock: FakeClock): Promise<Deployment>;
}> = [
  {
    name: "server, in-memory store",
    store: "memory",
    async open(clock) {
      const server = await startServer({
        config,
        store: new MemoryStore(),
        bus: new LocalBus(),
        port: 0,
        clock,
      });
      return { url: server.url, close: () => server.close() };
    },
  },
  {
    name: "embedded app serving its API (SQLite)",
    store: "db",
    async open(clock) {
      const app = await embedded({ config, dbPath: join(home, "embedded.db"), startWorker: false, clock });
      const ui = await serveEmbeddedUi(app, 0);
      return {
        url: ui.url,
        async close() {
          await ui.close();
          await app.close();
        },
      };
    },
  },
  {
    name: "server, PostgreSQL store",
    store: "db",
    ...((s) => (s ? { skip: s } : {}))(await postgresSkipReason()),
    async open(clock) {
      const store = new PostgresStore({ url: PG_URL, schema: pgSchema });
      const server = await startServer({ config, store, bus: new LocalBus(), port: 0, clock });
      return {
        url: server.url,
        async close() {
          await server.close();
          const client = new pg.Client({ connectionString: PG_URL });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
          await client.end();
        },
      };
    },
  },
];

const playbook = (path: string, workload: object) =>
  JSON.stringify({
    apiVersion: "noetl.io/v2",
    kind: "Playbook",
    metadata: { name: path.replaceAll("/", "_"), path },
    workload,
    workflow: [{ step: "start", tool: { kind: "noop" } }],
  });

// biome-ignore lint/suspicious/noExplicitAny: replies are read field by field
type Reply = { status: number; body: any };

for (const backend of backends) {
  describe(`NoETL routes: ${backend.name}`, { ...(backend.skip ? { skip: backend.skip } : {}) }, () => {
    const clock = new FakeClock(Date.now());
    let deployment: Deployment;
    const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
      const res = await fetch(`${deployment.url}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
      return { status: res.status, body: await res.json() };
    };
    const ok = async (method: string, path: string, body?: unknown) => {
      const r = await call(method, path, body);
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    /** Registers a playbook and starts it; with no worker it stays running. */
    const start = async (path: string): Promise<string> => {
      await ok("POST", "/api/catalog/register", { content: playbook(path, {}) });
      return (await ok("POST", "/api/execute", { path })).execution_id;
    };
    const status = async (id: string): Promise<string> =>
      (await ok("GET", `/api/executions/${id}/status`)).status;

    before(async () => {
      deployment = await backend.open(clock);
    });
    after(async () => deployment?.close());

    it("PUT /api/result stores a value by reference; resolve reads it back", async () => {
      const id = await start("results/holder");
      const data = {
        rows: [
          [1, "é"],
          [2, "✓"],
        ],
        next: null,
      };
      const text = JSON.stringify(data);
      const put = await call("PUT", `/api/result/${id}`, { name: "rows", data, source_step: "fetch" });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.deepEqual(Object.keys(put.body).sort(), [
        "bytes",
        "expires_at",
        "ref",
        "scope",
        "sha256",
        "store",
      ]);
      assert.match(put.body.ref, new RegExp(`^noetl://execution/${id}/result/rows/[0-9a-f]+$`));
      assert.equal(put.body.store, backend.store);
      assert.equal(put.body.scope, "execution");
      assert.equal(put.body.bytes, Buffer.byteLength(text));
      assert.equal(put.body.sha256, createHash("sha256").update(text).digest("hex"));
      assert.equal(put.body.expires_at, null);
      // stored: both resolve routes read the value back from the store
      const resolved = await ok("GET", `/api/result/resolve?ref=${encodeURIComponent(put.body.ref)}`);
      assert.deepEqual(resolved, { ref: put.body.ref, data });
      assert.deepEqual(await ok("GET", `/api/results?ref=${encodeURIComponent(put.body.ref)}`), resolved);
      const scoped = await ok("PUT", `/api/result/${id}`, { name: "page", data: 7, scope: "step" });
      assert.equal(scoped.scope, "step");
      assert.deepEqual(
        (await ok("GET", `/api/result/resolve?ref=${encodeURIComponent(scoped.ref)}`)).data,
        7,
      );
    });

    it("result routes: 404 for an unknown execution or reference, 422 for a bad body", async () => {
      const id = await start("results/errors");
      const unknown = await call("PUT", "/api/result/999999999", { name: "x", data: 1 });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, "NOETL_E_EXECUTION_NOT_FOUND");
      for (const body of [{ name: "x" }, { data: 1 }, { name: "x", data: 1, scope: "forever" }])
        assert.equal((await call("PUT", `/api/result/${id}`, body)).status, 422, JSON.stringify(body));
      const missing = await call(
        "GET",
        `/api/result/resolve?ref=${encodeURIComponent(`noetl://execution/${id}/result/none/0`)}`,
      );
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "REFERENCE_NOT_AVAILABLE");
      assert.equal((await call("GET", "/api/result/resolve")).status, 422);
    });

    it("cleanup cancels the executions with no event for N minutes; dry_run only lists them", async () => {
      const stuck = await start("cleanup/stuck");
      clock.advance(10 * 60_000);
      const fresh = await start("cleanup/fresh");
      // executions of the tests above are older still: only the ones of this test are looked at
      const mine = (ids: string[]) => ids.filter((x) => x === stuck || x === fresh);

      const dry = await ok("POST", "/api/executions/cleanup", { older_than_minutes: 5, dry_run: true });
      assert.deepEqual(mine(dry.execution_ids), [stuck]);
      assert.equal(dry.cancelled_count, dry.execution_ids.length);
      assert.match(dry.message, /dry run/);
      assert.equal(await status(stuck), "running");

      const done = await ok("POST", "/api/executions/cleanup", { older_than_minutes: 5 });
      assert.deepEqual(mine(done.execution_ids), [stuck]);
      assert.equal(done.cancelled_count, done.execution_ids.length);
      assert.equal(await status(stuck), "cancelled");
      assert.equal(await status(fresh), "running");
      const { events } = await ok("GET", `/api/executions/${stuck}/events?types=execution.cancel_requested`);
      assert.equal(events.length, 1);
      assert.match(events[0].payload.reason, /^cleanup: no event for 5 minute/);

      // the default age is 5 minutes: `fresh` is 0 minutes old now, 6 after this
      assert.deepEqual(
        mine((await ok("POST", "/api/executions/cleanup", { dry_run: true })).execution_ids),
        [],
      );
      clock.advance(6 * 60_000);
      assert.deepEqual(mine((await ok("POST", "/api/executions/cleanup", {})).execution_ids), [fresh]);
      assert.equal(await status(fresh), "cancelled");
      assert.equal((await ok("POST", "/api/executions/cleanup")).cancelled_count, 0);
    });

    it("cleanup validates its body", async () => {
      for (const body of [{ older_than_minutes: -1 }, { older_than_minutes: "5" }, { dry_run: "yes" }, [1]]) {
        const r = await call("POST", "/api/executions/cleanup", body);
        assert.equal(r.status, 422, JSON.stringify(body));
        assert.equal(r.body.error.code, "NOETL_E_API_VALIDATION");
      }
    });

    it("ui_schema: a JSON Schema of the workload, by version; secrets have no default", async () => {
      const path = "forms/nested/signup";
      await ok("POST", "/api/catalog/register", { content: playbook(path, { name: "v1" }) });
      const workload = {
        name: "Ada",
        age: 36,
        ratio: 0.5,
        active: true,
        tags: ["a", "b"],
        mixed: [1, "x"],
        note: null,
        db: { host: "localhost", port: 5432, db_password: "hunter2" },
        api_token: "s3cr3t-value",
        credentials: { user: "u1", key: "k1" },
      };
      const v2 = await ok("POST", "/api/catalog/register", { content: playbook(path, workload) });
      const latest = await ok("GET", `/api/catalog/${path}/ui_schema`);
      assert.deepEqual(latest, {
        path,
        version: v2.version,
        schema: {
          type: "object",
          properties: {
            name: { type: "string", default: "Ada" },
            age: { type: "integer", default: 36 },
            ratio: { type: "number", default: 0.5 },
            active: { type: "boolean", default: true },
            tags: { type: "array", items: { type: "string" }, default: ["a", "b"] },
            mixed: { type: "array", default: [1, "x"] },
            note: { type: "null", default: null },
            db: {
              type: "object",
              properties: {
                host: { type: "string", default: "localhost" },
                port: { type: "integer", default: 5432 },
                db_password: { type: "string", format: "password" },
              },
            },
            api_token: { type: "string", format: "password" },
            credentials: {
              type: "object",
              properties: {
                user: { type: "string", format: "password" },
                key: { type: "string", format: "password" },
              },
            },
          },
        },
      });
      const text = JSON.stringify(latest);
      for (const secret of ["hunter2", "s3cr3t-value", "u1", "k1"]) assert.ok(!text.includes(secret), secret);
      const v1 = await ok("GET", `/api/catalog/${path}/ui_schema?version=${v2.version - 1}`);
      assert.deepEqual(v1, {
        path,
        version: v2.version - 1,
        schema: { type: "object", properties: { name: { type: "string", default: "v1" } } },
      });
      // the path's slashes may be escaped
      assert.deepEqual(
        await ok("GET", `/api/catalog/${encodeURIComponent(path)}/ui_schema?version=latest`),
        latest,
      );
    });

    it("ui_schema: 404 for an unknown path or version; the other catalog routes are untouched", async () => {
      const path = "forms/plain";
      await ok("POST", "/api/catalog/register", { content: playbook(path, { a: 1 }) });
      const unknown = await call("GET", "/api/catalog/forms/none/ui_schema");
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, "NOETL_E_CATALOG_NOT_FOUND");
      assert.equal((await call("GET", `/api/catalog/${path}/ui_schema?version=99`)).status, 404);
      assert.equal((await call("GET", `/api/catalog/${path}/ui_schema?version=x`)).status, 422);
      const noRoute = await call("GET", `/api/catalog/${path}`);
      assert.equal(noRoute.status, 404);
      assert.equal(noRoute.body.error.code, "NOETL_E_API_NOT_FOUND");
      const list = await ok("GET", `/api/catalog/list?path=${path}`);
      assert.deepEqual(
        list.entries.map((e: { path: string }) => e.path),
        [path],
      );
      assert.equal((await ok("GET", `/api/catalog/resource?path=${path}`)).path, path);
      assert.equal((await call("GET", "/api/catalog/register")).status, 404);
    });
  });
}

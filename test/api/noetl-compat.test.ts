/**
 * The request and response shapes NoETL's own clients use (reference §7), beside ours: base64
 * playbook content, the catalog list filter in a POST body, `POST /api/catalog/resource`,
 * execute by `catalog_id` and `version: latest`, the status fields clients poll on, events by
 * `page`/`page_size`/`event_type`, and `/health`.
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
import { HttpClient } from "../../src/client/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";

const home = mkdtempSync(join(tmpdir(), "noetl-compat-"));
const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "test-key" });
let server: RunningServer;
let worker: RunningWorker;
let http: HttpClient;
const linear = readFileSync(new URL("../playbooks/linear.yaml", import.meta.url), "utf8");

before(async () => {
  const bus = new LocalBus();
  server = await startServer({ config, store: new MemoryStore(), bus, port: 0 });
  worker = await startRemoteWorker({ config, bus, serverUrl: server.url, concurrency: 4 });
  http = new HttpClient({ baseUrl: server.url });
});
after(async () => {
  await worker.stop(false);
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

describe("NoETL client shapes", () => {
  it("register base64 content, find it by a POST body, run it by catalog_id and latest", async () => {
    const reg = await http.post<{ catalog_id: string; path: string; version: number }>(
      "/api/catalog/register",
      {
        content: Buffer.from(linear).toString("base64"),
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
    assert.equal(resource.content, linear);
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

/**
 * The catalog routes (through test/support/api-stack.ts): NoETL's request shapes (register,
 * list, resource, execute by catalog_id), delete (archive) and restore.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RemoteError } from "../../src/client/index.ts";
import { type ApiStack, apiStack, pb } from "../support/api-stack.ts";

let api: ApiStack;
before(async () => {
  api = await apiStack();
});
after(() => api.close());

/**
 * The request and response shapes NoETL's own clients use (reference §7), beside ours: base64
 * playbook content, the catalog list filter in a POST body, `POST /api/catalog/resource`,
 * execute by `catalog_id` and `version: latest`, the status fields clients poll on, events by
 * `page`/`page_size`/`event_type`, and `/health`.
 */
describe("NoETL client shapes", () => {
  it("register base64 content, find it by a POST body, run it by catalog_id and latest", async () => {
    const reg = await api.http.post<{ catalog_id: string; path: string; version: number }>(
      "/api/catalog/register",
      {
        content: Buffer.from(pb("linear")).toString("base64"),
      },
    );
    assert.equal(reg.path, "e2e/linear");
    const listed = await api.http.post<{ entries: Array<{ path: string }> }>("/api/catalog/list", {
      path: reg.path,
    });
    assert.ok(listed.entries.length >= 1 && listed.entries.every((e) => e.path === reg.path));
    const resource = await api.http.post<{ content: string; version: number }>("/api/catalog/resource", {
      path: reg.path,
      version: "latest",
    });
    assert.equal(resource.content, pb("linear"));
    // NoETL's `{catalog_id}` form of the resource request, in a POST body and a query
    const byId = await api.http.post<{ catalog_id: string; path: string; version: number; content: string }>(
      "/api/catalog/resource",
      { catalog_id: reg.catalog_id },
    );
    assert.deepEqual([byId.catalog_id, byId.path, byId.version], [reg.catalog_id, reg.path, reg.version]);
    assert.equal(byId.content, pb("linear"));
    const byQuery = await api.http.get<{ path: string }>(
      `/api/catalog/resource?catalog_id=${reg.catalog_id}`,
    );
    assert.equal(byQuery.path, reg.path);
    await assert.rejects(
      api.http.post("/api/catalog/resource", { catalog_id: "999999999" }),
      (e: unknown) => e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_CATALOG_NOT_FOUND",
    );
    for (const body of [{ catalog_id: reg.catalog_id }, { path: reg.path, version: "latest" }]) {
      const { execution_id } = await api.http.post<{ execution_id: string }>("/api/execute", body);
      await api.http.get(`/api/executions/${execution_id}/wait?timeout_ms=20000`, { timeoutMs: 25_000 });
      const status = await api.http.get<Record<string, unknown>>(`/api/executions/${execution_id}/status`);
      assert.deepEqual(
        [status.status, status.completed, status.failed, status.is_cancelled],
        ["completed", true, false, false],
        JSON.stringify(body),
      );
      const page = await api.http.get<{ events: Array<{ seq: number; type: string }>; page: number }>(
        `/api/executions/${execution_id}/events?page=2&page_size=3`,
      );
      assert.deepEqual(
        page.events.map((e) => e.seq),
        [4, 5, 6],
      );
      const done = await api.http.get<{ events: Array<{ type: string }> }>(
        `/api/executions/${execution_id}/events?event_type=call.done`,
      );
      assert.ok(done.events.length === 3 && done.events.every((e) => e.type === "call.done"));
    }
  });
});

/** The NoETL routes and fields beside ours (reference §7): each backed by the store and the engine. */
describe("NoETL API additions", () => {
  it("catalog delete archives entries: not listed nor started, running executions go on; restore", async () => {
    const content = pb("slow-middle").replace("e2e/slow-middle", "api/deletable");
    const v1 = await api.http.post<{ catalog_id: string }>("/api/catalog/register", { content });
    const v2 = await api.http.post<{ catalog_id: string }>("/api/catalog/register", { content });
    const { execution_id } = await api.http.post<{ execution_id: string }>("/api/execute", {
      path: "api/deletable",
    });
    const one = await api.http.post("/api/catalog/delete", { path: "api/deletable", version: 2 });
    assert.deepEqual(one, {
      status: "deleted",
      message: "deleted version 2 of api/deletable",
      path: "api/deletable",
      deleted: [{ catalog_id: v2.catalog_id, version: 2 }],
      count: 1,
    });
    const latest = await api.http.post<{ version: number }>("/api/catalog/resource", {
      path: "api/deletable",
    });
    assert.equal(latest.version, 1);
    const all = await api.http.post<{ count: number; deleted: unknown[] }>("/api/catalog/delete", {
      path: "api/deletable",
    });
    assert.deepEqual(all.deleted, [{ catalog_id: v1.catalog_id, version: 1 }]);
    const listed = await api.http.post<{ entries: unknown[] }>("/api/catalog/list", {
      path: "api/deletable",
    });
    assert.deepEqual(listed.entries, []);
    const archived = await api.http.post<{ entries: Array<{ version: number; archived_at?: number }> }>(
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
      await assert.rejects(api.http.post("/api/execute", body), gone, JSON.stringify(body));
    await assert.rejects(api.http.post("/api/catalog/delete", { path: "api/deletable" }), gone);
    await assert.rejects(api.http.post("/api/catalog/delete", { path: "api/never-registered" }), gone);
    await assert.rejects(
      api.http.post("/api/catalog/delete", { version: 1 }),
      (e: unknown) => e instanceof RemoteError && e.status === 422,
    );
    // the execution started before goes on to the end
    const w = await api.http.get<{ status: string }>(
      `/api/executions/${execution_id}/wait?timeout_ms=20000`,
      {
        timeoutMs: 25_000,
      },
    );
    assert.equal(w.status, "completed");
    const restored = await api.http.post<Record<string, unknown>>("/api/catalog/restore", {
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
    await assert.rejects(api.http.post("/api/catalog/restore", { path: "api/deletable", version: 1 }), gone);
    const again = await api.http.post<{ execution_id: string }>("/api/execute", { path: "api/deletable" });
    await api.http.post(`/api/executions/${again.execution_id}/cancel`, {});
  });
});

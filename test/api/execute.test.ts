/**
 * Starting executions through the API (through test/support/api-stack.ts): playbooks run to
 * their end by the remote worker, execute/batch, entry_step.
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

describe("HTTP API + remote worker", () => {
  it("runs playbooks end to end through the API (loops, sub-playbooks, python)", async () => {
    const linear = await api.runToEnd(pb("linear"));
    assert.equal(linear.result.status, "completed");
    assert.deepEqual(linear.result.result, { value: 21, seen: 2 });
    await api.http.post("/api/catalog/register", { content: pb("child") });
    const parent = await api.runToEnd(pb("parent"));
    assert.deepEqual(parent.result.result, [1, 3, 6]);
    const loops = await api.runToEnd(pb("loops"));
    assert.equal(loops.result.status, "completed");
  });
});

/** The NoETL routes and fields beside ours (reference §7): each backed by the store and the engine. */
describe("NoETL API additions", () => {
  it("execute/batch starts each request on its own; a bad one gives an error item", async () => {
    const reg = await api.http.post<{ path: string }>("/api/catalog/register", { content: pb("linear") });
    type Item = { execution_id?: string; status?: string; error?: { status: number; code: string } };
    const batch = await api.http.post<{ results: Item[]; started: number; failed: number }>(
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
      await api.http.get(`/api/executions/${r?.execution_id}/wait?timeout_ms=20000`, { timeoutMs: 25_000 });
      values.push(
        (await api.http.get<{ result: { value: number } }>(`/api/executions/${r?.execution_id}/result`))
          .result.value,
      );
    }
    assert.deepEqual(values, [31, 61]);
    const wrapped = await api.http.post<{ results: Item[] }>("/api/execute/batch", {
      requests: [{ path: reg.path }],
    });
    assert.equal(wrapped.results[0]?.status, "running");
    for (const body of [[], {}, { requests: "x" }])
      await assert.rejects(
        api.http.post("/api/execute/batch", body),
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
    const reg = await api.http.post<{ path: string }>("/api/catalog/register", { content });
    const outcome = async (execution_id: string) => {
      await api.http.get(`/api/executions/${execution_id}/wait?timeout_ms=20000`, { timeoutMs: 25_000 });
      const r = await api.http.get<{ result: unknown; runs: Record<string, number> }>(
        `/api/executions/${execution_id}/result`,
      );
      return [r.result, r.runs];
    };
    const one = await api.http.post<{ execution_id: string }>("/api/execute", {
      path: reg.path,
      entry_step: "b",
      payload: { n: 3 },
    });
    assert.deepEqual(await outcome(one.execution_id), [300, { b: 1 }]);
    const events = await api.http.get<{ events: Array<{ type: string; payload: { entry_step?: string } }> }>(
      `/api/executions/${one.execution_id}/events`,
    );
    assert.equal(events.events.find((e) => e.type === "playbook.initialized")?.payload.entry_step, "b");
    await assert.rejects(
      api.http.post("/api/execute", { content, entry_step: "nope" }),
      (e: unknown) => e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_STEP_NOT_FOUND",
    );
    type Item = { execution_id?: string; error?: { status: number; code: string } };
    const batch = await api.http.post<{ results: Item[]; started: number }>("/api/execute/batch", [
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
});

/**
 * The routes of an execution (through test/support/api-stack.ts): events (paged, streamed over
 * SSE, with NoETL's fields), status, vars, list, cancel, cancellation-check, context/render,
 * replay/state.
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
  it("events, status, vars, executions list", async () => {
    const { execution_id } = await api.runToEnd(pb("pagination"));
    const { events } = await api.http.get<{ events: Array<{ type: string; seq: number }> }>(
      `/api/executions/${execution_id}/events?limit=5`,
    );
    assert.equal(events.length, 5);
    assert.equal(events[0]?.type, "playbook.initialized");
    const after = await api.http.get<{ events: Array<{ seq: number }> }>(
      `/api/executions/${execution_id}/events?after_seq=5&limit=1`,
    );
    assert.equal(after.events[0]?.seq, 6);
    const vars = await api.http.get<{ ctx: { page: number } }>(`/api/executions/${execution_id}/vars`);
    assert.equal(vars.ctx.page, 3);
    const list = await api.http.get<{ executions: Array<{ execution_id: string }> }>(
      "/api/executions?limit=100",
    );
    assert.ok(list.executions.some((e) => e.execution_id === execution_id));
  });

  it("streams events over SSE until the execution ends", async () => {
    const reg = await api.http.post<{ path: string }>("/api/catalog/register", {
      content: pb("slow-middle"),
    });
    const { execution_id } = await api.http.post<{ execution_id: string }>("/api/execute", {
      path: reg.path,
    });
    const res = await fetch(`${api.server.url}/api/executions/${execution_id}/stream`);
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
    const logged = (
      await api.http.get<{ events: unknown[] }>(`/api/executions/${execution_id}/events?limit=500`)
    ).events;
    assert.deepEqual(streamed, logged);
    const done = streamed.at(-1) as Record<string, unknown>;
    assert.deepEqual(
      [done.event_type, done.node_name, done.status, typeof done.created_at],
      ["playbook.completed", reg.path, "COMPLETED", "string"],
    );
  });

  it("cancels a running execution", async () => {
    const reg = await api.http.post<{ path: string }>("/api/catalog/register", {
      content: pb("slow-middle"),
    });
    const { execution_id } = await api.http.post<{ execution_id: string }>("/api/execute", {
      path: reg.path,
    });
    await new Promise((r) => setTimeout(r, 200));
    const c = await api.http.post<{ cancelled: string[] }>(`/api/executions/${execution_id}/cancel`, {
      reason: "test",
    });
    assert.deepEqual(c.cancelled, [execution_id]);
    const w = await api.http.get<{ status: string }>(`/api/executions/${execution_id}/wait?timeout_ms=5000`);
    assert.equal(w.status, "cancelled");
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
    const { execution_id } = await api.runToEnd(pb("linear"));
    const { events } = await api.http.get<{ events: View[] }>(`/api/executions/${execution_id}/events`);
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
    const detail = await api.http.get<{
      status: string;
      events: View[];
      pagination: Record<string, unknown>;
    }>(`/api/executions/${execution_id}?page_size=10&page=2`);
    assert.equal(detail.status, "completed");
    assert.deepEqual(
      detail.events.map((e) => e.event_type),
      events.slice(10, 20).map((e) => e.type),
    );
    assert.deepEqual(detail.pagination, { page: 2, page_size: 10, has_more: events.length > 20 });
    const bare = await api.http.get<Record<string, unknown>>(
      `/api/executions/${execution_id}?include_events=false`,
    );
    assert.equal(bare.events, undefined);
    assert.equal(bare.status, "completed");
  });

  it("cancellation-check reports whether an execution was cancelled", async () => {
    const reg = await api.http.post<{ path: string }>("/api/catalog/register", {
      content: pb("slow-middle"),
    });
    const { execution_id } = await api.http.post<{ execution_id: string }>("/api/execute", {
      path: reg.path,
    });
    const check = () =>
      api.http.get<Record<string, unknown>>(`/api/executions/${execution_id}/cancellation-check`);
    assert.deepEqual(await check(), {
      execution_id,
      cancelled: false,
      is_cancelled: false,
      status: "running",
      completed: false,
      failed: false,
    });
    await api.http.post(`/api/executions/${execution_id}/cancel`, { reason: "test" });
    await api.http.get(`/api/executions/${execution_id}/wait?timeout_ms=5000`);
    assert.deepEqual(await check(), {
      execution_id,
      cancelled: true,
      is_cancelled: true,
      status: "cancelled",
      completed: true,
      failed: false,
    });
    await assert.rejects(
      api.http.get("/api/executions/999999/cancellation-check"),
      (e: unknown) =>
        e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_EXECUTION_NOT_FOUND",
    );
  });

  it("context/render renders against the execution's state; strict by default; no secrets", async () => {
    const { execution_id } = await api.runToEnd(pb("linear"));
    type Rendered = { status: string; rendered: unknown; context_keys: string[] };
    const render = (body: object) =>
      api.http.post<Rendered>("/api/context/render", { execution_id, ...body });
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
      api.http.post("/api/context/render", { execution_id: "999999", template: "x" }),
      (e: unknown) =>
        e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_EXECUTION_NOT_FOUND",
    );
    await assert.rejects(render({}), (e: unknown) => e instanceof RemoteError && e.status === 422);
    // credentials and keychain values are not in the engine's state
    await api.http.post("/api/credentials", {
      name: "render_svc",
      type: "generic",
      data: { token: "r3nder-s3cret" },
    });
    const leaky = await api.runToEnd(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: render_leak, path: api/render-leak }
keychain: [{ name: render_svc, kind: credential }]
workflow:
  - step: a
    tool: { kind: javascript, input: { t: "{{ keychain.render_svc.token }}" }, code: "return { echoed: t }" }
    set: { ctx.tok: "{{ output.data.echoed }}" }
`);
    assert.equal(leaky.result.status, "completed");
    const seen = await api.http.post<Rendered>("/api/context/render", {
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
    const { execution_id } = await api.runToEnd(pb("linear"));
    const replayed = await api.http.get<Replayed>(`/api/replay/state?execution_id=${execution_id}`);
    const detail = await api.http.get<{ steps: object; runs: object; last_seq: number }>(
      `/api/executions/${execution_id}?include_events=false`,
    );
    assert.equal(replayed.execution_id, execution_id);
    assert.equal(replayed.last_seq, await api.eventCount(execution_id));
    assert.equal(replayed.state.status, "completed");
    assert.deepEqual(replayed.state.ctx, { after_a: 2 });
    assert.deepEqual([replayed.state.steps, replayed.state.runs], [detail.steps, detail.runs]);
    // a running execution: its command in flight
    const reg = await api.http.post<{ path: string }>("/api/catalog/register", {
      content: pb("slow-middle"),
    });
    const running = await api.http.post<{ execution_id: string }>("/api/execute", { path: reg.path });
    // b takes 1.5 s: replayed while it runs (polled until a is done)
    let mid = await api.http.get<Replayed>(`/api/replay/state?execution_id=${running.execution_id}`);
    for (let i = 0; i < 50 && mid.state.in_flight[0]?.step !== "b"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      mid = await api.http.get<Replayed>(`/api/replay/state?execution_id=${running.execution_id}`);
    }
    assert.equal(mid.state.status, "running");
    assert.deepEqual(
      mid.state.in_flight.map((f) => f.step),
      ["b"],
    );
    await api.http.post(`/api/executions/${running.execution_id}/cancel`, {});
    await assert.rejects(
      api.http.get("/api/replay/state?execution_id=999999"),
      (e: unknown) =>
        e instanceof RemoteError && e.status === 404 && e.code === "NOETL_E_EXECUTION_NOT_FOUND",
    );
    await assert.rejects(
      api.http.get("/api/replay/state"),
      (e: unknown) => e instanceof RemoteError && e.status === 400,
    );
  });
});

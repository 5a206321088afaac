/**
 * Patching, tokens and forced ends of a running execution (through test/support/api-stack.ts):
 * event pages by type, vars, tokens, finalize (and its cascade to child executions).
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

/** The NoETL routes and fields beside ours (reference §7): each backed by the store and the engine. */
describe("NoETL API additions", () => {
  describe("patching, tokens and forced ends of a running execution", () => {
    const rejectsWith = (p: Promise<unknown>, status: number, code: string) =>
      assert.rejects(p, (e: unknown) => e instanceof RemoteError && e.status === status && e.code === code);
    const start = async () => {
      const reg = await api.http.post<{ path: string }>("/api/catalog/register", {
        content: pb("injection"),
      });
      return (await api.http.post<{ execution_id: string }>("/api/execute", { path: reg.path })).execution_id;
    };
    const wait = (id: string) =>
      api.http.get(`/api/executions/${id}/wait?timeout_ms=20000`, { timeoutMs: 25_000 });
    type Result = {
      status: string;
      result: unknown;
      error: { code: string } | null;
      steps: Record<string, unknown>;
    };
    const result = (id: string) => api.http.get<Result>(`/api/executions/${id}/result`);
    const types = async (id: string) =>
      (await api.http.get<{ events: Array<{ type: string; step?: string }> }>(`/api/executions/${id}/events`))
        .events;

    it("events: pages count the events of the types asked; since_event_id", async () => {
      const { execution_id } = await api.runToEnd(pb("linear"));
      const all = (await types(execution_id)) as Array<{ type: string; event_id: string; step?: string }>;
      const issued = all.filter((e) => e.type === "command.issued");
      assert.equal(issued.length, 3);
      const page = await api.http.get<{ events: Array<{ event_id: string }>; page: number }>(
        `/api/executions/${execution_id}/events?event_type=command.issued&page_size=1&page=2`,
      );
      assert.deepEqual(
        page.events.map((e) => e.event_id),
        [issued[1]?.event_id],
      );
      const past = await api.http.get<{ events: unknown[] }>(
        `/api/executions/${execution_id}/events?event_type=command.issued&page_size=2&page=3`,
      );
      assert.deepEqual(past.events, []);
      const detail = await api.http.get<{
        events: Array<{ step: string }>;
        pagination: { has_more: boolean };
      }>(`/api/executions/${execution_id}?event_type=command.issued&page_size=2&page=2`);
      assert.deepEqual(
        detail.events.map((e) => e.step),
        ["c"],
      );
      assert.equal(detail.pagination.has_more, false);
      const since = await api.http.get<{ events: Array<{ event_id: string }> }>(
        `/api/executions/${execution_id}/events?since_event_id=${all[3]?.event_id}`,
      );
      assert.deepEqual(
        since.events.map((e) => e.event_id),
        all.slice(4).map((e) => e.event_id),
      );
      const sinceOfType = await api.http.get<{ events: Array<{ event_id: string }> }>(
        `/api/executions/${execution_id}/events?since_event_id=${issued[0]?.event_id}&event_type=command.issued&page_size=1&page=2`,
      );
      assert.deepEqual(
        sinceOfType.events.map((e) => e.event_id),
        [issued[2]?.event_id],
      );
      await rejectsWith(
        api.http.get(`/api/executions/${execution_id}/events?since_event_id=42`),
        404,
        "NOETL_E_EVENT_NOT_FOUND",
      );
    });

    it("vars: read, write, delete a running execution's ctx as events; steps see it; 409 once finished", async () => {
      const id = await start();
      type Vars = { execution_id: string; variables: Record<string, { value: unknown }>; count: number };
      const written = await api.http.post<Vars & { event_id: string }>(`/api/vars/${id}`, {
        variables: { greeting: "hi", gone: 1 },
        source_step: "outside",
      });
      assert.equal(written.count, 2);
      assert.deepEqual(written.variables.greeting, {
        value: "hi",
        type: "user_defined",
        source_step: "outside",
      });
      const read = await api.http.get<Vars>(`/api/vars/${id}`);
      assert.deepEqual(read, {
        execution_id: id,
        variables: { greeting: { value: "hi" }, gone: { value: 1 } },
        count: 2,
      });
      assert.deepEqual(await api.http.get(`/api/vars/${id}/greeting`), {
        execution_id: id,
        var_name: "greeting",
        value: "hi",
      });
      assert.deepEqual((await api.http.delete<{ deleted: string[] }>(`/api/vars/${id}/gone`)).deleted, [
        "gone",
      ]);
      await rejectsWith(api.http.get(`/api/vars/${id}/gone`), 404, "NOETL_E_VAR_NOT_FOUND");
      await rejectsWith(api.http.delete(`/api/vars/${id}/gone`), 404, "NOETL_E_VAR_NOT_FOUND");
      await rejectsWith(api.http.post(`/api/vars/${id}`, { variables: {} }), 422, "NOETL_E_API_VALIDATION");
      assert.deepEqual((await api.http.get<{ ctx: object }>(`/api/executions/${id}/vars`)).ctx, {
        greeting: "hi",
      });
      await wait(id);
      const done = await result(id);
      assert.equal(done.status, "completed");
      assert.deepEqual(done.steps.b, { g: "hi" }); // step b read the patched ctx
      const patches = (await types(id)).filter((e) => e.type === "ctx.updated");
      assert.equal(patches.length, 2);
      await rejectsWith(
        api.http.post(`/api/vars/${id}`, { variables: { late: 1 } }),
        409,
        "NOETL_E_EXECUTION_FINISHED",
      );
      await rejectsWith(api.http.delete(`/api/vars/${id}/greeting`), 409, "NOETL_E_EXECUTION_FINISHED");
      await rejectsWith(api.http.delete(`/api/vars/${id}`), 409, "NOETL_E_EXECUTION_FINISHED");
      assert.deepEqual((await api.http.get<Vars>(`/api/vars/${id}`)).count, 1);
      await rejectsWith(api.http.get("/api/vars/999999"), 404, "NOETL_E_EXECUTION_NOT_FOUND");
      const other = await start();
      await api.http.post(`/api/vars/${other}`, { variables: { x: 1, y: 2 } });
      const cleared = await api.http.delete<{ deleted: string[]; count: number }>(`/api/vars/${other}`);
      assert.deepEqual([cleared.deleted.sort(), cleared.count], [["x", "y"], 2]);
      assert.equal((await api.http.get<Vars>(`/api/vars/${other}`)).count, 0);
      await api.http.post(`/api/executions/${other}/cancel`, {});
    });

    it("tokens enter a step of a running execution with their input; 404/422/409 otherwise", async () => {
      const id = await start();
      const accepted = await api.http.post<{ status: string; step: string; event_id: string }>(
        `/api/executions/${id}/tokens`,
        { step: "hook", input: { n: 21 } },
      );
      assert.deepEqual([accepted.status, accepted.step], ["accepted", "hook"]);
      await rejectsWith(
        api.http.post(`/api/executions/${id}/tokens`, { step: "nope" }),
        404,
        "NOETL_E_STEP_NOT_FOUND",
      );
      await rejectsWith(
        api.http.post(`/api/executions/${id}/tokens`, { input: {} }),
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
        api.http.post(`/api/executions/${id}/tokens`, { step: "hook" }),
        409,
        "NOETL_E_EXECUTION_FINISHED",
      );
      await rejectsWith(
        api.http.post("/api/executions/999999/tokens", { step: "hook" }),
        404,
        "NOETL_E_EXECUTION_NOT_FOUND",
      );
    });

    it("finalize forces a running execution to fail (or complete) with terminal events; idempotent", async () => {
      const id = await start();
      const out = await api.http.post(`/api/executions/${id}/finalize`, { reason: "stuck" });
      assert.deepEqual(out, { execution_id: id, finalized: true, status: "failed", finalized_children: [] });
      const failed = await result(id);
      assert.equal(failed.status, "failed");
      assert.equal(failed.error?.code, "NOETL_E_FINALIZED");
      assert.deepEqual(
        (await types(id)).slice(-4).map((e) => e.type),
        ["execution.finalize_requested", "command.cancelled", "workflow.failed", "playbook.failed"],
      );
      assert.deepEqual(await api.http.post(`/api/executions/${id}/finalize`, { status: "COMPLETED" }), {
        execution_id: id,
        finalized: false,
        status: "failed",
        finalized_children: [],
      });
      const other = await start();
      assert.deepEqual(await api.http.post(`/api/executions/${other}/finalize`, { status: "COMPLETED" }), {
        execution_id: other,
        finalized: true,
        status: "completed",
        finalized_children: [],
      });
      await rejectsWith(
        api.http.post(`/api/executions/${other}/finalize`, { status: "paused" }),
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
      await api.http.post("/api/catalog/register", { content: child("finalize-child") });
      await api.http.post("/api/catalog/register", { content: parent("finalize-mid", "finalize-child") });
      const top = await api.http.post<{ path: string }>("/api/catalog/register", {
        content: parent("finalize-top", "finalize-mid"),
      });
      const childrenOf = async (id: string) => {
        for (let i = 0; i < 100; i++) {
          const { executions } = await api.http.get<{ executions: Array<{ execution_id: string }> }>(
            `/api/executions?parent_execution_id=${id}`,
          );
          if (executions.length > 0) return executions.map((e) => e.execution_id);
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`execution ${id} started no child`);
      };
      const id = (await api.http.post<{ execution_id: string }>("/api/execute", { path: top.path }))
        .execution_id;
      const [mid] = await childrenOf(id);
      const [leaf] = await childrenOf(mid as string);
      const out = await api.http.post(`/api/executions/${id}/finalize`, {
        status: "completed",
        reason: "stuck",
      });
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
      const spared = (await api.http.post<{ execution_id: string }>("/api/execute", { path: top.path }))
        .execution_id;
      const [spareMid] = await childrenOf(spared);
      const kept = await api.http.post(`/api/executions/${spared}/finalize`, { cascade: false });
      assert.deepEqual(kept, {
        execution_id: spared,
        finalized: true,
        status: "failed",
        finalized_children: [],
      });
      assert.equal((await result(spareMid as string)).status, "running");
      await api.http.post(`/api/executions/${spareMid}/cancel`, {});
    });
  });
});

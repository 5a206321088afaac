/**
 * The worker routes (through test/support/api-stack.ts): claims and reports of several commands
 * per request, and the execution's info a claim carries.
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
  it("claims and reports of several commands in one request each", async () => {
    // the remote worker batches what it claims and reports in one turn: a wide loop goes through
    // both multi-command routes
    const big = await api.runToEnd(pb("big-loop"), { n: 300 });
    assert.equal(big.result.status, "completed");
    assert.deepEqual(big.result.result, { sum: 89_700, n: 300 });
    const claims = await api.http.post<{ claims: Array<{ status: string }> }>("/api/commands/claim", {
      worker_id: "w",
      command_ids: ["c-unknown-1", "c-unknown-2"],
    });
    assert.deepEqual(claims, { claims: [{ status: "not_found" }, { status: "not_found" }] });
    for (const body of [
      { worker_id: "w", command_ids: [] },
      { worker_id: "w", command_ids: Array.from({ length: 257 }, (_, i) => `c${i}`) },
    ])
      await assert.rejects(
        api.http.post("/api/commands/claim", body),
        (e: unknown) => e instanceof RemoteError && e.status === 422,
      );
    // each report of a multi-report request stands alone: an unknown execution fails by itself,
    // a report already ingested is taken again without effect
    const { events } = await api.http.get<{ events: Array<Record<string, unknown>> }>(
      `/api/executions/${big.execution_id}/events?types=call.done&limit=1`,
    );
    const again = events[0] ?? {};
    const before = await api.eventCount(big.execution_id);
    const multi = await api.http.post<{
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
    assert.equal(await api.eventCount(big.execution_id), before, "the repeated report changed nothing");
    // every event of a multi-report request must carry its id (a retry must not ingest twice)
    await assert.rejects(
      api.http.post("/api/events/reports", {
        reports: [{ execution_id: big.execution_id, events: [{ type: "call.done", payload: {} }] }],
      }),
      (e: unknown) => e instanceof RemoteError && e.status === 422,
    );
    // a worker reports on its commands: it cannot end, cancel or re-initialise an execution
    for (const type of ["playbook.completed", "execution.cancel_requested", "playbook.initialized"])
      await assert.rejects(
        api.http.post("/api/events", { execution_id: big.execution_id, event: { type, payload: {} } }),
        (e: unknown) => e instanceof RemoteError && e.status === 422,
        type,
      );
    assert.equal(await api.eventCount(big.execution_id), before, "a refused event was written");
  });

  it("a claim carries the execution's info unless the worker says it holds it", async () => {
    // a step on a pool nobody serves: its command waits to be claimed by hand
    const reg = await api.http.post<{ path: string }>("/api/catalog/register", {
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
    const { execution_id } = await api.http.post<{ execution_id: string }>("/api/execute", {
      path: reg.path,
    });
    const { events } = await api.http.get<{
      events: Array<{ payload: { command: { command_id: string } } }>;
    }>(`/api/executions/${execution_id}/events?types=command.issued`);
    const commandId = events[0]?.payload.command.command_id ?? "";
    type Claim = { status: string; execution?: { workload: unknown } };
    const first = await api.http.post<Claim>(`/api/commands/${commandId}/claim`, { worker_id: "w" });
    assert.equal(first.status, "claimed");
    assert.deepEqual(first.execution?.workload, { items: [1, 2, 3] });
    const again = await api.http.post<Claim>(`/api/commands/${commandId}/claim`, {
      worker_id: "w",
      known_executions: [execution_id],
    });
    assert.equal(again.status, "claimed");
    assert.equal(again.execution, undefined);
    const many = await api.http.post<{ claims: Claim[] }>("/api/commands/claim", {
      worker_id: "w",
      command_ids: [commandId],
      known_executions: ["another"],
    });
    assert.deepEqual(many.claims[0]?.execution?.workload, { items: [1, 2, 3] });
    await api.http.post(`/api/executions/${execution_id}/cancel`, {});
  });
});

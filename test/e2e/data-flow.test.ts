/**
 * Real data movement embedded: HTTP (a local server) → PostgreSQL with per-item inserts in a
 * loop, PostgreSQL → DuckDB, and a sub-playbook, with a stored credential used through `auth:`.
 * Needs PostgreSQL (skipped with a printed reason when absent).
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { pgCredentialData, postgresSkipReason } from "../../src/testing/index.ts";
import { type Harness, harness } from "../support/run-playbook.ts";

const skip = await postgresSkipReason();
const table = `flow_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
let h: Harness;
let server: Server;
let base = "";

describe("data flow: HTTP → PostgreSQL → DuckDB", { skip }, () => {
  before(async () => {
    server = createServer((req, res) => {
      const page = Number(new URL(req.url ?? "/", "http://x").searchParams.get("page") ?? 1);
      res.setHeader("content-type", "application/json");
      const items =
        page <= 2
          ? [1, 2, 3].map((i) => ({
              id: (page - 1) * 3 + i,
              name: `item-${(page - 1) * 3 + i}`,
              price: i * 1.5,
            }))
          : [];
      res.end(JSON.stringify({ page, items, more: page < 2 }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    h = await harness();
    await h.app.credentials.put("pg_test", "postgres", pgCredentialData());
  });
  after(async () => {
    await h?.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: cleanup, path: flow/cleanup }
workflow:
  - step: drop
    tool: { kind: postgres, auth: pg_test, command: "DROP TABLE IF EXISTS ${table}" }
`);
    await h?.close();
    server?.close();
  });

  it("pages an API, inserts each item in a loop, aggregates in DuckDB via a sub-playbook", async () => {
    await h
      .run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: summarize, path: flow/summarize }
workload: { rows: [] }
workflow:
  - step: agg
    tool:
      kind: duckdb
      commands:
        - "CREATE TABLE t AS SELECT * FROM (VALUES ({{ workload.rows | map(attribute='id') | map('string') | join('), (') }})) v(id)"
        - "SELECT count(*) AS n, sum(id) AS total FROM t"
`)
      .catch(() => undefined); // registers the child; its own run (no rows) may fail
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: flow, path: flow/main }
workload: { base: "${base}" }
workflow:
  - step: setup
    tool: { kind: postgres, auth: pg_test, command: "CREATE TABLE ${table} (id int primary key, name text, price numeric)" }
    set: { ctx.page: 1, ctx.items: [] }
    next: { arcs: [{ step: fetch }] }
  - step: fetch
    tool: { kind: http, url: "{{ workload.base }}/items", params: { page: "{{ ctx.page }}" } }
    set:
      ctx.items: "{{ ctx.items + output.data.data.items }}"
      ctx.page: "{{ ctx.page + 1 }}"
    next:
      arcs:
        - { step: fetch, when: "{{ fetch.data.more }}" }
        - { step: store }
  - step: store
    loop: { in: "{{ ctx.items }}", iterator: item, spec: { mode: parallel, max_in_flight: 3 } }
    tool:
      kind: postgres
      auth: pg_test
      command: "INSERT INTO ${table}(id, name, price) VALUES ($1, $2, $3)"
      params: ["{{ item.id }}", "{{ item.name }}", "{{ item.price }}"]
    next: { arcs: [{ step: read }] }
  - step: read
    tool: { kind: postgres, auth: pg_test, command: "SELECT id FROM ${table} ORDER BY id" }
    next: { arcs: [{ step: summarize }] }
  - step: summarize
    tool: { kind: playbook, path: flow/summarize, input: { rows: "{{ read.rows }}" } }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.runs.fetch, 2);
    assert.deepEqual((r.steps.store as { stats: unknown }).stats, { total: 6, success: 6, failed: 0 });
    const child = r.result as { status: string; result: { rows: Array<{ n: number; total: number }> } };
    assert.equal(child.status, "completed");
    assert.deepEqual(child.result.rows, [{ n: 6, total: 21 }]);
    const events = JSON.stringify(r.events);
    assert.ok(!events.includes("db_password"), "credential fields leaked into events");
  });

  it("a SQL error is a db_* task error routed to a handler", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: flow_err, path: flow/err }
workflow:
  - step: bad
    tool: { kind: postgres, auth: pg_test, command: "INSERT INTO ${table}(id) VALUES (1)" }
    next: { arcs: [{ step: handle, when: "{{ event.name == 'call.error' }}" }] }
  - step: handle
    input: { kind: "{{ error.kind }}", code: "{{ error.pg_code }}" }
    tool: { kind: javascript, code: "return { kind, code }" }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.result, { kind: "db_constraint", code: "23505" });
  });
});

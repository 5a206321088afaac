import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { toolContext } from "../test-context.ts";
import type { ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { createDuckdbTool, ERROR_CODES } from "./index.ts";

const tool = createDuckdbTool();
const run = (config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<Json> =>
  tool.run(config, toolContext(ctx));
async function failure(config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<ToolError> {
  const error: unknown = await run(config, ctx).catch((e: unknown) => e);
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}

describe("duckdb tool", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "noetl-duckdb-"));
  });
  after(async () => {
    await tool.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  it("has kind duckdb and documents its codes", () => {
    assert.equal(tool.kind, "duckdb");
    assert.ok(ERROR_CODES.some((c) => c.code === "NOETL_E_DUCKDB_ERROR"));
  });

  it("creates, inserts and selects (multi-statement) with per-statement blocks", async () => {
    const out = (await run({
      command: `create table people (id integer, name varchar, city varchar);
        insert into people values (1, 'ada', 'london'), (2, 'alan', 'london'), (3, 'grace', 'ny;c');
        select id, name from people where city = 'london' order by id;`,
    })) as JsonObject;
    assert.deepEqual(out.command_0, { rows: [], row_count: 0, columns: [] });
    assert.deepEqual(out.command_1, { rows: [], row_count: 3, columns: [] });
    const select = {
      rows: [
        { id: 1, name: "ada" },
        { id: 2, name: "alan" },
      ],
      row_count: 2,
      columns: ["id", "name"],
    };
    assert.deepEqual(out.command_2, select);
    assert.deepEqual({ rows: out.rows, row_count: out.row_count, columns: out.columns }, select);
  });

  it("aggregates (64/128-bit integers become numbers when safe)", async () => {
    const out = (await run({
      commands: [
        "create table sales (region varchar, amount integer, big bigint)",
        "insert into sales values ('n', 10, 9007199254740993), ('n', 5, 1), ('s', 7, 2)",
        "select region, count(*) as n, sum(amount) as total, avg(amount) as mean, max(big) as top from sales group by region order by region",
      ],
    })) as JsonObject;
    assert.deepEqual(out.rows, [
      { region: "n", n: 2, total: 15, mean: 7.5, top: "9007199254740993" },
      { region: "s", n: 1, total: 7, mean: 7, top: 2 },
    ]);
    assert.deepEqual(out.columns, ["region", "n", "total", "mean", "top"]);
  });

  it("takes SQL under the postgres aliases (query, queries, cmd, cmds, sql, *_b64, inline script)", async () => {
    const b64 = (sql: string) => Buffer.from(sql).toString("base64");
    const configs: JsonObject[] = [
      { query: "select 1 as a; select 7 as n" },
      { queries: ["select 1 as a", "select 7 as n"] },
      { cmd: "select 7 as n" },
      { cmds: ["select 7 as n"] },
      { sql: "select 7 as n" },
      { command_b64: b64("select 7 as n") },
      { commands_b64: b64("select 1 as a; select 7 as n") },
      { query_b64: b64("select 7 as n") },
      { script: { source: { type: "inline", code: "select 7 as n" } } },
    ];
    for (const config of configs) {
      const out = (await run(config)) as JsonObject;
      assert.deepEqual(out.rows, [{ n: 7 }], JSON.stringify(config));
      assert.equal(out.row_count, 1);
    }
  });

  it("binds params to a single statement", async () => {
    const out = (await run({
      command: "select $1::integer + 1 as n, $2 as s",
      params: [41, "x"],
    })) as JsonObject;
    assert.deepEqual(out.rows, [{ n: 42, s: "x" }]);
    const error = await failure({ command: "select 1; select 2", params: [1] });
    assert.equal(error.info.code, "NOETL_E_DUCKDB_CONFIG");
  });

  it("reports an error as db_error with the message and statement index", async () => {
    const error = await failure({ command: "select 1; select * from no_such_table" });
    assert.equal(error.info.kind, "db_error");
    assert.equal(error.info.retryable, false);
    assert.equal(error.info.code, "NOETL_E_DUCKDB_ERROR");
    assert.match(error.info.message, /no_such_table/);
    assert.deepEqual(error.info.details, { statement_index: 1 });
  });

  it("rolls back a failed transaction", async () => {
    await run({ command: "create table tx (id integer primary key)" });
    const error = await failure({
      transaction: true,
      command: "insert into tx values (1); insert into tx values (1)",
    });
    assert.equal(error.info.kind, "db_error");
    assert.deepEqual(((await run({ command: "select count(*) as n from tx" })) as JsonObject).rows, [
      { n: 0 },
    ]);
  });

  it("persists a file database between two runs", async () => {
    const database = join(dir, "test.duckdb");
    await run({
      database,
      command: "create table kv (k varchar, v integer); insert into kv values ('a', 1)",
    });
    const out = (await run({ database, command: "select k, v from kv" })) as JsonObject;
    assert.deepEqual(out.rows, [{ k: "a", v: 1 }]);
    // a fresh tool (new instance) sees the data on disk
    const other = createDuckdbTool();
    try {
      await tool.close?.();
      const again = (await other.run(
        { database, command: "select count(*) as n from kv" },
        toolContext(),
      )) as JsonObject;
      assert.deepEqual(again.rows, [{ n: 1 }]);
    } finally {
      await other.close?.();
    }
  });

  it("reads SQL from a script file", async () => {
    const file = join(dir, "q.sql");
    await writeFile(file, "select 1 as a;\nselect 2 as b;\n");
    const out = (await run({ script: file })) as JsonObject;
    assert.deepEqual(out.rows, [{ b: 2 }]);
    assert.deepEqual((out.command_0 as JsonObject).rows, [{ a: 1 }]);
  });

  it("interrupts a long query on the task timeout", async () => {
    const started = Date.now();
    const error = await failure(
      { command: "select count(*) from range(100000000000) a" },
      { signal: AbortSignal.timeout(200) },
    );
    assert.equal(error.info.kind, "timeout");
    assert.ok(Date.now() - started < 5000);
  });

  it("needs SQL", async () => {
    assert.equal((await failure({})).info.code, "NOETL_E_DUCKDB_CONFIG");
  });
});

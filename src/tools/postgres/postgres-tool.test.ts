import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { PG_URL, postgresSkipReason } from "../../testing/index.ts";
import { toolContext } from "../test-context.ts";
import type { ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { createPostgresTool, ERROR_CODES } from "./index.ts";

const skip = await postgresSkipReason();
const tool = createPostgresTool();
const suffix = `${process.pid}_${Date.now()}`;
const table = (name: string) => `noetl_pg_${name}_${suffix}`;

const run = (config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<Json> =>
  tool.run({ connection: PG_URL, ...config }, toolContext(ctx));
async function failure(config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<ToolError> {
  const error: unknown = await run(config, ctx).catch((e: unknown) => e);
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}
const rowsOf = async (sql: string) => ((await run({ command: sql })) as JsonObject).rows;

describe("postgres tool", { skip }, () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "noetl-pg-"));
  });
  after(async () => {
    await run({
      command: ["items", "tx", "uniq", "script", "pyformat"].map((t) => `drop table if exists ${table(t)}`),
    }).catch(() => {});
    await tool.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  it("has kind postgres and documents its codes", () => {
    assert.equal(tool.kind, "postgres");
    const codes = ERROR_CODES.map((c) => c.code);
    for (const code of ["NOETL_E_PG_CONFIG", "NOETL_E_PG_CONSTRAINT", "NOETL_E_PG_ERROR"])
      assert.ok(codes.includes(code), code);
  });

  it("runs a query with params and returns rows, row_count, columns", async () => {
    const out = await run({ command: "select $1::int + 1 as n, $2::text as s", params: [41, "x"] });
    assert.deepEqual(out, {
      command_0: { rows: [{ n: 42, s: "x" }], row_count: 1, columns: ["n", "s"] },
      rows: [{ n: 42, s: "x" }],
      row_count: 1,
      columns: ["n", "s"],
    });
  });

  it("binds psycopg %(name)s parameters from a map, never inside literals, identifiers, comments or dollar bodies", async () => {
    const out = (await run({
      command: `select %(a)s::int + %(a)s::int as n, %(b)s::text as s, '%(zz)s' as lit, E'%(zz)s\\'' as esc,
        1 as "%(zz)s", $$%(zz)s$$ as body, $q$%s$q$ as tagged, 10 %% 3 as m, 10 % 4 as lone -- %(zz)s
        /* %(zz)s /* %s */ */`,
      params: { a: 20, b: "x'; drop table nothing; --", unused: true },
    })) as JsonObject;
    assert.deepEqual(out.rows, [
      {
        n: 40,
        s: "x'; drop table nothing; --",
        lit: "%(zz)s",
        esc: "%(zz)s'",
        "%(zz)s": 1,
        body: "%(zz)s",
        tagged: "%s",
        m: 1,
        lone: 2,
      },
    ]);
  });

  it("binds psycopg %s parameters from a list, in order across statements (alias `parameters`)", async () => {
    const t = table("pyformat");
    const out = (await run({
      command: `create table ${t} (id int, v text);
        insert into ${t} values (%s, %s), (%s, '%s');
        select id, v, %s::text as tag from ${t} order by id`,
      parameters: [1, "one", 2, "t"],
    })) as JsonObject;
    assert.deepEqual(out.rows, [
      { id: 1, v: "one", tag: "t" },
      { id: 2, v: "%s", tag: "t" },
    ]);
    assert.deepEqual((out.command_1 as JsonObject).row_count, 2);
  });

  it("binds a map's names per statement: each statement gets its own $1…; %% is %", async () => {
    const out = (await run({
      commands: ["select %(x)s::int as x", "select %(y)s::text as y, %(x)s::int as x2, 'a%%' as pct"],
      params: { x: 7, y: "why" },
    })) as JsonObject;
    assert.deepEqual((out.command_0 as JsonObject).rows, [{ x: 7 }]);
    // %% is % in literals too, as psycopg has it (`like 'a%%'` written for the reference)
    assert.deepEqual(out.rows, [{ y: "why", x2: 7, pct: "a%" }]);
  });

  it("sends the $n form untouched: %% stays %% there", async () => {
    assert.deepEqual(await rowsOf("select 'a%%' as pct"), [{ pct: "a%%" }]);
    const out = (await run({ command: "select $1::text || '%%' as v", params: ["x"] })) as JsonObject;
    assert.deepEqual(out.rows, [{ v: "x%%" }]);
  });

  it("rejects parameters that do not fit their placeholders before running anything", async () => {
    const cases: JsonObject[] = [
      { command: "select %(a)s, %(b)s", params: { a: 1 } },
      { command: "select %s, %s", params: [1] },
      { command: "select %s", params: [1, 2] },
      { command: "select %(a)s", params: [1] },
      { command: "select %s", params: { a: 1 } },
      { command: "select $1", params: { a: 1 } },
      { command: "select $1, %s", params: [1, 2] },
      { command: "select 1", params: "1" },
    ];
    for (const config of cases) {
      const error = await failure(config);
      assert.deepEqual(
        [error.info.kind, error.info.code],
        ["schema", "NOETL_E_PG_CONFIG"],
        JSON.stringify(config),
      );
    }
    assert.match((await failure(cases[0] as JsonObject)).info.message, /parameter "b" is not in `params`/);
  });

  it("splits a multi-statement string and reports each statement", async () => {
    const t = table("items");
    const out = (await run({
      command: `create table ${t} (id int primary key, name text);
        insert into ${t} values (1, 'a;b'), (2, $$x;y$$);
        -- a comment; with a semicolon
        select id, name from ${t} order by id;`,
    })) as JsonObject;
    assert.deepEqual(out.command_0, { rows: [], row_count: 0, columns: [] });
    assert.deepEqual(out.command_1, { rows: [], row_count: 2, columns: [] });
    assert.deepEqual(out.command_2, {
      rows: [
        { id: 1, name: "a;b" },
        { id: 2, name: "x;y" },
      ],
      row_count: 2,
      columns: ["id", "name"],
    });
    assert.deepEqual(out.rows, (out.command_2 as JsonObject).rows);
    assert.equal(out.row_count, 2);
  });

  it("runs a list of commands in order", async () => {
    const out = (await run({ commands: ["select 1 as a", "select 2 as b; select 3 as c"] })) as JsonObject;
    assert.deepEqual(Object.keys(out).sort(), [
      "columns",
      "command_0",
      "command_1",
      "command_2",
      "row_count",
      "rows",
    ]);
    assert.deepEqual(out.rows, [{ c: 3 }]);
  });

  it("converts values JSON-safely", async () => {
    const [row] = (await rowsOf(
      `select 9007199254740993::bigint as big, 12::bigint as small, 1.50::numeric as num,
        date '2024-02-03' as d, timestamp '2024-02-03 04:05:06' as ts,
        timestamptz '2024-02-03 04:05:06+00' as tstz, '\\x0102'::bytea as bin,
        '{"a":[1,true,null]}'::jsonb as j, array[1,2] as arr, null::text as nothing`,
    )) as JsonObject[];
    assert.deepEqual(row, {
      big: "9007199254740993",
      small: 12,
      num: "1.50",
      d: "2024-02-03",
      ts: "2024-02-03T04:05:06",
      tstz: "2024-02-03T04:05:06.000Z",
      bin: "AQI=",
      j: { a: [1, true, null] },
      arr: [1, 2],
      nothing: null,
    });
  });

  it("classifies a constraint violation with output.pg details", async () => {
    const t = table("uniq");
    await run({ command: `create table ${t} (id int primary key)` });
    const error = await failure({ command: `insert into ${t} values (1); insert into ${t} values (1)` });
    assert.equal(error.info.kind, "db_constraint");
    assert.equal(error.info.retryable, false);
    assert.equal(error.info.code, "NOETL_E_PG_CONSTRAINT");
    assert.equal(error.info.pg_code, "23505");
    const pg = error.extra?.pg as JsonObject;
    assert.equal(pg.code, "23505");
    assert.equal(pg.statement_index, 1);
    assert.match(String(pg.detail), /already exists/);
    assert.deepEqual(await rowsOf(`select count(*)::int as n from ${t}`), [{ n: 1 }]);
  });

  it("reports a syntax error as db_error with its position", async () => {
    const error = await failure({ command: "select 1; selec 2" });
    assert.equal(error.info.kind, "db_error");
    assert.equal(error.info.pg_code, "42601");
    const pg = error.extra?.pg as JsonObject;
    assert.equal(pg.position, 1);
    assert.equal(pg.statement_index, 1);
    assert.match(error.info.message, /statement 1/);
  });

  it("wraps statements in a transaction and rolls back on error", async () => {
    const t = table("tx");
    await run({ command: `create table ${t} (id int primary key)` });
    const error = await failure({
      transaction: true,
      command: `insert into ${t} values (1); insert into ${t} values (2); insert into ${t} values (1)`,
    });
    assert.equal(error.info.kind, "db_constraint");
    assert.deepEqual(await rowsOf(`select count(*) as n from ${t}`), [{ n: 0 }]);
    await run({ transaction: true, command: `insert into ${t} values (1); insert into ${t} values (2)` });
    assert.deepEqual(await rowsOf(`select count(*) as n from ${t}`), [{ n: 2 }]);
  });

  it("classifies a statement timeout as db_timeout", async () => {
    const error = await failure({
      transaction: true,
      command: "set local statement_timeout = 100; select pg_sleep(3)",
    });
    assert.equal(error.info.kind, "db_timeout");
    assert.equal(error.info.pg_code, "57014");
  });

  it("cancels the running statement on the task timeout", async () => {
    const started = Date.now();
    const error = await failure({ command: "select pg_sleep(10)" }, { signal: AbortSignal.timeout(200) });
    assert.equal(error.info.kind, "timeout");
    assert.equal(error.info.retryable, true);
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(await rowsOf("select 1 as ok"), [{ ok: 1 }]);
  });

  it("reports cancellation", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled")), 100);
    const error = await failure({ command: "select pg_sleep(10)" }, { signal: controller.signal });
    assert.equal(error.info.kind, "cancelled");
  });

  it("resolves the connection from a credential (db_* fields) and registers the password", async () => {
    const url = new URL(PG_URL);
    const secrets: string[] = [];
    const names: string[] = [];
    const out = await tool.run(
      { auth: "pg_local", command: "select current_database() as db" },
      toolContext({
        credentials: {
          get: async (name) => {
            names.push(name);
            return {
              type: "postgres",
              db_host: url.hostname,
              db_port: Number(url.port || 5432),
              db_user: decodeURIComponent(url.username),
              db_password: "s3cret",
              db_name: url.pathname.slice(1),
            };
          },
        },
        addSecret: (v) => secrets.push(v),
      }),
    );
    assert.deepEqual(names, ["pg_local"]);
    assert.deepEqual((out as JsonObject).rows, [{ db: url.pathname.slice(1) }]);
    assert.ok(secrets.includes("s3cret"));
  });

  it("accepts host/port/user/database credential fields", async () => {
    const url = new URL(PG_URL);
    const out = await tool.run(
      { auth: "pg2", command: "select 1 as one" },
      toolContext({
        credentials: {
          get: async () => ({
            host: url.hostname,
            port: url.port || "5432",
            user: decodeURIComponent(url.username),
            database: url.pathname.slice(1),
          }),
        },
      }),
    );
    assert.deepEqual((out as JsonObject).rows, [{ one: 1 }]);
  });

  it("reads SQL from a script file", async () => {
    const t = table("script");
    const file = join(dir, "setup.sql");
    await writeFile(
      file,
      `create table if not exists ${t} (v text);\ninsert into ${t} values ('s');\nselect v from ${t};\n`,
    );
    assert.deepEqual(((await run({ script: { path: file } })) as JsonObject).rows, [{ v: "s" }]);
    assert.deepEqual(((await run({ script: { uri: `file://${file}` } })) as JsonObject).row_count, 2);
    const missing = await failure({ script: { path: join(dir, "nope.sql") } });
    assert.equal(missing.info.code, "NOETL_E_PG_SCRIPT");
  });

  it("reports an unreachable server as db_connection (retryable)", async () => {
    const error: unknown = await tool
      .run({ connection: "postgres://postgres@127.0.0.1:1/test", command: "select 1" }, toolContext())
      .catch((e: unknown) => e);
    assert.ok(error instanceof ToolError);
    assert.equal(error.info.kind, "db_connection");
    assert.equal(error.info.retryable, true);
    assert.equal(error.info.code, "NOETL_E_PG_CONNECTION");
  });

  it("rejects a config without SQL, without a connection, or params with several statements", async () => {
    assert.equal((await failure({})).info.code, "NOETL_E_PG_CONFIG");
    const noAuth: unknown = await tool.run({ command: "select 1" }, toolContext()).catch((e: unknown) => e);
    assert.ok(noAuth instanceof ToolError && noAuth.info.code === "NOETL_E_PG_CONFIG");
    const multi = await failure({ command: "select $1; select 2", params: [1] });
    assert.equal(multi.info.code, "NOETL_E_PG_CONFIG");
    assert.equal(multi.info.kind, "schema");
  });
});

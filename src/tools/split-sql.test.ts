import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitSql } from "./split-sql.ts";

describe("splitSql", () => {
  it("splits on top-level semicolons and trims", () => {
    assert.deepEqual(splitSql(" select 1 ;\nselect 2;select 3 "), ["select 1", "select 2", "select 3"]);
  });

  it("drops empty and comment-only fragments", () => {
    assert.deepEqual(splitSql(";; select 1;  ; -- trailing\n /* only */ ;"), ["select 1"]);
    assert.deepEqual(splitSql(""), []);
    assert.deepEqual(splitSql("-- nothing"), []);
  });

  it("keeps semicolons in single-quoted strings ('' escapes)", () => {
    assert.deepEqual(splitSql("insert into t values ('a;b', 'it''s; ok'); select 1"), [
      "insert into t values ('a;b', 'it''s; ok')",
      "select 1",
    ]);
  });

  it("honours backslash escapes in E'' strings only", () => {
    assert.deepEqual(splitSql("select E'a\\';b'; select 2"), ["select E'a\\';b'", "select 2"]);
    assert.deepEqual(splitSql("select 'a\\'; select 2"), ["select 'a\\'", "select 2"]);
  });

  it("keeps semicolons in double-quoted identifiers", () => {
    assert.deepEqual(splitSql('select 1 as "x;""y"; select 2'), ['select 1 as "x;""y"', "select 2"]);
  });

  it("keeps dollar-quoted bodies whole ($$ and $tag$)", () => {
    const fn = "create function f() returns int as $$ begin return 1; end; $$ language plpgsql";
    const tagged = "do $body$ begin perform 1; raise notice '$$;'; end $body$";
    assert.deepEqual(splitSql(`${fn}; ${tagged}; select 3`), [fn, tagged, "select 3"]);
  });

  it("does not treat $1 parameters or identifiers with $ as dollar quotes", () => {
    assert.deepEqual(splitSql("select $1, a$b$ from t; select 2"), ["select $1, a$b$ from t", "select 2"]);
  });

  it("ignores semicolons in -- and (nested) /* */ comments", () => {
    assert.deepEqual(splitSql("select 1 -- a;b\n + 1; /* x; /* y; */ z; */ select 2"), [
      "select 1 -- a;b\n + 1",
      "/* x; /* y; */ z; */ select 2",
    ]);
  });

  it("returns the rest when a quote or comment is unterminated", () => {
    assert.deepEqual(splitSql("select 'abc; select 2"), ["select 'abc; select 2"]);
    assert.deepEqual(splitSql("select $$abc; select 2"), ["select $$abc; select 2"]);
  });
});

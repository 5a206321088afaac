import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ToolError } from "../tool.ts";
import { bindParams } from "./bind-params.ts";

const configError = (message: string) =>
  new ToolError({ kind: "schema", retryable: false, code: "NOETL_E_PG_CONFIG", message });

describe("bindParams", () => {
  it("numbers a map's names per statement, reusing the number of a repeated name", () => {
    assert.deepEqual(
      bindParams(
        ["select %(b)s, %(a)s, %(b)s from t where x = '%(a)s' -- %(c)s", "select 1 %% 2, 'x%%y'"],
        { a: 1, b: "two" },
        configError,
      ),
      [
        { text: "select $1, $2, $1 from t where x = '%(a)s' -- %(c)s", values: ["two", 1] },
        { text: "select 1 % 2, 'x%y'" },
      ],
    );
  });

  it("numbers %s placeholders per statement, taking the list's values in order", () => {
    assert.deepEqual(
      bindParams(["insert into t values (%s, %s)", "select %s, $$%s$$, a % b"], [1, 2, 3], configError),
      [
        { text: "insert into t values ($1, $2)", values: [1, 2] },
        { text: "select $1, $$%s$$, a % b", values: [3] },
      ],
    );
  });

  it("leaves the $n form and a statement without params untouched", () => {
    assert.deepEqual(bindParams(["select $1, '%%'"], [1], configError), [
      { text: "select $1, '%%'", values: [1] },
    ]);
    assert.deepEqual(bindParams(["select '%%', %s"], undefined, configError), [{ text: "select '%%', %s" }]);
  });
});

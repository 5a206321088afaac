import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sqlSegments } from "./sql-segments.ts";

/** The segments as [kind, text] pairs. */
const layout = (sql: string) => sqlSegments(sql).map((s) => [s.kind, sql.slice(s.start, s.end)]);

describe("sqlSegments", () => {
  it("cuts code, strings, identifiers, dollar bodies and comments, covering the text whole", () => {
    const sql = `select 'a;b', E'c\\'d', "x""y", $t$ ; $t$, $1 -- note\n/* a /* b */ c */ from t`;
    assert.deepEqual(layout(sql), [
      ["code", "select "],
      ["string", "'a;b'"],
      ["code", ", E"],
      ["string", "'c\\'d'"],
      ["code", ", "],
      ["identifier", '"x""y"'],
      ["code", ", "],
      ["dollar", "$t$ ; $t$"],
      ["code", ", $1 "],
      ["comment", "-- note\n"],
      ["comment", "/* a /* b */ c */"],
      ["code", " from t"],
    ]);
    assert.equal(
      layout(sql)
        .map(([, text]) => text)
        .join(""),
      sql,
    );
  });

  it("runs an unterminated quote or comment to the end, and gives nothing for an empty text", () => {
    assert.deepEqual(layout("select 'abc"), [
      ["code", "select "],
      ["string", "'abc"],
    ]);
    assert.deepEqual(layout("/* open"), [["comment", "/* open"]]);
    assert.deepEqual(layout(""), []);
  });
});

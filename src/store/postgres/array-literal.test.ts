import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { PG_URL, postgresSkipReason } from "../../testing/index.ts";
import { arrayLiteral, jsonTextsLiteral } from "./array-literal.ts";

/** Strings PostgreSQL's array syntax treats specially, and those `JSON.stringify` escapes. */
const TRICKY = [
  "",
  "plain",
  'a "quoted" word',
  'back\\slash \\\\ and \\"',
  "{braces}, commas, (parens) and spaces  ",
  "NULL",
  "null",
  "naïve — ünïcödé ✓ and an emoji 🙂",
  "\u2028 line separator, \u007f delete",
];
const NOT_VERBATIM = ["new\nline", "tab\there", "control \u0001 character", "lone \ud800 surrogate"];

describe("array literals by JSON.stringify", () => {
  it("writes an array literal, or leaves to pg what JSON.stringify would escape differently", () => {
    assert.equal(arrayLiteral(["a", null, 'b"c']), '{"a",null,"b\\"c"}');
    assert.equal(arrayLiteral([1, 2]), "{1,2}");
    assert.equal(arrayLiteral([]), "{}");
    for (const s of NOT_VERBATIM) assert.deepEqual(arrayLiteral(["ok", s]), ["ok", s], JSON.stringify(s));
    assert.deepEqual(arrayLiteral([1, Number.NaN]), [1, Number.NaN]);
    assert.equal(
      jsonTextsLiteral([JSON.stringify({ a: 'x"\n\\' })]),
      '{"{\\"a\\":\\"x\\\\\\"\\\\n\\\\\\\\\\"}"}',
    );
  });
});

const skip = await postgresSkipReason();
describe("array literals read back by PostgreSQL", { skip }, () => {
  let client: pg.Client;
  before(async () => {
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
  });
  after(() => client?.end());

  const readBack = async (literal: unknown, type: string) =>
    (await client.query(`SELECT $1::${type} AS v`, [literal])).rows[0].v as unknown[];

  it("text: every element as pg's own literal gives it (and NULL for null)", async () => {
    const values = [...TRICKY, null];
    assert.deepEqual(await readBack(arrayLiteral(values), "text[]"), values);
    assert.deepEqual(await readBack(arrayLiteral(values), "text[]"), await readBack(values, "text[]"));
    const withControl = ["x", ...NOT_VERBATIM];
    // pg turns a lone surrogate into U+FFFD on the wire whichever way: compare with its own literal
    assert.deepEqual(
      await readBack(arrayLiteral(withControl), "text[]"),
      await readBack(withControl, "text[]"),
    );
  });

  it("bigint and empty arrays", async () => {
    // (pg reads bigints back as strings)
    const big = await readBack(arrayLiteral([0, 1_765_000_000_000, -5]), "bigint[]");
    assert.deepEqual(big, ["0", "1765000000000", "-5"]);
    assert.deepEqual(await readBack(arrayLiteral([]), "text[]"), []);
  });

  it("json: the texts JSON.stringify wrote, escapes and all, come back as the same values", async () => {
    const objects = [
      { s: TRICKY, n: 1.5, nested: { 'k"ey': ["\n", "\t", "\u0001", "\ud800", "\\"] } },
      null,
      'just a string with "quotes" and \\',
      [],
    ];
    const texts = objects.map((o) => JSON.stringify(o));
    const back = await readBack(jsonTextsLiteral(texts), "json[]");
    assert.deepEqual(
      back,
      objects.map((o) => JSON.parse(JSON.stringify(o))),
    );
  });
});

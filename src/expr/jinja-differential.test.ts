/**
 * Differential suite: every case was rendered by real Jinja2 (scripts/gen-jinja-fixtures.py);
 * our engine must print exactly the same text, or fail where Jinja2 fails.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { compile } from "./index.ts";

interface Case {
  template: string;
  output?: string;
  error?: string;
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/jinja-cases.json", import.meta.url), "utf8")) as {
  jinja2: string;
  context: Record<string, unknown>;
  cases: Case[];
};

/** Cases skipped as known, documented differences (see README.md); none at present. */
const KNOWN_DIFFERENCES = new Set<string>();

test(`fixture has at least 400 cases (Jinja2 ${fixture.jinja2})`, () => {
  assert.ok(fixture.cases.length >= 400);
});

const mismatches: string[] = [];
for (const c of fixture.cases) {
  if (KNOWN_DIFFERENCES.has(c.template)) continue;
  let got: string | undefined;
  let err: unknown;
  try {
    got = compile(c.template).renderText(fixture.context);
  } catch (e) {
    err = e;
  }
  if (c.error !== undefined) {
    if (err === undefined)
      mismatches.push(`${c.template}: Jinja2 raised ${c.error}, we rendered ${JSON.stringify(got)}`);
  } else if (err !== undefined) {
    mismatches.push(
      `${c.template}: we raised ${(err as Error).message}, Jinja2 rendered ${JSON.stringify(c.output)}`,
    );
  } else if (got !== c.output) {
    mismatches.push(`${c.template}: got ${JSON.stringify(got)}, Jinja2 ${JSON.stringify(c.output)}`);
  }
}

test("renders exactly like Jinja2", () => {
  assert.deepEqual(mismatches, []);
});

/**
 * Every YAML example of README.md and docs/*.md is a valid playbook, or a valid part of one
 * (a list of steps, a step, a step's `tool`): fragments are placed in a minimal playbook.
 * Complete playbooks (with `apiVersion`) also run to completion embedded: they need no service.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { parsePlaybook } from "../../src/dsl/index.ts";
import { type Harness, harness } from "../support/run-playbook.ts";

interface Example {
  where: string;
  text: string;
}

const root = new URL("../../", import.meta.url);
const DOCS = [
  "README.md",
  ...readdirSync(new URL("docs/", root))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

function examples(): Example[] {
  const out: Example[] = [];
  for (const file of DOCS) {
    const doc = readFileSync(new URL(file, root), "utf8");
    for (const m of doc.matchAll(/^```yaml\n([\s\S]*?)^```/gm)) {
      const line = doc.slice(0, m.index).split("\n").length;
      out.push({ where: `${file}:${line}`, text: m[1] as string });
    }
  }
  return out;
}

type Step = Record<string, unknown> & { step?: unknown; next?: { arcs?: Array<{ step?: unknown }> } };

/** A fragment as a playbook: steps as the workflow, a single step or a step's `tool` as one step. */
function asPlaybook(text: string): string {
  const value = parse(text) as unknown;
  if (value && typeof value === "object" && !Array.isArray(value) && "apiVersion" in value) return text;
  const steps: Step[] = Array.isArray(value)
    ? (value as Step[])
    : value && typeof value === "object" && "step" in value
      ? [value as Step]
      : [{ step: "example", ...(value as object) }];
  // arcs may name steps the fragment leaves out: they are noop steps here
  const names = new Set(steps.map((s) => s.step));
  const missing = steps
    .flatMap((s) => s.next?.arcs ?? [])
    .map((a) => a.step)
    .filter((n) => !names.has(n));
  const workflow = [...steps, ...[...new Set(missing)].map((step) => ({ step }))];
  return stringify({
    apiVersion: "noetl.io/v2",
    kind: "Playbook",
    metadata: { name: "doc_example" },
    workflow,
  });
}

const all = examples();
let h: Harness;

describe("documentation examples", () => {
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  it("finds the YAML examples", () => {
    assert.ok(all.length >= 10, `only ${all.length} YAML examples found`);
  });

  for (const ex of all) {
    it(`${ex.where} is valid`, () => {
      const { diagnostics } = parsePlaybook(asPlaybook(ex.text), { file: ex.where });
      // errors, and legacy shapes (the docs show the canonical ones); unreachable steps are fine
      const problems = diagnostics.filter((d) => d.severity === "error" || d.code === "NOETL_W_DSL_LEGACY");
      assert.deepEqual(
        problems.map((d) => `${d.code}: ${d.message} (${d.path})`),
        [],
      );
    });
    if (/^apiVersion:/m.test(ex.text)) {
      it(`${ex.where} runs`, async () => {
        const r = await h.run(ex.text);
        assert.equal(r.status, "completed", JSON.stringify(r.error));
      });
    }
  }
});

/** Every playbook in examples/ runs to completion embedded (the README points users at them). */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type Harness, harness } from "../support/run-playbook.ts";

const dir = new URL("../../examples/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
/** Examples that end in `failed` on purpose (they show unhandled errors). */
const EXPECTED_FAILED = new Set(["unhandled.yaml"]);
let h: Harness;

describe("examples", () => {
  before(async () => {
    h = await harness();
    // sub-playbooks are resolved through the catalog
    await h.app.orchestrator.register(readFileSync(new URL("child.yaml", dir), "utf8"));
  });
  after(() => h.close());

  for (const file of files) {
    it(`${file} runs`, async () => {
      const r = await h.runFile(new URL(file, dir).pathname);
      assert.equal(r.status, EXPECTED_FAILED.has(file) ? "failed" : "completed", JSON.stringify(r.error));
    });
  }
});

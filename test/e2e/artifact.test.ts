/**
 * `kind: artifact` end to end, embedded: a step stores a value as a result reference, which later
 * steps read through transparently (DECISIONS 38), and a later execution reads it back by the
 * reference string (the real store in between).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isResultRef } from "../../src/protocol/index.ts";
import { eventsOfType, type Harness, harness } from "../support/run-playbook.ts";

let h: Harness;

describe("artifact: a stored value read by later steps and by a later execution", () => {
  before(async () => {
    h = await harness();
  });
  after(() => h?.close());

  it("round-trips the value through its reference", async () => {
    const first = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: artifact_put, path: e2e/artifact_put }
workflow:
  - step: save
    tool: { kind: artifact, action: put, name: report, data: { rows: [1, 2, 3], title: "Q4" } }
    next: { arcs: [{ step: end, set: { ctx.title: "{{ save.title }}" } }] }
  - step: end
    tool: { kind: noop, result: { title: "{{ ctx.title }}" } }
`);
    assert.equal(first.status, "completed", JSON.stringify(first.error));
    assert.deepEqual(first.result, { title: "Q4" });
    const done = eventsOfType(first.events, "call.done").find((e) => e.step === "save");
    const ref = (done?.payload as { result?: unknown } | undefined)?.result;
    assert.ok(isResultRef(ref), `save's result is a reference: ${JSON.stringify(ref)}`);

    const second = await h.run(
      `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: artifact_get, path: e2e/artifact_get }
workflow:
  - step: load
    tool: { kind: artifact, action: get, result_ref: "{{ workload.report }}" }
    next: { arcs: [{ step: end, set: { ctx.n: "{{ load.rows | length }}" } }] }
  - step: end
    tool: { kind: noop, result: { n: "{{ ctx.n }}" } }
`,
      { report: ref.ref },
    );
    assert.equal(second.status, "completed", JSON.stringify(second.error));
    assert.deepEqual(second.result, { n: 3 });
  });
});

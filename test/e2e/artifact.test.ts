/**
 * `kind: artifact` end to end, embedded: a step stores a value and gets its descriptor
 * `{uri, size_bytes, compressed}`; a later step and a later execution read the value back by that
 * uri as `{data, uri, size_bytes, compressed}` (reference §5), the real store in between.
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

  it("round-trips the value through its uri", async () => {
    const first = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: artifact_put, path: e2e/artifact_put }
workflow:
  - step: save
    tool: { kind: artifact, action: put, name: report, data: { rows: [1, 2, 3], title: "Q4" } }
    next: { arcs: [{ step: load, set: { ctx.size: "{{ save.size_bytes }}" } }] }
  - step: load
    tool: { kind: artifact, action: get, uri: "{{ save.uri }}" }
    next: { arcs: [{ step: end }] }
  - step: end
    tool: { kind: noop, result: { title: "{{ load.data.title }}", size: "{{ ctx.size }}", same: "{{ load.size_bytes == ctx.size }}" } }
`);
    assert.equal(first.status, "completed", JSON.stringify(first.error));
    const size = Buffer.byteLength(JSON.stringify({ rows: [1, 2, 3], title: "Q4" }));
    assert.deepEqual(first.result, { title: "Q4", size, same: true });
    const done = eventsOfType(first.events, "call.done").find((e) => e.step === "save");
    const saved = (done?.payload as { result?: { uri?: unknown; compressed?: unknown } } | undefined)?.result;
    assert.ok(saved && !isResultRef(saved), `save's result is a descriptor: ${JSON.stringify(saved)}`);
    assert.equal(saved.compressed, false);
    assert.match(String(saved.uri), /^noetl:\/\/execution\/.+\/result\/[^/]*report\//);

    const second = await h.run(
      `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: artifact_get, path: e2e/artifact_get }
workflow:
  - step: load
    tool: { kind: artifact, action: get, result_ref: "{{ workload.report }}" }
    next: { arcs: [{ step: end, set: { ctx.n: "{{ load.data.rows | length }}" } }] }
  - step: end
    tool: { kind: noop, result: { n: "{{ ctx.n }}" } }
`,
      { report: saved.uri as string },
    );
    assert.equal(second.status, "completed", JSON.stringify(second.error));
    assert.deepEqual(second.result, { n: 3 });
  });
});

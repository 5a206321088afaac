/**
 * A task's input is `tool.args ∪ tool.input ∪ step input`, later wins (reference §2.3): the
 * tool's values (or a workbook entry's) are defaults, the step's input is what the call was given.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Harness, harness } from "../support/run-playbook.ts";

let h: Harness;
before(async () => {
  h = await harness({ memory: true });
});
after(() => h?.close());

describe("task input", () => {
  it("the step's input wins over the tool's input and args; the tool's fill the rest", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: input_order, path: input/order }
workflow:
  - step: start
    input: { x: 10 }
    tool: { kind: python, args: { x: 0, y: 0, z: 0 }, input: { x: 1, y: 2 }, code: "result = input_data" }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.result, { x: 10, y: 2, z: 0 });
  });

  it("a workbook entry's input is a default the calling step overrides", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: input_workbook, path: input/workbook }
workbook:
  - name: double
    tool: { kind: javascript, input: { n: 1, factor: 2 }, code: "return n * factor" }
workflow:
  - step: start
    input: { n: 21 }
    tool: { kind: workbook, task: double }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.result, 42);
  });

  it("a workbook call may name its entry with `name:` as well as `task:`", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: workbook_name, path: input/workbook_name }
workbook:
  - name: dbl
    tool: { kind: javascript, code: "return n * 2" }
workflow:
  - step: start
    input: { n: 4 }
    tool: { kind: workbook, name: dbl }
    next: { arcs: [{ step: piped }] }
  - step: piped
    input: { n: "{{ start }}" }
    tool: [{ name: dbl, kind: workbook }, { name: again, kind: workbook, task: dbl }]
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.steps.start, 8);
    assert.deepEqual(r.steps.piped, { data: 16, results: { dbl: 16, again: 16 }, status: "ok" });
  });
});

describe("now()", () => {
  it("is a UTC datetime in the engine's templates (the decision's time) and the worker's", async () => {
    const before = Date.now();
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: now_fn, path: input/now }
workflow:
  - step: start
    input: { at: "{{ now() }}", text: "at {{ now() }}" }
    tool:
      kind: noop
      result:
        at: "{{ input.at }}"
        text: "{{ input.text }}"
        day: "{{ now().strftime('%Y-%m-%d %H:%M') }}"
        year: "{{ now().year }}"
        json: "{{ {'t': now()} | tojson }}"
    set: { ctx.when: "{{ now() }}" }
    next: { arcs: [{ step: after, when: "{{ now().year >= 2024 }}" }] }
  - step: after
    tool: { kind: noop, result: "{{ ctx.when }}" }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    const s = r.steps.start as Record<string, string | number>;
    // a native value (one `{{ }}`) is the ISO string; printed in text, Python's str(datetime)
    assert.match(String(s.at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    assert.match(String(s.text), /^at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    assert.match(String(s.day), /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    assert.equal(s.year, new Date().getUTCFullYear());
    assert.match(String(s.json), /^\{"t": "\d{4}-\d\d-\d\dT[^"]+\+00:00"\}$/);
    const when = Date.parse(String(r.result));
    assert.ok(
      when >= before - 1000 && when <= Date.now() + 1000,
      `now() ${String(r.result)} is not the run's time`,
    );
  });
});

/**
 * Older shapes run with the semantics their authors expect: the Docs' boundary event names
 * (`step.done`/`step.failed`, DECISIONS 8), `loop.filter` (applied, not dropped), and a bare list
 * of names in `next` (fires every target, as the runtime that accepted it did).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Harness, harness } from "../support/run-playbook.ts";

let h: Harness;
before(async () => {
  h = await harness({ memory: true });
});
after(() => h?.close());

const HEAD = "apiVersion: noetl.io/v2\nkind: Playbook\n";

describe("legacy shapes", () => {
  it("step.done and step.failed are aliases of call.done and call.error in `when`", async () => {
    const playbook = (
      fail: boolean,
    ) => `${HEAD}metadata: { name: aliases_${fail}, path: legacy/aliases_${fail} }
workflow:
  - step: start
    tool: { kind: javascript, code: "${fail ? "throw new Error('boom')" : "return { ok: true }"}" }
    next:
      arcs:
        - { step: good, when: "{{ event.name == 'step.done' }}" }
        - { step: bad, when: '{{ event.name == "step.failed" }}' }
  - step: good
    tool: { kind: noop, result: "good" }
  - step: bad
    tool: { kind: noop, result: "handled {{ error.message }}" }
`;
    const ok = await h.run(playbook(false));
    assert.equal(ok.status, "completed", JSON.stringify(ok.error));
    assert.equal(ok.result, "good");
    assert.equal(ok.runs.bad ?? 0, 0);
    const failed = await h.run(playbook(true));
    assert.equal(failed.status, "completed", JSON.stringify(failed.error));
    assert.equal(failed.result, "handled Error: boom");
    assert.equal(failed.runs.good ?? 0, 0);
  });

  it("the design notes' `next: [{when, then}, {else}]` takes the alias too", async () => {
    const r = await h.run(`${HEAD}metadata: { name: notes_alias, path: legacy/notes_alias }
workflow:
  - step: start
    tool: { kind: javascript, code: "throw new Error('down')" }
    next:
      - when: "{{ event.name == 'step.failed' }}"
        then: [{ step: handler, with: { why: "{{ error.message }}" } }]
      - else: [{ step: onward }]
  - step: handler
    tool: { kind: noop, result: "{{ input.why }}" }
  - step: onward
    tool: { kind: noop, result: "onward" }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.result, "Error: down");
  });

  it("loop.filter leaves out the items its condition is false for", async () => {
    const r = await h.run(`${HEAD}metadata: { name: loop_filter, path: legacy/loop_filter }
workload:
  cities: [{ name: a, ok: true }, { name: b, ok: false }, { name: c, ok: true }]
workflow:
  - step: each
    loop: { in: "{{ workload.cities }}", iterator: c, filter: "{{ c.ok and iter.index < 5 }}" }
    tool: { kind: noop, result: "{{ c.name }}" }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual((r.result as { results: unknown[] }).results, ["a", "c"]);
    assert.equal(r.events.filter((e) => e.type === "call.done" && e.step === "each").length, 2);
  });

  it("iterations see the Rust runtime's names too: iter._first, iter._last, iter._total", async () => {
    const r = await h.run(`${HEAD}metadata: { name: iter_names, path: legacy/iter_names }
workflow:
  - step: each
    loop: { in: [a, b, c], iterator: x }
    tool: { kind: noop, result: "{{ x }}{{ iter._index }}{{ '^' if iter._first }}{{ '$' if iter._last }}/{{ iter._total }}" }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual((r.result as { results: unknown[] }).results, ["a0^/3", "b1/3", "c2$/3"]);
  });

  it("a scalar `tool: python` takes its fields from the step, as `type: python` does", async () => {
    const r = await h.run(`${HEAD}metadata: { name: scalar_tool, path: legacy/scalar_tool }
workflow:
  - step: start
    tool: python
    input: { x: 20 }
    code: |
      result = {"doubled": x * 2}
    next: { arcs: [{ step: js }] }
  - step: js
    tool: javascript
    input: { d: "{{ start.doubled }}" }
    code: "return d + 2"
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.equal(r.result, 42);
  });

  it("a step `retry:` block retries the failing task (here until its third attempt)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "noetl-retry-"));
    try {
      const r = await h.run(`${HEAD}metadata: { name: step_retry, path: legacy/step_retry }
workflow:
  - step: flaky
    tool:
      kind: shell
      cmds: ["n=$(cat ${dir}/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${dir}/n; test $n -ge 3"]
    retry: { max_attempts: 5, initial_delay: 0, backoff_multiplier: 2 }
`);
      assert.equal(r.status, "completed", JSON.stringify(r.error));
      assert.equal(readFileSync(join(dir, "n"), "utf8").trim(), "3");
      const tooFew = await h.run(`${HEAD}metadata: { name: step_retry_2, path: legacy/step_retry_2 }
workflow:
  - step: flaky
    tool: { kind: shell, cmds: ["false"] }
    retry: { max_attempts: 2, initial_delay: 0 }
`);
      assert.equal(tooFew.status, "failed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the design notes' run: [{task, with}] step routes on its task's outcome by name", async () => {
    const playbook = (city: string) => `${HEAD}metadata: { name: run_tasks, path: legacy/run_tasks }
workload: { city: "${city}" }
workbook:
  - name: fetch_weather
    tool: { kind: javascript, code: "if (city === 'Nowhere') throw new Error('no such city'); return { temp: 12, city }" }
workflow:
  - step: fetch_data
    run:
      - task: fetch_weather
        with: { city: "{{ workload.city }}" }
    next:
      - when: "{{ fetch_weather.status == 'success' }}"
        then: [{ step: process_data, with: { weather: "{{ fetch_weather.data }}" } }]
      - else: [{ step: error_handler, with: { error: "{{ fetch_weather.error.message }}" } }]
  - step: process_data
    tool: { kind: noop, result: "{{ input.weather.city }} {{ input.weather.temp }}" }
  - step: error_handler
    tool: { kind: noop, result: "handled: {{ input.error }}" }
`;
    const ok = await h.run(playbook("London"));
    assert.equal(ok.status, "completed", JSON.stringify(ok.error));
    assert.equal(ok.result, "London 12");
    const failed = await h.run(playbook("Nowhere"));
    assert.equal(failed.status, "completed", JSON.stringify(failed.error));
    assert.equal(failed.result, "handled: Error: no such city");
  });

  it("a loop.filter that cannot render fails the step with where it is", async () => {
    const r = await h.run(`${HEAD}metadata: { name: loop_filter_bad, path: legacy/loop_filter_bad }
workflow:
  - step: each
    loop: { in: [1, 2], iterator: x, filter: "{{ x.missing.deeper }}" }
    tool: { kind: noop, result: "{{ x }}" }
`);
    assert.equal(r.status, "failed");
    assert.match(JSON.stringify(r.error), /loop\.filter of step 'each'/);
  });

  it("`next: [a, b]` fires both targets; with spec.next_mode: exclusive only the first", async () => {
    const playbook = (
      mode: string,
    ) => `${HEAD}metadata: { name: bare_${mode || "x"}, path: legacy/bare_${mode || "x"} }
workflow:
  - step: start
    ${mode ? `spec: { next_mode: ${mode} }\n    ` : ""}next: [a, b]
  - step: a
    tool: { kind: noop, result: "a" }
  - step: b
    tool: { kind: noop, result: "b" }
`;
    const all = await h.run(playbook(""));
    assert.equal(all.status, "completed", JSON.stringify(all.error));
    assert.deepEqual([all.runs.a, all.runs.b], [1, 1]);
    const first = await h.run(playbook("exclusive"));
    assert.deepEqual([first.runs.a, first.runs.b ?? 0], [1, 0]);
  });
});

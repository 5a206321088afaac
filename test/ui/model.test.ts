/**
 * The web UI's pure modules (no browser): the playbook → graph reading, the event fold that
 * colours steps, the timeline summaries and the redaction of displayed values.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

type Json = unknown;
interface Step {
  state: string;
  runs: number;
  loop?: { done: number; total: number; ok: number; failed: number };
  error?: { message: string };
  result?: Json;
  skipped?: { reason: string };
  commands: Array<{ state: string; duration_ms?: number; tasks: unknown[] }>;
}
interface Model {
  status: string;
  workload?: Json;
  lastSeq: number;
  events: unknown[];
  steps: Map<string, Step>;
  fired: Set<string>;
  apply(e: object): boolean;
  progress(name: string): string;
}
interface Graph {
  nodes: Array<{ id: string; loop?: boolean; missing?: boolean; kind?: string; entry?: boolean }>;
  edges: Array<{ id: string; label: string; implicit: boolean }>;
  workload: Json;
}
let ExecutionModel: new () => Model;
let summarize: (e: object) => string;
let graphOf: (doc: unknown) => Graph;
let parseYaml: (text: string) => Promise<unknown>;
let redact: (v: unknown) => unknown;

before(async () => {
  // ui/ is plain browser JavaScript (no types): loaded by URL so the type checker leaves it alone.
  const load = (p: string) => import(new URL(`../../ui/lib/${p}`, import.meta.url).href);
  ({ ExecutionModel, summarize } = await load("model.js"));
  ({ graphOf, parseYaml } = await load("playbook.js"));
  ({ redact } = await load("util.js"));
});

let seq = 0;
let at = 1_000;
function ev(type: string, step: string | undefined, payload: object) {
  seq += 1;
  at += 10;
  return { execution_id: "1", event_id: String(seq), seq, type, ...(step ? { step } : {}), at, payload };
}
const issued = (step: string, id: string, extra: object = {}) =>
  ev("command.issued", step, { command: { command_id: id, step, input: { x: 1 }, attempt: 1, ...extra } });

describe("ui/lib/model.js", () => {
  it("folds a loop, a failed step, a skip and completion", () => {
    seq = 0;
    const m = new ExecutionModel();
    m.apply(ev("playbook.initialized", undefined, { path: "p", catalog_version: 2, workload: { n: 3 } }));
    m.apply(issued("start", "c1"));
    assert.equal(m.steps.get("start")?.state, "running");
    m.apply(ev("step.enter", "start", { command_id: "c1" }));
    m.apply(
      ev("call.done", "start", { command_id: "c1", result: { ok: true }, status: "ok", duration_ms: 5 }),
    );
    m.apply(ev("next.evaluated", "start", { event: "call.done", fired: ["loop", "bad"], mode: "inclusive" }));
    m.apply(ev("step.skipped", "never", { reason: "untaken", from: "start" }));
    m.apply(
      ev("loop.started", "loop", {
        loop_id: "L",
        items: [1, 2, 3],
        total: 3,
        limit: 2,
        input: {},
        entry: {},
      }),
    );
    for (const i of [0, 1, 2])
      m.apply(
        issued("loop", `l${i}`, {
          iter: { index: i, total: 3, item: i + 1 },
          loop: { loop_id: "L", index: i },
        }),
      );
    m.apply(issued("bad", "b1"));
    m.apply(
      ev("call.done", "loop", { command_id: "l0", loop_id: "L", loop_index: 0, result: 1, status: "ok" }),
    );
    assert.equal(m.progress("loop"), "1/3");
    m.apply(
      ev("task.done", "bad", {
        command_id: "b1",
        task: "t",
        attempt: 1,
        status: "error",
        action: "fail",
        duration_ms: 3,
        error: { message: "boom" },
      }),
    );
    m.apply(
      ev("call.error", "bad", { command_id: "b1", result: null, error: { message: "boom", code: "E" } }),
    );
    // an infrastructure failure of one iteration counts as a failed iteration
    m.apply(ev("command.failed", "loop", { command_id: "l1", error: { message: "worker died" } }));
    m.apply(
      ev("call.done", "loop", { command_id: "l2", loop_id: "L", loop_index: 2, result: 3, status: "ok" }),
    );
    // a late duplicate report changes nothing
    m.apply(
      ev("call.done", "loop", { command_id: "l2", loop_id: "L", loop_index: 2, result: 3, status: "ok" }),
    );
    assert.equal(m.steps.get("loop")?.state, "running");
    m.apply(
      ev("loop.done", "loop", {
        loop_id: "L",
        status: "completed",
        result: { results: [1, null, 3] },
        stats: { total: 3, success: 2, failed: 1 },
      }),
    );
    m.apply(ev("playbook.completed", undefined, { result: 42 }));

    const state = Object.fromEntries([...m.steps].map(([k, v]) => [k, v.state]));
    assert.deepEqual(state, { start: "done", loop: "done", bad: "failed", never: "skipped" });
    assert.equal(m.progress("loop"), "3/3");
    assert.deepEqual(m.steps.get("loop")?.loop, {
      loop_id: "L",
      total: 3,
      limit: 2,
      done: 3,
      ok: 2,
      failed: 1,
      stats: { total: 3, success: 2, failed: 1 },
    });
    assert.equal(m.steps.get("bad")?.error?.message, "boom");
    assert.equal(m.steps.get("bad")?.commands[0]?.tasks.length, 1);
    assert.equal(m.steps.get("start")?.commands[0]?.duration_ms, 5);
    assert.equal(m.steps.get("never")?.skipped?.reason, "untaken");
    assert.ok(m.fired.has("start->loop") && m.fired.has("start->bad"));
    assert.equal(m.status, "completed");
    assert.deepEqual(m.workload, { n: 3 });
  });

  it("ignores events it has seen (stream and pages may overlap)", () => {
    seq = 0;
    const m = new ExecutionModel();
    const a = issued("a", "c1");
    assert.equal(m.apply(a), true);
    assert.equal(m.apply(a), false);
    assert.equal(m.events.length, 1);
    assert.equal(m.steps.get("a")?.runs, 1);
  });

  it("marks what was running as cancelled when the execution is cancelled", () => {
    seq = 0;
    const m = new ExecutionModel();
    m.apply(issued("a", "c1"));
    m.apply(ev("call.done", "a", { command_id: "c1", result: 1, status: "ok" }));
    m.apply(issued("b", "c2"));
    m.apply(ev("execution.cancel_requested", undefined, { reason: "stop" }));
    m.apply(ev("command.cancelled", "b", { command_id: "c2", reason: "execution cancelled" }));
    m.apply(ev("execution.cancelled", undefined, { reason: "stop" }));
    assert.equal(m.status, "cancelled");
    assert.equal(m.steps.get("a")?.state, "done");
    assert.equal(m.steps.get("b")?.state, "cancelled");
    assert.equal(m.steps.get("b")?.commands[0]?.state, "cancelled");
  });

  it("summarises events for the timeline", () => {
    assert.equal(
      summarize({ type: "next.evaluated", payload: { event: "call.done", fired: ["a", "b"] } }),
      "call.done → a, b",
    );
    assert.equal(
      summarize({ type: "call.error", payload: { error: { message: "bad" }, loop_index: 2 } }),
      "iteration 3 bad",
    );
    assert.equal(
      summarize({
        type: "loop.done",
        payload: { status: "completed", stats: { total: 6, success: 6, failed: 0 } },
      }),
      "completed: 6/6 ok, 0 failed",
    );
    assert.equal(
      summarize({ type: "step.skipped", payload: { reason: "untaken", from: "start" } }),
      "untaken (from start)",
    );
  });
});

describe("ui/lib/playbook.js", () => {
  it("reads canonical arcs, loops, missing targets and the workload", async () => {
    const g = graphOf(
      await parseYaml(`
workload: { items: [1, 2] }
workflow:
  - step: start
    next:
      spec: { mode: inclusive }
      arcs:
        - { step: each }
        - { step: risky, when: "{{ workload.items | length > 1 }}" }
  - step: each
    loop: { in: "{{ workload.items }}", iterator: i }
    tool: { kind: javascript, code: "return i" }
    next: { arcs: [{ step: ghost }] }
  - step: risky
    tool: { kind: python, code: "x" }
    next:
      arcs:
        - { step: each, when: "{{ event.name == 'call.error' }}" }
`),
    );
    assert.deepEqual(
      g.nodes.map((n) => [n.id, !!n.loop, !!n.missing, n.kind ?? null]),
      [
        ["start", false, false, null],
        ["each", true, false, "javascript"],
        ["risky", false, false, "python"],
        ["ghost", false, true, null],
      ],
    );
    assert.deepEqual(
      g.edges.map((e) => [e.id, e.label]),
      [
        ["start->each", ""],
        ["start->risky", "workload.items | length > 1"],
        ["each->ghost", ""],
        ["risky->each", "on error"],
      ],
    );
    assert.deepEqual(g.workload, { items: [1, 2] });
  });

  it("reads the legacy shapes and routes a step without next to `end`", async () => {
    const g = graphOf(
      await parseYaml(`
workflow:
  - step: start
    next:
      - when: "{{ start.hot }}"
        then: [{ step: hot }]
      - else: [{ step: cold }]
  - step: hot
    next: end
  - step: cold
    next: [other]
  - step: other
    run: [{ step: end }]
  - step: lone
  - step: end
`),
    );
    assert.deepEqual(
      g.edges.map((e) => [e.id, e.label, e.implicit]),
      [
        ["start->hot", "start.hot", false],
        ["start->cold", "else", false],
        ["hot->end", "", false],
        ["cold->other", "", false],
        ["other->end", "", false],
        ["lone->end", "", true],
      ],
    );
  });
});

describe("ui/lib/util.js redact", () => {
  it("masks secret-looking fields at any depth", () => {
    assert.deepEqual(
      redact({
        user: "ada",
        password: "p",
        nested: [{ api_key: "k", token: 7, keep: { Authorization: "Bearer x" } }],
      }),
      {
        user: "ada",
        password: "[REDACTED]",
        nested: [{ api_key: "[REDACTED]", token: "[REDACTED]", keep: { Authorization: "[REDACTED]" } }],
      },
    );
  });
});

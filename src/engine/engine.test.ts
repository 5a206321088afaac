/**
 * Engine rules, driven with synthetic worker events (no I/O): every decision is checked, and
 * every run is replayed with `fold` to the same state.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadPlaybook } from "../dsl/index.ts";
import { compile } from "../expr/index.ts";
import type { ExecutionId, Json } from "../kernel/index.ts";
import type { Command, NoetlEvent, ToolErrorInfo } from "../protocol/index.ts";
import { CounterIds } from "../testing/index.ts";
import { executionScope, fold, handle, stateView, summarize } from "./index.ts";
import { createState, type ExecutionState } from "./state.ts";

const EID = "1000" as ExecutionId;

function doc(workflow: string, extra = ""): string {
  return `apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: t}\n${extra}\nworkflow:\n${workflow}`;
}

class Run {
  readonly ids = new CounterIds();
  readonly state: ExecutionState;
  readonly log: NoetlEvent[] = [];
  readonly pending: Command[] = [];
  readonly playbook;
  constructor(yaml: string, workload: Record<string, Json> = {}, entryStep?: string) {
    this.playbook = loadPlaybook(yaml);
    this.state = createState(this.playbook, EID);
    this.feed({
      execution_id: EID,
      event_id: this.ids.next(),
      type: "playbook.initialized",
      at: 1,
      payload: {
        path: "t",
        workload: { ...this.playbook.workload, ...workload },
        engine_version: 1,
        ...(entryStep !== undefined ? { entry_step: entryStep } : {}),
      },
    } as NoetlEvent);
  }

  feed(event: NoetlEvent): void {
    this.log.push(event);
    const d = handle(this.state, event, {
      ids: this.ids,
      options: { maxInFlightCap: 100, inlineResultLimit: 65_536 },
    });
    this.log.push(...d.events);
    this.pending.push(...d.commands);
  }

  take(step?: string): Command {
    const i = step ? this.pending.findIndex((c) => c.step === step) : 0;
    assert.ok(i >= 0, `no pending command for ${step}; pending: ${this.pending.map((c) => c.step)}`);
    return this.pending.splice(i, 1)[0] as Command;
  }

  done(c: Command, result: Json, ctx_patch?: Record<string, Json>): void {
    this.feed({
      execution_id: EID,
      event_id: this.ids.next(),
      type: "call.done",
      step: c.step,
      at: 2,
      payload: {
        command_id: c.command_id,
        result,
        status: "ok",
        ...(c.loop ? { loop_id: c.loop.loop_id, loop_index: c.loop.index } : {}),
        ...(ctx_patch ? { ctx_patch } : {}),
      },
    } as NoetlEvent);
  }

  fail(c: Command, message: string): void {
    const error: ToolErrorInfo = { kind: "tool_error", retryable: false, code: "X", message };
    this.feed({
      execution_id: EID,
      event_id: this.ids.next(),
      type: "call.error",
      step: c.step,
      at: 2,
      payload: {
        command_id: c.command_id,
        result: null,
        error,
        ...(c.loop ? { loop_id: c.loop.loop_id, loop_index: c.loop.index } : {}),
      },
    } as NoetlEvent);
  }

  /** Runs every pending command with `fn` until nothing is pending. */
  drain(fn: (c: Command) => Json = () => null): void {
    while (this.pending.length > 0) {
      const c = this.take();
      this.done(c, fn(c));
    }
  }

  get status() {
    return summarize(this.state).status;
  }

  skipped(): string[] {
    return this.log.filter((e) => e.type === "step.skipped").map((e) => e.step as string);
  }

  assertReplay(): void {
    const replayed = fold(this.playbook, EID, this.log);
    assert.deepEqual(summarize(replayed), summarize(this.state));
  }
}

describe("engine", () => {
  it("enters the first step (or entry_step) and completes by quiescence with the last result", () => {
    const r = new Run(doc("  - step: a\n    next: {arcs: [{step: b}]}\n  - step: b\n"));
    const a = r.take();
    assert.equal(a.step, "a");
    r.done(a, 1);
    const b = r.take("b");
    r.done(b, { v: 2 });
    assert.equal(r.status, "completed");
    assert.deepEqual(summarize(r.state).result, { v: 2 });
    r.assertReplay();
  });

  it("entry_step overrides the first step", () => {
    const r = new Run(doc("  - step: a\n  - step: b\n", "executor: {spec: {entry_step: b}}"));
    assert.equal(r.take().step, "b");
  });

  it("an entry_step in playbook.initialized starts the run there; the log replays the same", () => {
    const r = new Run(doc("  - step: a\n    next: {arcs: [{step: b}]}\n  - step: b\n"), {}, "b");
    assert.deepEqual(
      r.log.filter((e) => e.type === "workflow.initialized").map((e) => e.payload),
      [{ first_step: "b" }],
    );
    const b = r.take();
    assert.equal(b.step, "b");
    r.done(b, 7);
    assert.equal(r.status, "completed");
    assert.deepEqual(Object.fromEntries(r.state.runs), { b: 1 });
    r.assertReplay();
  });

  it("exclusive arcs fire the first match; untaken branches are skipped transitively", () => {
    const wf = `  - step: s
    next: {arcs: [{step: x, when: "{{ workload.n > 5 }}"}, {step: y}]}
  - step: x
    next: {arcs: [{step: x2}]}
  - step: x2
  - step: y
`;
    const r = new Run(doc(wf), { n: 1 });
    r.drain();
    assert.equal(r.status, "completed");
    assert.deepEqual(summarize(r.state).runs, { s: 1, y: 1 });
    assert.deepEqual(r.skipped().sort(), ["x", "x2"]);
    r.assertReplay();
  });

  it("inclusive arcs fan out; the AND-join runs once after both branches", () => {
    const wf = `  - step: s
    next: {spec: {mode: inclusive}, arcs: [{step: a}, {step: b}, {step: c, when: "{{ false }}"}]}
  - step: a
    next: {arcs: [{step: j}]}
  - step: b
    next: {arcs: [{step: j}]}
  - step: c
    next: {arcs: [{step: j}]}
  - step: j
`;
    const r = new Run(doc(wf));
    r.done(r.take("s"), null);
    const a = r.take("a");
    const b = r.take("b");
    r.done(a, 1);
    assert.equal(r.pending.length, 0, "join must wait for b");
    r.done(b, 2);
    const j = r.take("j");
    r.done(j, 3);
    assert.equal(r.status, "completed");
    assert.equal(summarize(r.state).runs.j, 1);
    assert.ok(r.skipped().includes("c"));
    r.assertReplay();
  });

  it("step set runs before arcs; arc set and arc input are applied in order", () => {
    const wf = `  - step: s
    set: {ctx.n: "{{ output.data.v }}"}
    next:
      arcs:
        - step: t
          when: "{{ ctx.n == 7 }}"
          set: {ctx.m: "{{ ctx.n + 1 }}"}
          input: {msg: "{{ ctx.n }}"}
  - step: t
`;
    const r = new Run(doc(wf));
    r.done(r.take("s"), { v: 7 });
    const t = r.take("t");
    assert.deepEqual(t.input, { msg: 7 });
    assert.deepEqual(t.ctx, { n: 7, m: 8 });
  });

  it("stateView: the state as JSON, the same from the live run and from its log folded", () => {
    const wf = `  - step: s
    set: {ctx.n: "{{ output.data.v }}"}
    next: {arcs: [{step: t}]}
  - step: t
`;
    const r = new Run(doc(wf, "workload: {w: 1}"));
    r.done(r.take("s"), { v: 7 });
    const view = stateView(r.state);
    assert.equal(view.status, "running");
    assert.deepEqual(
      [view.workload, view.ctx, view.steps, view.runs],
      [{ w: 1 }, { n: 7 }, { s: { v: 7 } }, { s: 1, t: 1 }],
    );
    assert.deepEqual(
      view.in_flight.map((f) => [f.step, f.claimed]),
      [["t", false]],
    );
    assert.deepEqual(stateView(fold(r.playbook, EID, r.log)), view);
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view, "plain JSON");
  });

  it("executionScope: the execution's names as its templates see them outside a step", () => {
    const wf = `  - step: s
    set: {ctx.n: "{{ output.data.v }}"}
    next: {arcs: [{step: t}]}
  - step: t
`;
    const r = new Run(doc(wf, "workload: {w: 1, n: 0}"));
    r.done(r.take("s"), { v: 7 });
    const { scope, names } = executionScope(r.state);
    assert.deepEqual(names, ["ctx", "execution_id", "input", "n", "now", "s", "w", "workload"]);
    assert.equal(
      compile("{{ s.v }} {{ n }} {{ ctx.n }} {{ w }} {{ execution_id }}").render(scope),
      "7 7 7 1 1000",
    );
    assert.equal(compile("{{ now().year }}").render(scope), 1970);
  });

  it("step.k written by a step's set is local: its arcs see it, ctx does not", () => {
    const wf = `  - step: s
    set: {step.half: "{{ output.data.v // 2 }}", step.deep.k: 1}
    next:
      arcs:
        - step: small
          when: "{{ step.half < 3 }}"
        - step: big
          input: {half: "{{ step.half }}", k: "{{ step.deep.k }}"}
  - step: small
  - step: big
`;
    const r = new Run(doc(wf));
    r.done(r.take("s"), { v: 8 });
    const big = r.take("big");
    assert.deepEqual(big.input, { half: 4, k: 1 });
    assert.deepEqual(big.ctx, {});
    r.assertReplay();
  });

  it("a step without next routes to `end` when one exists", () => {
    const r = new Run(doc("  - step: a\n  - step: end\n"));
    r.drain();
    assert.deepEqual(summarize(r.state).runs, { a: 1, end: 1 });
  });

  it("no_next_is_error fails a step without next, and a step none of whose arcs matched", () => {
    const flag = "executor: {spec: {no_next_is_error: true}}";
    const bare = new Run(doc("  - step: a\n    next: {arcs: [{step: b}]}\n  - step: b\n", flag));
    bare.drain();
    assert.equal(bare.status, "failed");
    assert.equal(summarize(bare.state).error?.code, "NOETL_E_NO_NEXT");
    const wf =
      "  - step: a\n    next: {arcs: [{step: b, when: '{{ a == 1 }}'}]}\n  - step: b\n    next: {arcs: [{step: b}]}\n";
    const dead = new Run(doc(wf, flag));
    dead.done(dead.take("a"), 2);
    assert.equal(dead.status, "failed");
    assert.match(summarize(dead.state).error?.message ?? "", /no arc of step 'a' matched/);
    dead.assertReplay();
    const quiet = new Run(doc(wf));
    quiet.done(quiet.take("a"), 2);
    assert.equal(quiet.status, "completed", "without the flag a dead end ends the branch");
  });

  it("cycles re-enter their target", () => {
    const wf = `  - step: s
    set: {ctx.i: 0}
    next: {arcs: [{step: f}]}
  - step: f
    set: {ctx.i: "{{ ctx.i + 1 }}"}
    next: {arcs: [{step: f, when: "{{ ctx.i < 3 }}"}, {step: z}]}
  - step: z
`;
    const r = new Run(doc(wf));
    r.drain();
    assert.equal(r.status, "completed");
    assert.deepEqual(summarize(r.state).runs, { s: 1, f: 3, z: 1 });
    r.assertReplay();
  });

  it("admission deny skips the step", () => {
    const wf = `  - step: s
    next: {arcs: [{step: g}]}
  - step: g
    spec: {policy: {admit: {rules: [{when: "{{ workload.on }}", then: {allow: true}}, {else: {then: {allow: false}}}]}}}
`;
    const r = new Run(doc(wf), { on: false });
    r.drain();
    assert.equal(r.status, "completed");
    assert.deepEqual(r.skipped(), ["g"]);
  });

  it("a legacy step `when:` that is false skips that step only: its next is followed", () => {
    const wf = `  - step: s
    next: {arcs: [{step: optional}]}
  - step: optional
    when: "{{ workload.on }}"
    next: {arcs: [{step: after}]}
  - step: after
`;
    const off = new Run(doc(wf), { on: false });
    off.drain((c) => c.step);
    assert.equal(off.status, "completed");
    assert.deepEqual(off.skipped(), ["optional"]);
    assert.deepEqual(summarize(off.state).runs, { s: 1, after: 1 });
    off.assertReplay();
    const on = new Run(doc(wf), { on: true });
    on.drain((c) => c.step);
    assert.deepEqual(summarize(on.state).runs, { s: 1, optional: 1, after: 1 });
  });

  it("a join after a step skipped by a legacy `when:` runs once, after the other branch", () => {
    const wf = `  - step: s
    next: {spec: {mode: inclusive}, arcs: [{step: a}, {step: b}]}
  - step: a
    when: "{{ false }}"
    next: {arcs: [{step: j}]}
  - step: b
    next: {arcs: [{step: j}]}
  - step: j
`;
    const r = new Run(doc(wf));
    r.drain((c) => c.step);
    assert.equal(r.status, "completed");
    assert.deepEqual(summarize(r.state).runs, { s: 1, b: 1, j: 1 });
    assert.equal(summarize(r.state).result, "j");
    r.assertReplay();
  });

  it("parallel loop respects max_in_flight, aggregates in index order, then routes on loop.done", () => {
    const wf = `  - step: l
    loop: {in: "{{ range(7) | list }}", iterator: x, spec: {mode: parallel, max_in_flight: 3}}
    next: {arcs: [{step: after, when: "{{ event.name == 'loop.done' }}"}]}
  - step: after
    input: {n: "{{ l.stats.total }}"}
`;
    const r = new Run(doc(wf));
    assert.equal(r.pending.length, 3);
    let peak = 0;
    while (r.pending.some((c) => c.step === "l")) {
      peak = Math.max(peak, r.pending.filter((c) => c.step === "l").length);
      const c = r.pending.pop() as Command; // complete out of order
      r.done(c, (c.iter?.item as number) * 10);
    }
    assert.equal(peak, 3);
    const after = r.take("after");
    assert.deepEqual(after.input, { n: 7 });
    assert.deepEqual(
      (summarize(r.state).steps.l as { results: number[] }).results,
      [0, 10, 20, 30, 40, 50, 60],
    );
    r.assertReplay();
  });

  it("sequential loop dispatches one iteration at a time with ctx patches visible", () => {
    const wf = `  - step: l
    loop: {in: [1, 2, 3], iterator: x}
`;
    const r = new Run(doc(wf));
    let acc = 0;
    for (let i = 0; i < 3; i++) {
      assert.equal(r.pending.length, 1);
      const c = r.take();
      assert.equal(c.ctx.acc ?? 0, acc);
      acc += c.iter?.item as number;
      r.done(c, acc, { acc });
    }
    assert.equal(r.status, "completed");
  });

  it("an empty loop finishes at once with zero stats", () => {
    const r = new Run(doc("  - step: l\n    loop: {in: '{{ [] }}', iterator: x}\n"));
    assert.equal(r.status, "completed");
    assert.deepEqual(summarize(r.state).steps.l, { results: [], stats: { total: 0, success: 0, failed: 0 } });
  });

  it("fail_fast loop stops dispatching and fails the step; best_effort completes", () => {
    const wf = (mode: string) => `  - step: l
    spec: {policy: {failure: {mode: ${mode}}}}
    loop: {in: [1, 2, 3], iterator: x}
`;
    const ff = new Run(doc(wf("fail_fast")));
    ff.fail(ff.take(), "bad");
    assert.equal(ff.pending.length, 0);
    assert.equal(ff.status, "failed");
    const be = new Run(doc(wf("best_effort")));
    be.fail(be.take(), "bad");
    be.drain();
    assert.equal(be.status, "completed");
    assert.deepEqual((summarize(be.state).steps.l as { stats: Json }).stats, {
      total: 3,
      success: 2,
      failed: 1,
    });
  });

  it("call.error arcs route the error; unconditioned arcs do not fire on error", () => {
    const wf = `  - step: s
    next: {arcs: [{step: ok}, {step: h, when: "{{ event.name == 'call.error' }}"}]}
  - step: ok
  - step: h
`;
    const r = new Run(doc(wf));
    r.fail(r.take("s"), "boom");
    const h = r.take("h");
    assert.equal(h.error?.message, "boom");
    assert.equal((h.input.error as { message: string }).message, "boom");
    r.done(h, "handled");
    assert.equal(r.status, "completed");
    assert.ok(r.skipped().includes("ok"));
  });

  it("executor.spec.on_error receives unhandled errors; without it the execution fails", () => {
    const wf = "  - step: s\n    next: {arcs: [{step: t}]}\n  - step: t\n  - step: cleanup\n";
    const handled = new Run(doc(wf, "executor: {spec: {on_error: cleanup}}"));
    handled.fail(handled.take("s"), "boom");
    handled.done(handled.take("cleanup"), "c");
    assert.equal(handled.status, "completed");
    const bare = new Run(doc(wf));
    bare.fail(bare.take("s"), "boom");
    assert.equal(bare.status, "failed");
    assert.equal(summarize(bare.state).error?.message, "boom");
    assert.equal(summarize(bare.state).runs.t, undefined);
    bare.assertReplay();
  });

  it("an unhandled error lets in-flight work drain before failing", () => {
    const wf =
      "  - step: s\n    next: {spec: {mode: inclusive}, arcs: [{step: a}, {step: b}]}\n  - step: a\n  - step: b\n";
    const r = new Run(doc(wf));
    r.done(r.take("s"), null);
    r.fail(r.take("a"), "boom");
    assert.equal(r.status, "running");
    r.done(r.take("b"), 1);
    assert.equal(r.status, "failed");
  });

  it("final_step runs once after quiescence", () => {
    const wf = "  - step: a\n  - step: fin\n";
    const r = new Run(doc(wf, "executor: {spec: {final_step: fin}}"));
    r.drain((c) => c.step);
    assert.equal(r.status, "completed");
    assert.equal(summarize(r.state).result, "fin");
    assert.deepEqual(summarize(r.state).runs, { a: 1, fin: 1 });
  });

  it("a final step that routing already reached does not run again after quiescence", () => {
    const wf = "  - step: a\n    next: {arcs: [{step: fin}]}\n  - step: fin\n";
    const r = new Run(doc(wf, "executor: {spec: {final_step: fin}}"));
    r.drain((c) => c.step);
    assert.equal(r.status, "completed");
    assert.deepEqual(summarize(r.state).runs, { a: 1, fin: 1 });
    r.assertReplay();
  });

  it("the final step does not route to `end` again", () => {
    const wf = "  - step: a\n  - step: end\n  - step: fin\n";
    const r = new Run(doc(wf, "executor: {spec: {final_step: fin}}"));
    r.drain((c) => c.step);
    assert.equal(r.status, "completed");
    assert.deepEqual(summarize(r.state).runs, { a: 1, end: 1, fin: 1 });
    assert.equal(summarize(r.state).result, "fin");
    r.assertReplay();
  });

  it("cancellation cancels in-flight commands and ignores late results", () => {
    const r = new Run(doc("  - step: a\n"));
    const a = r.take();
    r.feed({
      execution_id: EID,
      event_id: r.ids.next(),
      type: "execution.cancel_requested",
      at: 3,
      payload: {},
    } as NoetlEvent);
    assert.equal(r.status, "cancelled");
    r.done(a, 1);
    assert.equal(r.status, "cancelled");
    assert.ok(r.log.some((e) => e.type === "command.cancelled"));
  });

  it("a template error in `when` is an error event, not a silent false", () => {
    const wf = `  - step: s
    next: {arcs: [{step: t, when: "{{ missing.attr > 1 }}"}]}
  - step: t
`;
    const r = new Run(doc(wf));
    r.done(r.take("s"), null);
    assert.equal(r.status, "failed");
    assert.match(String(summarize(r.state).error?.message), /missing/);
  });

  describe("API events", () => {
    const event = (r: Run, type: string, payload: Record<string, Json>, step?: string) =>
      r.feed({
        execution_id: EID,
        event_id: r.ids.next(),
        type,
        ...(step ? { step } : {}),
        at: 5,
        payload,
      } as NoetlEvent);

    it("a token enters its step with its input as the message, beside what runs", () => {
      const wf = `  - step: a
  - step: b
    input: {x: 1, y: 2}
    set: {ctx.seen: "{{ input.y }}"}
`;
      const r = new Run(doc(wf));
      const a = r.take("a");
      event(r, "token.injected", { step: "b", input: { y: 7 } }, "b");
      const b = r.take("b");
      assert.deepEqual(b.input, { x: 1, y: 7 });
      assert.deepEqual(b.event, { name: "token.injected" });
      r.done(b, "B");
      assert.equal(r.status, "running"); // a is still in flight
      r.done(a, "A");
      assert.equal(r.status, "completed");
      assert.deepEqual(summarize(r.state).runs, { a: 1, b: 1 });
      assert.deepEqual(r.state.ctx, { seen: 7 });
      r.assertReplay();
    });

    it("a token for an unknown step, or after the end, enters nothing", () => {
      const r = new Run(doc("  - step: a\n"));
      const a = r.take("a");
      event(r, "token.injected", { step: "nope", input: {} }, "nope");
      assert.equal(r.pending.length, 0);
      r.done(a, 1);
      assert.equal(r.status, "completed");
      const before = r.log.length;
      event(r, "token.injected", { step: "a", input: {} }, "a");
      assert.equal(r.pending.length, 0);
      assert.equal(r.log.length, before + 1); // the token alone: nothing decided
      r.assertReplay();
    });

    it("finalize as failed cancels what runs, fails with NOETL_E_FINALIZED and ignores late results", () => {
      const r = new Run(doc("  - step: a\n    next: {arcs: [{step: b}]}\n  - step: b\n"));
      const a = r.take("a");
      event(r, "execution.finalize_requested", { status: "failed", reason: "stuck" });
      assert.equal(r.status, "failed");
      assert.equal(summarize(r.state).error?.code, "NOETL_E_FINALIZED");
      assert.equal(summarize(r.state).error?.message, "stuck");
      const types = r.log.slice(-4).map((e) => e.type);
      assert.deepEqual(types, [
        "execution.finalize_requested",
        "command.cancelled",
        "workflow.failed",
        "playbook.failed",
      ]);
      r.done(a, 1);
      assert.equal(r.pending.length, 0);
      assert.equal(r.status, "failed");
      r.assertReplay();
    });

    it("finalize as completed ends with the last result; on a finished execution it changes nothing", () => {
      const r = new Run(doc("  - step: a\n    next: {arcs: [{step: b}]}\n  - step: b\n"));
      r.done(r.take("a"), "A");
      r.take("b");
      event(r, "execution.finalize_requested", { status: "completed" });
      assert.equal(r.status, "completed");
      assert.equal(summarize(r.state).result, "A");
      const before = r.log.length;
      event(r, "execution.finalize_requested", { status: "failed" });
      assert.equal(r.status, "completed");
      assert.equal(r.log.length, before + 1);
      r.assertReplay();
    });

    it("an API ctx patch writes and removes names, and is ignored once the execution ended", () => {
      const wf = "  - step: a\n    set: {ctx.k: 1}\n    next: {arcs: [{step: b}]}\n  - step: b\n";
      const r = new Run(doc(wf));
      r.done(r.take("a"), null);
      event(r, "ctx.updated", { values: { extra: "x" }, removed: ["k"], source: "api" });
      const b = r.take("b");
      r.done(b, null);
      assert.equal(r.status, "completed");
      assert.deepEqual(r.state.ctx, { extra: "x" });
      event(r, "ctx.updated", { values: { late: true }, source: "api" });
      assert.deepEqual(r.state.ctx, { extra: "x" });
      r.assertReplay();
    });

    it("a patched ctx is what the next command carries", () => {
      const r = new Run(doc("  - step: a\n    next: {arcs: [{step: b}]}\n  - step: b\n"));
      const a = r.take("a");
      event(r, "ctx.updated", { values: { token: "t" }, source: "api" });
      r.done(a, null);
      assert.deepEqual(r.take("b").ctx, { token: "t" });
      r.assertReplay();
    });
  });
});

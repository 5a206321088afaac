// The execution as the UI sees it: a fold over the event log (docs/engine.md). Pure: no DOM.
// Feed events in seq order with `apply`; duplicates (seq already seen) are ignored, so the
// SSE stream and the /events pages can overlap after a reconnect.

export const TERMINAL_EVENTS = new Set(["playbook.completed", "playbook.failed", "execution.cancelled"]);

/** Step states, in legend order. */
export const STEP_STATES = ["pending", "running", "done", "failed", "skipped", "cancelled"];

/** Every event type of src/protocol/events.ts (SSE frames are named by type). */
export const EVENT_TYPES = [
  "playbook.initialized",
  "workflow.initialized",
  "command.issued",
  "command.claimed",
  "command.started",
  "command.heartbeat",
  "command.completed",
  "command.failed",
  "command.cancelled",
  "step.enter",
  "call.done",
  "call.error",
  "step.exit",
  "task.started",
  "task.done",
  "task.output",
  "step.skipped",
  "next.evaluated",
  "loop.started",
  "loop.done",
  "ctx.updated",
  "workflow.completed",
  "workflow.failed",
  "playbook.completed",
  "playbook.failed",
  "execution.cancel_requested",
  "execution.cancelled",
  "token.injected",
  "execution.finalize_requested",
];

/** Bytes of task output kept per command (the worker bounds it too). */
const OUTPUT_LIMIT = 16 * 1024;

export class ExecutionModel {
  constructor() {
    /** @type {Array<object>} every event, in seq order */
    this.events = [];
    this.lastSeq = 0;
    this.status = "running";
    this.cancelRequested = false;
    this.path = undefined;
    this.version = undefined;
    this.workload = undefined;
    this.startedAt = undefined;
    this.endedAt = undefined;
    this.result = undefined;
    this.error = undefined;
    /** step name → step record (insertion order = first seen) */
    this.steps = new Map();
    /** command_id → command record */
    this.commands = new Map();
    /** `source->target` keys of arcs that fired */
    this.fired = new Set();
    /** steps whose arcs were evaluated at least once */
    this.evaluated = new Set();
    /** event type → count */
    this.typeCounts = new Map();
  }

  get terminal() {
    return this.status !== "running";
  }

  step(name) {
    let s = this.steps.get(name);
    if (!s) {
      s = {
        name,
        state: "pending",
        runs: 0,
        commands: [],
        active: 0,
        loop: undefined,
        startedAt: undefined,
        endedAt: undefined,
        result: undefined,
        error: undefined,
        skipped: undefined,
        fired: undefined,
        /** bumped by every event about the step (views re-render on change) */
        rev: 0,
      };
      this.steps.set(name, s);
    }
    return s;
  }

  /** Folds one event; returns false when it was already applied. */
  apply(e) {
    if (typeof e.seq === "number") {
      if (e.seq <= this.lastSeq) return false;
      this.lastSeq = e.seq;
    }
    this.events.push(e);
    this.typeCounts.set(e.type, (this.typeCounts.get(e.type) ?? 0) + 1);
    const p = e.payload ?? {};
    const cmd = p.command_id ? this.commands.get(p.command_id) : undefined;
    const stepName = e.step ?? cmd?.step;
    const s = stepName ? this.step(stepName) : undefined;
    switch (e.type) {
      case "playbook.initialized":
        this.path = p.path;
        this.version = p.catalog_version;
        this.workload = p.workload;
        this.startedAt = e.at;
        break;
      case "command.issued": {
        const c = p.command ?? {};
        const rec = {
          command_id: c.command_id,
          step: c.step ?? stepName,
          attempt: c.attempt ?? 1,
          input: c.input,
          loop_id: c.loop?.loop_id,
          index: c.loop?.index ?? c.iter?.index,
          item: c.iter?.item,
          final: p.final === true,
          state: "issued",
          issuedAt: e.at,
          startedAt: undefined,
          endedAt: undefined,
          duration_ms: undefined,
          worker_id: undefined,
          result: undefined,
          error: undefined,
          tasks: [],
          output: "",
        };
        this.commands.set(rec.command_id, rec);
        const target = this.step(rec.step);
        target.commands.push(rec);
        target.active += 1;
        if (!c.loop) {
          target.runs += 1;
          target.error = undefined;
        }
        this.enter(target, e.at);
        break;
      }
      case "command.claimed":
      case "command.started":
        if (cmd) cmd.worker_id = p.worker_id;
        break;
      case "step.enter":
        if (cmd) {
          cmd.state = "running";
          cmd.startedAt = e.at;
        }
        break;
      case "task.done":
        if (cmd) cmd.tasks.push(p);
        break;
      case "task.output":
        if (cmd && cmd.output.length < OUTPUT_LIMIT) {
          cmd.output += `${p.stream === "stderr" ? "[stderr] " : ""}${p.text}`;
          if (cmd.output.length > OUTPUT_LIMIT) cmd.output = `${cmd.output.slice(0, OUTPUT_LIMIT)}\n…`;
        }
        break;
      case "call.done":
      case "call.error":
      case "command.failed": {
        const ok = e.type === "call.done";
        // A late or duplicate report of a finished command changes nothing (as in the engine).
        if (cmd && !this.finish(cmd, e, ok ? "done" : "failed", p)) break;
        if (!s) break;
        const iteration = p.loop_id !== undefined || cmd?.loop_id !== undefined;
        if (iteration && s.loop) {
          s.loop.done += 1;
          if (ok) s.loop.ok += 1;
          else {
            s.loop.failed += 1;
            s.error = p.error;
          }
        } else if (s.active > 0) {
          if (!ok) s.error = p.error;
        } else {
          s.state = ok ? "done" : "failed";
          s.endedAt = e.at;
          if (ok) s.result = p.ref ?? p.result;
          else s.error = p.error;
        }
        break;
      }
      case "command.cancelled":
        if (cmd) this.finish(cmd, e, "cancelled", p);
        if (s && s.active === 0 && s.state === "running") {
          s.state = "cancelled";
          s.endedAt = e.at;
        }
        break;
      case "loop.started":
        if (s) {
          s.loop = { loop_id: p.loop_id, total: p.total ?? 0, limit: p.limit, done: 0, ok: 0, failed: 0 };
          s.runs += 1;
          s.error = undefined;
          this.enter(s, e.at);
        }
        break;
      case "loop.done":
        if (s) {
          s.state = p.status === "completed" ? "done" : "failed";
          s.endedAt = e.at;
          s.result = p.ref ?? p.result;
          if (s.loop && p.stats) {
            s.loop.stats = p.stats;
            s.loop.done = Math.max(s.loop.done, (p.stats.success ?? 0) + (p.stats.failed ?? 0));
          }
        }
        break;
      case "step.skipped":
        if (s) {
          s.state = "skipped";
          s.skipped = p;
        }
        break;
      case "next.evaluated":
        if (s) {
          s.fired = p;
          this.evaluated.add(s.name);
          for (const target of p.fired ?? []) {
            this.fired.add(`${s.name}->${target}`);
            this.step(target);
          }
          if (p.unhandled) s.unhandled = true;
        }
        break;
      case "workflow.failed":
      case "playbook.failed":
        if (p.error) this.error = p.error;
        if (e.type === "playbook.failed") this.end("failed", e.at);
        break;
      case "workflow.completed":
      case "playbook.completed":
        this.result = p.result;
        if (e.type === "playbook.completed") this.end("completed", e.at);
        break;
      case "execution.cancel_requested":
        this.cancelRequested = true;
        break;
      case "execution.cancelled":
        this.error = p.reason ? { message: `cancelled: ${p.reason}` } : this.error;
        this.end("cancelled", e.at);
        break;
    }
    const touched = s ?? (e.type === "command.issued" ? this.steps.get(p.command?.step) : undefined);
    if (touched) touched.rev += 1;
    return true;
  }

  enter(s, at) {
    s.state = "running";
    s.startedAt ??= at;
    s.endedAt = undefined;
  }

  /** Marks a command finished; false when it already was. */
  finish(cmd, e, state, p) {
    if (cmd.state === "done" || cmd.state === "failed" || cmd.state === "cancelled") return false;
    cmd.state = state;
    cmd.endedAt = e.at;
    if (p.duration_ms !== undefined) cmd.duration_ms = p.duration_ms;
    if (p.worker_id) cmd.worker_id = p.worker_id;
    if ("result" in p) cmd.result = p.result;
    if (p.error) cmd.error = p.error;
    if (p.reason) cmd.error = { message: `cancelled: ${p.reason}` };
    const s = this.steps.get(cmd.step);
    if (s) s.active = Math.max(0, s.active - 1);
    return true;
  }

  end(status, at) {
    this.status = status;
    this.endedAt = at;
    // Whatever was still running when the execution ended did not finish.
    for (const s of this.steps.values()) {
      if (s.state === "running") {
        s.state = status === "cancelled" ? "cancelled" : "failed";
        s.endedAt ??= at;
      }
    }
  }

  /** Progress text of a loop step (`done/total`), or "" for other steps. */
  progress(name) {
    const loop = this.steps.get(name)?.loop;
    return loop ? `${loop.done}/${loop.total}` : "";
  }
}

/** One-line description of an event for the timeline. */
export function summarize(e) {
  const p = e.payload ?? {};
  const ms = (v) => (typeof v === "number" ? ` in ${v} ms` : "");
  const short = (v) => {
    const t = JSON.stringify(v);
    return t === undefined ? "" : t.length > 40 ? `${t.slice(0, 39)}…` : t;
  };
  switch (e.type) {
    case "playbook.initialized":
      return `${p.path}${p.catalog_version ? ` v${p.catalog_version}` : ""}`;
    case "workflow.initialized":
      return `entry ${p.first_step}`;
    case "command.issued": {
      const c = p.command ?? {};
      if (c.iter)
        return `iteration ${c.iter.index + 1}/${c.iter.total} ${c.iter.iterator}=${short(c.iter.item)}`;
      return `attempt ${c.attempt ?? 1}${p.final ? " (final step)" : ""}`;
    }
    case "command.claimed":
    case "command.started":
      return p.worker_id ?? "";
    case "step.enter":
      return p.loop_index !== undefined ? `iteration ${p.loop_index + 1}` : "";
    case "call.done":
      return `${p.loop_index !== undefined ? `iteration ${p.loop_index + 1} ` : ""}ok${ms(p.duration_ms)}`;
    case "call.error":
      return `${p.loop_index !== undefined ? `iteration ${p.loop_index + 1} ` : ""}${p.error?.message ?? "error"}`;
    case "command.failed":
      return p.error?.message ?? "";
    case "command.cancelled":
    case "execution.cancel_requested":
    case "execution.cancelled":
      return p.reason ?? "";
    case "execution.finalize_requested":
      return `${p.status}${p.reason ? `: ${p.reason}` : ""}`;
    case "token.injected":
      return `token → ${p.step}`;
    case "task.started":
      return `${p.task} attempt ${p.attempt}`;
    case "task.done":
      return `${p.task} attempt ${p.attempt} ${p.status} → ${p.action}${ms(p.duration_ms)}${p.error ? `: ${p.error.message}` : ""}`;
    case "task.output":
      return `${p.stream}: ${String(p.text ?? "").slice(0, 120)}`;
    case "step.skipped":
      return `${p.reason}${p.from ? ` (from ${p.from})` : ""}`;
    case "next.evaluated":
      return `${p.event} → ${(p.fired ?? []).join(", ") || "none"}${p.unhandled ? " (unhandled error)" : ""}`;
    case "loop.started":
      return `${p.total} items${p.limit ? `, ${p.limit} in flight` : ""}`;
    case "loop.done":
      return p.stats
        ? `${p.status}: ${p.stats.success}/${p.stats.total} ok, ${p.stats.failed} failed`
        : String(p.status ?? "");
    case "ctx.updated":
      return `${p.source}: ${Object.keys(p.values ?? {}).join(", ")}`;
    case "workflow.failed":
    case "playbook.failed":
      return p.error?.message ?? "";
    default:
      return "";
  }
}

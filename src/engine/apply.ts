/**
 * `apply(state, event)`: the only place the execution state changes. Folding the log with it
 * rebuilds the state after a restart; `handle` applies every event it emits the same way.
 */
import type { Json, JsonObject } from "../kernel/index.ts";
import { isJsonObject } from "../kernel/index.ts";
import type { NoetlEvent, ToolErrorInfo } from "../protocol/index.ts";
import { isResultRef } from "../protocol/index.ts";
import { isJoin } from "./graph.ts";
import type { EntryContext, ExecutionState, JoinState, LoopState } from "./state.ts";

export function apply(state: ExecutionState, event: NoetlEvent): void {
  switch (event.type) {
    case "playbook.initialized":
      state.workload = event.payload.workload;
      state.initialized = true;
      return;
    case "command.issued": {
      const c = event.payload.command;
      state.inFlight.set(c.command_id, {
        step: c.step,
        ...(c.loop ? { loop_id: c.loop.loop_id, index: c.loop.index } : {}),
        claimed: false,
        issued: c,
        ctx: state.ctx,
      });
      if (!c.loop) {
        state.runs.set(c.step, (state.runs.get(c.step) ?? 0) + 1);
        state.joins.delete(c.step);
      } else {
        const loop = state.loops.get(c.step);
        if (loop && loop.loop_id === c.loop.loop_id) {
          loop.inFlight += 1;
          loop.next = Math.max(loop.next, c.loop.index + 1);
        }
      }
      state.skipped.delete(c.step);
      state.current.add(c.step);
      if (event.payload.final) state.finalStepRan = true;
      return;
    }
    case "command.claimed": {
      const f = state.inFlight.get(event.payload.command_id);
      if (f) f.claimed = true;
      return;
    }
    case "call.done":
    case "call.error":
    case "command.failed": {
      const id = event.payload.command_id;
      const f = state.inFlight.get(id);
      if (!f) return; // duplicate, late (cancelled) or unknown: ignored
      state.inFlight.delete(id);
      const ok = event.type === "call.done";
      const result: Json = event.type === "command.failed" ? null : (event.payload.result ?? null);
      const error: ToolErrorInfo | null = event.type === "call.done" ? null : event.payload.error;
      if (event.type !== "command.failed" && event.payload.ctx_patch) {
        state.ctx = { ...state.ctx, ...event.payload.ctx_patch };
      }
      if (f.loop_id !== undefined && f.index !== undefined) {
        const loop = state.loops.get(f.step);
        if (!loop || loop.loop_id !== f.loop_id) return;
        loop.inFlight -= 1;
        loop.done += 1;
        loop.results[f.index] = result;
        loop.bytes += approxBytes(result) + 1;
        if (ok) loop.success += 1;
        else {
          loop.failed += 1;
          if (!loop.firstError) loop.firstError = error;
        }
        return;
      }
      if (ok) {
        state.results.set(f.step, result);
        const ref = event.type === "call.done" ? event.payload.ref : undefined;
        if (ref) state.refs.set(f.step, ref as unknown as Json);
        else state.refs.delete(f.step);
        state.resultBytes.set(f.step, ref ? 256 : approxBytes(result));
        state.lastCompleted = f.step;
      }
      if (!hasActive(state, f.step)) state.current.delete(f.step);
      return;
    }
    case "command.cancelled": {
      const f = state.inFlight.get(event.payload.command_id);
      if (!f) return;
      state.inFlight.delete(event.payload.command_id);
      const loop = f.loop_id ? state.loops.get(f.step) : undefined;
      if (loop && loop.loop_id === f.loop_id) loop.inFlight -= 1;
      return;
    }
    case "loop.started": {
      const p = event.payload;
      const step = event.step as string;
      const loop: LoopState = {
        loop_id: p.loop_id,
        step,
        items: p.items,
        next: 0,
        inFlight: 0,
        limit: p.limit,
        done: 0,
        success: 0,
        failed: 0,
        results: new Array<Json>(p.items.length).fill(null),
        bytes: 2,
        firstError: null,
        input: p.input,
        entry: p.entry as unknown as EntryContext,
        stopped: false,
      };
      state.loops.set(step, loop);
      state.runs.set(step, (state.runs.get(step) ?? 0) + 1);
      state.joins.delete(step);
      state.skipped.delete(step);
      state.current.add(step);
      if (p.final) state.finalStepRan = true;
      return;
    }
    case "loop.done": {
      const step = event.step as string;
      const loop = state.loops.get(step);
      if (!loop || loop.loop_id !== event.payload.loop_id) return;
      state.loops.delete(step);
      const result = event.payload.result;
      const ref = event.payload.ref;
      const storedResults = isJsonObject(result) ? result.results : undefined;
      if (ref) {
        // hydrated (the orchestrator resolved the reference): keep both forms
        state.results.set(step, result);
        state.refs.set(step, { ...(result as JsonObject), results: ref as unknown as Json });
      } else if (isResultRef(storedResults)) {
        state.results.set(step, result);
        state.refs.set(step, result);
      } else {
        state.results.set(step, result);
        state.refs.delete(step);
      }
      state.resultBytes.set(step, state.refs.has(step) ? 256 : loop.bytes);
      if (event.payload.status === "completed") state.lastCompleted = step;
      state.current.delete(step);
      return;
    }
    case "ctx.updated": {
      const p = event.payload;
      if (p.source === "api" && state.status !== "running") return; // a patch after the end
      const ctx = { ...state.ctx, ...p.values };
      for (const name of p.removed ?? []) delete ctx[name];
      state.ctx = ctx;
      return;
    }
    case "next.evaluated": {
      const from = event.step as string;
      const p = event.payload;
      if (p.unhandled) {
        state.failing = p.error ?? state.failing ?? null;
        return;
      }
      const fired = new Set(p.fired);
      for (const target of state.graph.successors.get(from) ?? []) {
        if (!isJoin(state.graph, target) || state.graph.backEdges.has(`${from}→${target}`)) continue;
        const js = joinOf(state, target);
        if (fired.has(target)) {
          js.arrived.set(from, {
            input: (p.messages?.[target] as JsonObject | undefined) ?? {},
            from,
            event: p.event,
            ...(p.error ? { error: p.error } : {}),
          });
        } else js.resolved.add(from);
      }
      return;
    }
    case "step.skipped": {
      const step = event.step as string;
      state.skipped.add(step);
      state.joins.delete(step);
      for (const target of state.graph.successors.get(step) ?? []) {
        if (isJoin(state.graph, target) && !state.graph.backEdges.has(`${step}→${target}`)) {
          joinOf(state, target).resolved.add(step);
        }
      }
      return;
    }
    case "workflow.completed":
      state.result = event.payload.result;
      return;
    case "playbook.completed":
      state.status = "completed";
      state.result = event.payload.result;
      state.current.clear();
      return;
    case "workflow.failed":
      return;
    case "playbook.failed":
      state.status = "failed";
      state.error = event.payload.error;
      state.current.clear();
      return;
    case "execution.cancelled":
      state.status = "cancelled";
      state.error = {
        kind: "cancelled",
        retryable: false,
        code: "NOETL_E_CANCELLED",
        message: event.payload.reason ?? "cancelled",
      };
      state.current.clear();
      return;
    default:
      return; // informative events
  }
}

function joinOf(state: ExecutionState, step: string): JoinState {
  let js = state.joins.get(step);
  if (!js) {
    js = { arrived: new Map(), resolved: new Set() };
    state.joins.set(step, js);
  }
  return js;
}

function hasActive(state: ExecutionState, step: string): boolean {
  for (const f of state.inFlight.values()) if (f.step === step) return true;
  return false;
}

/** JSON size estimate without serialising big values twice. */
export function approxBytes(value: Json): number {
  if (value === null) return 4;
  switch (typeof value) {
    case "string":
      return value.length + 2;
    case "number":
      return 8;
    case "boolean":
      return 5;
    default:
      return JSON.stringify(value)?.length ?? 4;
  }
}

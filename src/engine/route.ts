/**
 * Routing after a step completes or fails (DECISIONS 7–12, 15): its arcs are evaluated in order
 * (`when`, the arc's `set`, its message), fired targets are entered (a join is checked instead)
 * and untaken ones skipped; a step with no `next` goes to `end`; a failure no arc took goes to
 * `executor.spec.on_error`, else it is unhandled (`next.evaluated` with `unhandled`).
 */
import type { Step } from "../dsl/index.ts";
import { evaluateCondition, renderValue } from "../expr/index.ts";
import type { Json, JsonObject } from "../kernel/index.ts";
import type { ToolErrorInfo } from "../protocol/index.ts";
import type { DecisionContext } from "./decision-context.ts";
import { schemaError } from "./entry-context.ts";
import { isJoin } from "./graph.ts";
import { engineScope, type ScopeExtras } from "./render-scope.ts";
import { applySet } from "./set-writes.ts";
import { checkJoin, skipUntaken } from "./skips.ts";
import type { EntryContext, ExecutionState } from "./state.ts";

export function route(
  d: DecisionContext,
  step: Step,
  eventName: string,
  extras: ScopeExtras,
  error: ToolErrorInfo | null,
): void {
  const s = d.state;
  const name = step.step;
  const scope = engineScope(s, extras);
  const fired: string[] = [];
  const messages: JsonObject = {};
  const mode = step.next?.mode ?? "exclusive";
  if (step.next) {
    try {
      for (const arc of step.next.arcs) {
        if (error && arc.when === undefined) continue; // unconditioned arcs are success paths
        if (!evaluateCondition(arc.when, scope)) continue;
        if (Object.keys(arc.set).length > 0) {
          const values = applySet(s.ctx, arc.set, scope);
          if (Object.keys(values).length > 0) d.emit("ctx.updated", name, { values, source: "arc" });
        }
        const message =
          Object.keys(arc.input).length > 0 ? (renderValue(arc.input, scope) as JsonObject) : {};
        if (!fired.includes(arc.step)) {
          fired.push(arc.step);
          messages[arc.step] = message;
        }
        if (mode === "exclusive") break;
      }
    } catch (e) {
      const routingError = schemaError(e, `next of step '${name}'`, step.pos);
      if (error) return unhandled(d, name, eventName, error);
      return d.failStep(name, routingError, (extras.result ?? null) as Json, {});
    }
  } else if (finalRun(s, name)) {
    // the final step ends the execution: it does not route to `end` (which has run already)
  } else if (!error && name !== "end" && s.graph.steps.has("end")) {
    fired.push("end");
    messages.end = {};
  } else if (!error && s.playbook.executor.no_next_is_error && name !== "end") {
    return unhandled(d, name, eventName, {
      kind: "schema",
      retryable: false,
      code: "NOETL_E_NO_NEXT",
      message: `step '${name}' has no next and executor.spec.no_next_is_error is set`,
    });
  }

  if (!error && fired.length === 0 && step.next && s.playbook.executor.no_next_is_error) {
    return unhandled(d, name, eventName, {
      kind: "schema",
      retryable: false,
      code: "NOETL_E_NO_NEXT",
      message: `no arc of step '${name}' matched and executor.spec.no_next_is_error is set`,
    });
  }
  if (error && fired.length === 0) {
    const handler = s.playbook.executor.on_error;
    if (handler && handler !== name && s.graph.steps.has(handler)) {
      d.emit("next.evaluated", name, { event: eventName, fired: [], mode, error });
      skipUntaken(d, name, new Set());
      return d.enter(handler, { input: {}, from: name, event: "call.error", error });
    }
    return unhandled(d, name, eventName, error);
  }

  d.emit("next.evaluated", name, {
    event: eventName,
    fired,
    mode,
    ...(fired.length > 0 ? { messages } : {}),
    ...(error ? { error } : {}),
  });
  const result = extras.result as Json | undefined;
  for (const target of fired) {
    const entry: EntryContext = {
      input: (messages[target] as JsonObject) ?? {},
      from: name,
      event: eventName,
      ...(error ? { error } : {}),
      ...(result !== undefined ? { result } : {}),
    };
    if (isJoin(s.graph, target) && !s.graph.backEdges.has(`${name}→${target}`)) checkJoin(d, target);
    else d.enter(target, entry);
  }
  skipUntaken(d, name, new Set(fired));
}

function unhandled(d: DecisionContext, name: string, eventName: string, error: ToolErrorInfo): void {
  d.emit("next.evaluated", name, {
    event: eventName,
    fired: [],
    mode: "exclusive",
    error,
    unhandled: true,
  });
}

/** Whether a completion of `name` is the run of `executor.spec.final_step` after quiescence. */
function finalRun(s: ExecutionState, name: string): boolean {
  return s.finalStepRan && s.playbook.executor.final_step === name;
}

/**
 * `handle(state, event, env)`: apply an actionable event and decide what follows (DECISIONS
 * 5–21): entry, step `set`, arcs, joins, skips, admission, loops, failure routing, final step,
 * completion by quiescence, cancellation, tokens injected and forced ends (API). Every decision is an event applied to the state at
 * once, so `fold(log)` reproduces the state exactly. Pure: ids come from `env`, time from the
 * triggering event.
 */
import type { Step } from "../dsl/index.ts";
import { evaluateCondition, layered, renderValue } from "../expr/index.ts";
import type { CommandId, EventId, IdSource, Json, JsonObject } from "../kernel/index.ts";
import type { Command, EventPayloads, EventType, NoetlEvent, ToolErrorInfo } from "../protocol/index.ts";
import { apply } from "./apply.ts";
import type { DecisionContext } from "./decision-context.ts";
import type { EngineOptions } from "./engine-options.ts";
import { entryJson, eventExtras, schemaError } from "./entry-context.ts";
import { continueLoop } from "./loop-step.ts";
import { engineScope, type ScopeExtras } from "./render-scope.ts";
import { route } from "./route.ts";
import { applySet } from "./set-writes.ts";
import { endCompleted, endFailed, settle } from "./settle.ts";
import { skip } from "./skips.ts";
import type { EntryContext, ExecutionState } from "./state.ts";
import { stepsFor } from "./steps-for.ts";
import { taskOutcomes } from "./task-outcomes.ts";

export interface DecideEnv {
  ids: IdSource;
  options: EngineOptions;
}

export interface Decision {
  events: NoetlEvent[];
  commands: Command[];
}

export function handle(state: ExecutionState, event: NoetlEvent, env: DecideEnv): Decision {
  state.decidedAt = event.at;
  const d = new Decider(state, env, event);
  d.react(event);
  settle(d);
  return { events: d.events, commands: d.commands };
}

class Decider implements DecisionContext {
  readonly events: NoetlEvent[] = [];
  readonly commands: Command[] = [];

  constructor(
    readonly state: ExecutionState,
    private readonly env: DecideEnv,
    private readonly trigger: NoetlEvent,
  ) {}

  get options(): EngineOptions {
    return this.env.options;
  }

  emit<K extends EventType>(type: K, step: string | undefined, payload: EventPayloads[K]): void {
    const event = {
      execution_id: this.state.executionId,
      event_id: this.env.ids.next() as EventId,
      type,
      ...(step !== undefined ? { step } : {}),
      at: this.trigger.at,
      payload,
      cause: this.trigger.event_id,
    } as NoetlEvent;
    apply(this.state, event);
    this.events.push(event);
  }

  react(event: NoetlEvent): void {
    const s = this.state;
    switch (event.type) {
      case "playbook.initialized": {
        if (s.initialized) return; // replayed twice
        apply(s, event);
        const first = event.payload.entry_step ?? s.playbook.executor.entry_step;
        this.emit("workflow.initialized", undefined, { first_step: first });
        this.enter(first, { input: {} });
        return;
      }
      case "call.done":
      case "call.error":
      case "command.failed": {
        const f = s.inFlight.get(event.payload.command_id);
        apply(s, event);
        if (!f || s.status !== "running") return;
        if (f.loop_id !== undefined) return continueLoop(this, f.step);
        if (event.type === "call.done") {
          return this.completeStep(f.step, "call.done", event.payload.result ?? null, f.issued.input);
        }
        const error: ToolErrorInfo = event.payload.error;
        const result = event.type === "call.error" ? (event.payload.result ?? null) : null;
        return this.failStep(f.step, error, result, {});
      }
      case "execution.cancel_requested": {
        apply(s, event);
        if (s.status !== "running") return;
        this.cancelInFlight("execution cancelled");
        this.emit("execution.cancelled", undefined, {
          ...(event.payload.reason ? { reason: event.payload.reason } : {}),
        });
        return;
      }
      case "execution.finalize_requested": {
        apply(s, event);
        if (s.status !== "running") return; // finished already: nothing to force
        const { status, reason } = event.payload;
        this.cancelInFlight(`execution finalized (${status})`);
        if (status === "completed") return endCompleted(this);
        return endFailed(this, {
          kind: "unknown",
          retryable: false,
          code: "NOETL_E_FINALIZED",
          message: reason ?? "the execution was finalized as failed",
        });
      }
      case "token.injected": {
        apply(s, event);
        const { step, input } = event.payload;
        // a token for a step the playbook does not have (the API checks first) enters nothing
        if (s.status !== "running" || !s.graph.steps.has(step)) return;
        this.enter(step, { input, event: "token.injected" });
        return;
      }
      default:
        apply(s, event);
    }
  }

  /** Every command in flight is cancelled (its late outcome is then ignored). */
  private cancelInFlight(reason: string): void {
    const s = this.state;
    for (const id of [...s.inFlight.keys()]) {
      this.emit("command.cancelled", s.inFlight.get(id)?.step, { command_id: id as CommandId, reason });
    }
  }

  // ---- entering steps -------------------------------------------------------------------------

  enter(name: string, entry: EntryContext, final = false): void {
    const s = this.state;
    if (s.failing || s.status !== "running") return;
    const step = s.graph.steps.get(name);
    if (!step) return;
    const scope = engineScope(s, { input: entry.input, ...eventExtras(entry) });
    let allowed = true;
    let passThrough = false;
    try {
      for (const rule of step.admit) {
        if (rule.when === undefined || evaluateCondition(rule.when, scope)) {
          allowed = rule.allow;
          passThrough = rule.passThrough === true;
          break;
        }
      }
    } catch (error) {
      return this.failStep(name, schemaError(error, `admission of step '${name}'`, step.pos), null, entry);
    }
    if (!allowed && passThrough) {
      // the legacy step `when:`: this step is skipped, its arcs are followed (nothing ran)
      this.emit("step.skipped", name, { reason: "admission" });
      const output: JsonObject = { status: "skipped", data: null, error: null };
      const event = { name: "call.done", step: name };
      return route(this, step, "call.done", { input: entry.input, output, result: null, event }, null);
    }
    if (!allowed) return skip(this, name, "admission");

    let input: JsonObject;
    try {
      input = this.stepInput(step, entry, scope);
    } catch (error) {
      return this.failStep(name, schemaError(error, `input of step '${name}'`, step.pos), null, entry);
    }

    if (step.loop) {
      let items: unknown;
      let limit = 1;
      try {
        items = renderValue(step.loop.in, scope) ?? [];
        if (step.loop.mode === "parallel") {
          const mif =
            step.loop.max_in_flight === undefined
              ? undefined
              : Number(renderValue(step.loop.max_in_flight, scope));
          limit = Math.min(
            this.env.options.maxInFlightCap,
            mif && mif > 0 ? Math.floor(mif) : this.env.options.maxInFlightCap,
          );
        }
      } catch (error) {
        return this.failStep(name, schemaError(error, `loop.in of step '${name}'`, step.pos), null, entry);
      }
      if (!Array.isArray(items)) {
        const error: ToolErrorInfo = {
          kind: "schema",
          retryable: false,
          code: "NOETL_E_LOOP_NOT_A_LIST",
          message: `loop.in of step '${name}' rendered to ${typeof items}, not a list`,
        };
        return this.failStep(name, error, null, entry);
      }
      const filter = step.loop.filter;
      if (filter !== undefined) {
        // legacy `loop.filter`: once, when the loop starts (the log keeps the items it kept)
        const iterator = step.loop.iterator;
        try {
          items = (items as unknown[]).filter((item, index) =>
            evaluateCondition(
              filter,
              layered(
                {
                  [iterator]: item,
                  iter: { [iterator]: item, item, index, _index: index },
                  loop_index: index,
                },
                scope,
              ),
            ),
          );
        } catch (error) {
          return this.failStep(
            name,
            schemaError(error, `loop.filter of step '${name}'`, step.pos),
            null,
            entry,
          );
        }
      }
      this.emit("loop.started", name, {
        loop_id: this.env.ids.next(),
        items: items as Json[],
        total: (items as Json[]).length,
        limit,
        input,
        entry: entryJson(entry),
        ...(final ? { final } : {}),
      });
      return continueLoop(this, name);
    }
    this.dispatch(step, input, entry, undefined, final);
  }

  private stepInput(step: Step, entry: EntryContext, scope: ReturnType<typeof engineScope>): JsonObject {
    const rendered =
      Object.keys(step.input).length > 0 && !step.loop
        ? (renderValue(step.input, scope) as JsonObject)
        : step.loop
          ? {}
          : {};
    const input: JsonObject = { ...rendered, ...entry.input };
    // the error as `input.error`, unless the arc's message names its own `error`
    if (entry.error && !Object.hasOwn(entry.input, "error")) input.error = entry.error as unknown as Json;
    return input;
  }

  dispatch(
    step: Step,
    input: JsonObject,
    entry: EntryContext,
    iter: Command["iter"],
    final: boolean,
    loop?: Command["loop"],
  ): void {
    const s = this.state;
    const command: Command = {
      command_id: this.env.ids.next() as CommandId,
      execution_id: s.executionId,
      step: step.step,
      pool:
        typeof step.spec.pool === "string"
          ? step.spec.pool
          : typeof s.playbook.executor.spec.pool === "string"
            ? s.playbook.executor.spec.pool
            : "default",
      tasks: step.tasks,
      pipeline: step.pipeline,
      input,
      ctx: s.ctx,
      steps: stepsFor(s, step, this.env.options.inlineResultLimit),
      ...(iter ? { iter } : {}),
      ...(loop ? { loop } : {}),
      ...(entry.event ? { event: { name: entry.event, ...(entry.from ? { step: entry.from } : {}) } } : {}),
      ...(entry.error ? { error: entry.error } : {}),
      ...(entry.result !== undefined ? { result: entry.result } : {}),
      ...(s.playbook.keychain.length > 0 ? { keychain: s.playbook.keychain as unknown as JsonObject[] } : {}),
      attempt: 1,
    };
    const { tasks: _t, ctx: _c, steps: _s, ...issued } = command;
    this.emit("command.issued", step.step, { command: issued, ...(final ? { final } : {}) });
    this.commands.push(command);
  }

  // ---- completion and routing -----------------------------------------------------------------

  completeStep(name: string, eventName: string, result: Json, input: JsonObject): void {
    const s = this.state;
    const step = s.graph.steps.get(name);
    if (!step) return;
    const output: JsonObject = { status: "ok", data: result, error: null };
    if (result && typeof result === "object" && !Array.isArray(result) && eventName === "loop.done") {
      Object.assign(output, result);
    }
    const extras: ScopeExtras = { input, output, result, event: { name: eventName, step: name } };
    if (step.outcomesByTask) extras.outcomes = taskOutcomes(result);
    if (Object.keys(step.set).length > 0) {
      try {
        const local: JsonObject = {};
        const values = applySet(s.ctx, step.set, engineScope(s, extras), local);
        if (Object.keys(local).length > 0) extras.step = local; // the step's arcs see `step.k`
        if (Object.keys(values).length > 0) this.emit("ctx.updated", name, { values, source: "step" });
      } catch (error) {
        return this.failStep(name, schemaError(error, `set of step '${name}'`, step.pos), result, {});
      }
    }
    route(this, step, eventName, extras, null);
  }

  failStep(name: string, error: ToolErrorInfo, result: Json, _entry: Partial<EntryContext>): void {
    const s = this.state;
    const step = s.graph.steps.get(name);
    if (!step) return;
    const output: JsonObject = { status: "error", data: result, error: error as unknown as Json };
    route(
      this,
      step,
      "call.error",
      {
        input: {},
        output,
        result,
        error,
        event: { name: "call.error", step: name },
        ...(step.outcomesByTask ? { outcomes: taskOutcomes(result, error) } : {}),
      },
      error,
    );
  }
}

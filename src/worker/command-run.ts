/**
 * The run of one claimed command into events: `step.enter`, the task pipeline over the resolved
 * workload, step results and keychain, `task.done` / `task.output`, and the `call.done` or
 * `call.error` carrying the result (stored by reference above the inline limit), all redacted.
 */
import { pipelineNames } from "../engine/index.ts";
import type { Clock, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type { Command, ControlPlane, WorkerEvent } from "../protocol/index.ts";
import { isResultRef } from "../protocol/index.ts";
import type { ToolRegistry } from "../tools/index.ts";
import { abortableSleep } from "./abortable-sleep.ts";
import { resolveKeychain } from "./keychain.ts";
import type { TokenCache } from "./oauth2-token.ts";
import { runPipeline } from "./pipeline.ts";
import { Redactor } from "./redactor.ts";
import { type PipelineState, taskScope } from "./task-scope.ts";
import { type ToolContextDeps, toolContext } from "./tool-context.ts";

/** What a command run needs of its worker (one object per worker, shared by its commands). */
export interface CommandRunDeps extends ToolContextDeps {
  readonly workerId: string;
  readonly clock: Clock;
  readonly tools: ToolRegistry;
  /** Results above this many bytes of JSON are stored by reference (DECISIONS 38). */
  readonly inlineResultLimit: number;
  /** `oauth2` keychain tokens, by execution and entry, while they live. */
  readonly tokens: TokenCache;
  /** Workloads of the executions seen, by id (cleared above 1000 entries). */
  readonly workloads: Map<ExecutionId, JsonObject>;
}

export async function runCommand(
  deps: CommandRunDeps,
  command: Command,
  signal: AbortSignal,
): Promise<WorkerEvent[]> {
  const clock = deps.clock;
  const started = clock.now();
  const redactor = new Redactor();
  const base = { command_id: command.command_id, worker_id: deps.workerId };
  // `step.enter` (stamped with the worker's start time) marks a step run; loop iterations skip
  // it: their `call.done` carries the index and duration, and a 100k loop writes 100k fewer events.
  const events: WorkerEvent[] = command.loop
    ? []
    : [
        {
          type: "step.enter",
          step: command.step,
          at: started,
          payload: { command_id: command.command_id },
        },
      ];
  const loopFields = command.loop ? { loop_id: command.loop.loop_id, loop_index: command.loop.index } : {};
  let outcome: Awaited<ReturnType<typeof runPipeline>>;
  try {
    const names = pipelineNames(command.tasks);
    const workload = await loadWorkload(deps, command.execution_id);
    const steps = await resolveSteps(deps.controlPlane, command.steps, names);
    const keychain = names.has("keychain")
      ? await resolveKeychain(command.keychain ?? [], {
          credentials: deps.credentials,
          redactor,
          workload,
          token: (name, entry) => deps.tokens.get(command.execution_id, name, entry),
        })
      : undefined;
    const state: PipelineState = {
      ctx: command.ctx,
      results: {},
      prev: undefined,
      task: "",
      attempt: 1,
      output: undefined,
      iterVars: {},
      stepVars: {},
    };
    const scope = taskScope(command, workload, steps, keychain, state, () => clock.now());
    const captured = { bytes: 0 };
    outcome = await runPipeline({
      command,
      state,
      scope,
      tool: (kind) => deps.tools.get(kind),
      context: (task, input, taskSignal, timeoutMs) =>
        toolContext(deps, command, task, input, taskSignal, timeoutMs, redactor, scope, captured, events),
      signal,
      now: () => clock.now(),
      sleep: abortableSleep,
    });
  } catch (error) {
    outcome = {
      status: "error",
      result: null,
      error: {
        kind: "tool_error",
        retryable: false,
        code: "NOETL_E_WORKER",
        message: (error as Error).message,
      },
      ctxPatch: {},
      tasks: [],
    };
  }
  if (command.tasks.length > 1 || outcome.tasks.some((t) => t.attempt > 1 || t.status === "error")) {
    for (const t of outcome.tasks) {
      events.push({
        type: "task.done",
        step: command.step,
        payload: { command_id: command.command_id, ...t },
      });
    }
  }
  const duration = clock.now() - started;
  let result = outcome.result;
  if (result !== null && typeof result === "object" && jsonBytes(result) > deps.inlineResultLimit) {
    result = (await deps.controlPlane.putResult(
      command.execution_id,
      command.step,
      redactor.redact(result),
    )) as unknown as Json;
  }
  const ctxPatch = Object.keys(outcome.ctxPatch).length > 0 ? { ctx_patch: outcome.ctxPatch } : {};
  if (outcome.status === "error") {
    events.push({
      type: "call.error",
      step: command.step,
      payload: {
        ...base,
        ...loopFields,
        result,
        error: outcome.error ?? unknownError(),
        duration_ms: duration,
        ...ctxPatch,
      },
    });
  } else {
    events.push({
      type: "call.done",
      step: command.step,
      payload: {
        ...base,
        ...loopFields,
        result,
        status: outcome.status,
        duration_ms: duration,
        ...ctxPatch,
      },
    });
  }
  return redactor.redact(events);
}

async function loadWorkload(deps: CommandRunDeps, executionId: ExecutionId): Promise<JsonObject> {
  let w = deps.workloads.get(executionId);
  if (!w) {
    w = (await deps.controlPlane.getExecution(executionId)).workload;
    if (deps.workloads.size > 1000) deps.workloads.clear();
    deps.workloads.set(executionId, w);
  }
  return w;
}

/** Step results stored by reference are fetched when the step's templates name them. */
async function resolveSteps(
  controlPlane: ControlPlane,
  steps: JsonObject,
  names: ReadonlySet<string>,
): Promise<JsonObject> {
  let out = steps;
  for (const [name, value] of Object.entries(steps)) {
    if (!names.has(name)) continue;
    let resolved: Json = value;
    if (isResultRef(value)) resolved = await controlPlane.resolveResult(value.ref);
    else if (value && typeof value === "object" && !Array.isArray(value) && isResultRef(value.results)) {
      resolved = { ...value, results: await controlPlane.resolveResult(value.results.ref) };
    } else continue;
    if (out === steps) out = { ...steps };
    out[name] = resolved;
  }
  return out;
}

function jsonBytes(value: Json): number {
  return JSON.stringify(value).length;
}

function unknownError() {
  return { kind: "unknown" as const, retryable: false, code: "NOETL_E_UNKNOWN", message: "unknown error" };
}

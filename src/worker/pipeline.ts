/**
 * The task pipeline executor (DECISIONS 22–26; reference §3.1): tasks run in order; after
 * each, its `output` envelope is built and the task's policy rules decide
 * continue | retry | jump | break | fail, with `set` writes to ctx / iter / step scopes.
 */

import { writePath } from "../engine/index.ts";
import { evaluateCondition, renderValue, type Scope } from "../expr/index.ts";
import type { Json, JsonObject } from "../kernel/index.ts";
import { isJsonObject } from "../kernel/index.ts";
import type { Command, PolicyRule, PolicyThen, Task, ToolErrorInfo } from "../protocol/index.ts";
import type { Tool, ToolContext } from "../tools/index.ts";
import { ToolError, taskInput } from "../tools/index.ts";
import { retryDelayMs } from "./backoff.ts";
import { toErrorInfo } from "./error-info.ts";
import type { PipelineState } from "./task-scope.ts";

/** Jumps and retries a pipeline may take before it is stopped as runaway. */
const MAX_TASK_RUNS = 10_000;

export interface TaskRecord {
  task: string;
  attempt: number;
  status: "ok" | "error";
  action: string;
  duration_ms: number;
  error?: ToolErrorInfo;
}

export interface PipelineOutcome {
  status: "ok" | "break" | "error";
  result: Json;
  error?: ToolErrorInfo;
  /** ctx writes made by policies (`set: {ctx.k: …}`). */
  ctxPatch: JsonObject;
  tasks: TaskRecord[];
}

export interface PipelineDeps {
  command: Command;
  state: PipelineState;
  scope: Scope;
  tool(kind: string): Tool | undefined;
  /** Builds the tool context of one task run. */
  context(task: Task, input: JsonObject, signal: AbortSignal, timeoutMs: number | undefined): ToolContext;
  signal: AbortSignal;
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export async function runPipeline(deps: PipelineDeps): Promise<PipelineOutcome> {
  const { command, state } = deps;
  const tasks = command.tasks;
  const records: TaskRecord[] = [];
  const ctxPatch: JsonObject = {};
  const attempts = new Map<string, number>();
  let i = 0;
  let last: Json = null;
  let runs = 0;
  while (i < tasks.length) {
    if (++runs > MAX_TASK_RUNS) {
      return fail(deps, records, ctxPatch, last, {
        kind: "schema",
        retryable: false,
        code: "NOETL_E_PIPELINE_RUNAWAY",
        message: `pipeline of step '${command.step}' ran more than ${MAX_TASK_RUNS} tasks (jump/retry loop)`,
      });
    }
    if (deps.signal.aborted) {
      return fail(deps, records, ctxPatch, last, {
        kind: "cancelled",
        retryable: false,
        code: "NOETL_E_CANCELLED",
        message: "cancelled",
      });
    }
    const task = tasks[i] as Task;
    const attempt = attempts.get(task.name) ?? 1;
    state.task = task.name;
    state.attempt = attempt;
    const started = deps.now();
    const { data, error } = await runTask(deps, task);
    const duration = deps.now() - started;
    const output: JsonObject = {
      status: error ? "error" : "ok",
      data: data ?? null,
      error: error ? (error.info as unknown as Json) : null,
      meta: { attempt, duration_ms: duration },
      http: (error?.extra?.http ?? httpOf(data)) as Json,
      ...(error?.extra ? without(error.extra, "http") : {}),
    };
    state.output = output;

    let then: PolicyThen | undefined;
    try {
      then = decide(task.policy.rules, deps.scope);
    } catch (e) {
      const info = toErrorInfo(e, task.name);
      records.push({
        task: task.name,
        attempt,
        status: "error",
        action: "fail",
        duration_ms: duration,
        error: info,
      });
      return fail(deps, records, ctxPatch, last, info);
    }
    const action =
      then?.do ??
      (error
        ? task.policy.on_unmatched === "continue" && task.policy.rules.length > 0
          ? "continue"
          : "fail"
        : "continue");
    records.push({
      task: task.name,
      attempt,
      status: error ? "error" : "ok",
      action,
      duration_ms: duration,
      ...(error ? { error: error.info } : {}),
    });
    try {
      if (then?.set) applyWrites(then.set, deps.scope, state, ctxPatch);
    } catch (e) {
      return fail(deps, records, ctxPatch, last, toErrorInfo(e, task.name));
    }

    if (!error) {
      state.results[task.name] = data ?? null;
      state.prev = data ?? null;
      last = data ?? null;
    }
    switch (action) {
      case "continue":
        if (error) {
          // an error let through by policy: later tasks see it as _prev/output
          state.prev = data ?? null;
          last = data ?? null;
        }
        i += 1;
        break;
      case "retry": {
        const max = then?.attempts ?? 3;
        if (attempt >= max) {
          if (error) return fail(deps, records, ctxPatch, last, { ...error.info, attempts: attempt });
          i += 1;
          break;
        }
        attempts.set(task.name, attempt + 1);
        const delay = retryDelayMs(then as PolicyThen, attempt);
        if (delay > 0) await deps.sleep(delay, deps.signal);
        break;
      }
      case "jump": {
        const to = then?.to;
        const target = to === "previous" ? i - 1 : tasks.findIndex((t) => t.name === to);
        if (target < 0) {
          return fail(deps, records, ctxPatch, last, {
            kind: "schema",
            retryable: false,
            code: "NOETL_E_JUMP_TARGET",
            message: `jump target '${to}' not found in step '${command.step}'`,
          });
        }
        attempts.delete(tasks[target]?.name ?? "");
        i = target;
        break;
      }
      case "break":
        return finish(command, state, "break", last, ctxPatch, records);
      default: {
        const info: ToolErrorInfo = error
          ? error.info
          : {
              kind: "tool_error",
              retryable: false,
              code: "NOETL_E_POLICY_FAIL",
              message: `task '${task.name}' failed by policy`,
              task: task.name,
            };
        return fail(deps, records, ctxPatch, error ? (data ?? null) : last, info);
      }
    }
  }
  return finish(command, state, "ok", last, ctxPatch, records);
}

async function runTask(
  deps: PipelineDeps,
  task: Task,
): Promise<{ data: Json | undefined; error?: ToolError }> {
  try {
    const tool = deps.tool(task.kind);
    if (!tool) {
      throw new ToolError({
        kind: "schema",
        retryable: false,
        code: "NOETL_E_UNKNOWN_TOOL",
        message: `no tool of kind '${task.kind}' on this worker`,
        task: task.name,
      });
    }
    const config = renderValue(task.config, deps.scope) as JsonObject;
    const input = taskInput(deps.command.input, config);
    const timeoutMs = timeoutOf(task.spec.timeout);
    const signals = [deps.signal, ...(timeoutMs ? [AbortSignal.timeout(timeoutMs)] : [])];
    const signal = signals.length === 1 ? deps.signal : AbortSignal.any(signals);
    const data = await tool.run(config, deps.context(task, input, signal, timeoutMs));
    return { data: data === undefined ? null : data };
  } catch (e) {
    const info = toErrorInfo(e, task.name, task.pos);
    if (e instanceof ToolError)
      return {
        data: e.data,
        error: e.info.task
          ? e
          : new ToolError(info, {
              ...(e.data !== undefined ? { data: e.data } : {}),
              ...(e.extra ? { extra: e.extra } : {}),
            }),
      };
    return { data: undefined, error: new ToolError(info) };
  }
}

function decide(rules: readonly PolicyRule[], scope: Scope): PolicyThen | undefined {
  for (const rule of rules) {
    if (rule.else || evaluateCondition(rule.when, scope)) return rule.then;
  }
  return undefined;
}

function applyWrites(
  set: Record<string, Json>,
  scope: Scope,
  state: PipelineState,
  ctxPatch: JsonObject,
): void {
  const values: Array<[string, Json]> = Object.entries(set).map(([k, v]) => [
    k,
    (renderValue(v, scope) ?? null) as Json,
  ]);
  for (const [key, value] of values) {
    const parts = key.split(".");
    let target: "ctx" | "iter" | "step" = "ctx";
    if (parts[0] === "ctx" || parts[0] === "iter" || parts[0] === "step")
      target = parts.shift() as typeof target;
    if (parts.length === 0) continue;
    const [head, ...rest] = parts as [string, ...string[]];
    if (target === "ctx") {
      const next = rest.length === 0 ? value : writePath(state.ctx[head], rest, value);
      state.ctx = { ...state.ctx, [head]: next };
      ctxPatch[head] = next;
    } else {
      const bag = target === "iter" ? state.iterVars : state.stepVars;
      bag[head] = rest.length === 0 ? value : writePath(bag[head], rest, value);
    }
  }
}

function finish(
  command: Command,
  state: PipelineState,
  status: "ok" | "break",
  last: Json,
  ctxPatch: JsonObject,
  tasks: TaskRecord[],
): PipelineOutcome {
  let result: Json = last;
  if (command.pipeline) {
    const base: JsonObject = isJsonObject(last) ? { ...last } : last === null ? {} : { data: last };
    result = {
      ...base,
      results: { ...state.results },
      status,
      ...(Object.keys(ctxPatch).length > 0 ? { ctx: ctxPatch } : {}),
    };
  }
  return { status, result, ctxPatch, tasks };
}

function fail(
  _deps: PipelineDeps,
  tasks: TaskRecord[],
  ctxPatch: JsonObject,
  result: Json,
  error: ToolErrorInfo,
): PipelineOutcome {
  return { status: "error", result, error, ctxPatch, tasks };
}

function httpOf(data: Json | undefined): Json {
  if (isJsonObject(data) && typeof data.status_code === "number")
    return { status: data.status_code, headers: data.headers ?? {} };
  return {};
}

function timeoutOf(value: Json | undefined): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}

function without(obj: JsonObject, key: string): JsonObject {
  const { [key]: _drop, ...rest } = obj;
  return rest;
}

/**
 * Builders for the Store conformance suite: unique ids (suites may share one database) and
 * well-typed events and commands.
 */
import type { CommandId, EventId, ExecutionId } from "../kernel/index.ts";
import type { Command, EventPayloads, EventType, NoetlEvent, ToolErrorInfo } from "../protocol/index.ts";
import type { Store } from "./store.ts";

/** Registers one conformance test that gets a fresh, initialised store. */
export type StoreTest = (title: string, body: (store: Store) => Promise<void>) => void;

let counter = 0;
const runStartedMs = Date.now() - 1_704_067_200_000 + Math.floor(Math.random() * 1000);
const run = `${runStartedMs.toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** A string unique to this process run: `prefix` + run id + counter. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${run}-${counter}`;
}

export const newExecutionId = (): ExecutionId => uid("x") as ExecutionId;

/**
 * A command id unique to this process run, a decimal int64 string like the engine's snowflakes
 * (the SQLite store keys commands by that number): this run's start in ms, shifted, + counter.
 */
export function newCommandId(): CommandId {
  counter += 1;
  return ((BigInt(runStartedMs) << 22n) + BigInt(counter)).toString() as CommandId;
}

/** An event of `type` for `execution`, stamped at `at` (default 1000). */
export function event<K extends EventType>(
  execution: ExecutionId,
  type: K,
  payload: EventPayloads[K],
  extra: { step?: string; at?: number; event_id?: string; cause?: string } = {},
): NoetlEvent {
  return {
    execution_id: execution,
    event_id: (extra.event_id ?? uid("e")) as EventId,
    type,
    at: extra.at ?? 1000,
    payload,
    ...(extra.step !== undefined ? { step: extra.step } : {}),
    ...(extra.cause !== undefined ? { cause: extra.cause as EventId } : {}),
  } as NoetlEvent;
}

/** A minimal command of `execution`. */
export function command(execution: ExecutionId, step = "s", pool = "default"): Command {
  return {
    command_id: newCommandId(),
    execution_id: execution,
    step,
    pool,
    tasks: [],
    pipeline: false,
    input: { n: 1 },
    ctx: { k: "v" },
    steps: {},
    attempt: 1,
  };
}

export const toolError: ToolErrorInfo = { kind: "tool_error", retryable: false, code: "E", message: "boom" };

/** The outcome event of one loop iteration. */
export function iteration(
  execution: ExecutionId,
  step: string,
  loopId: string,
  index: number,
  result: EventPayloads["call.done"]["result"],
  ok = true,
): NoetlEvent {
  const base = { command_id: uid("c") as CommandId, result, loop_id: loopId, loop_index: index };
  return ok
    ? event(execution, "call.done", { ...base, status: "ok" }, { step })
    : event(execution, "call.error", { ...base, error: toolError }, { step });
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

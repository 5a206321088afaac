/**
 * An execution's state as JSON (what `GET /api/replay/state` shows): the summary plus what the
 * engine keeps to decide — workload, commands in flight, loops, joins waiting, skipped steps.
 * Step results stored by reference show their ResultRef, not the stored data.
 */
import type { Json, JsonObject } from "../kernel/index.ts";
import type { ExecutionStatus, ToolErrorInfo } from "../protocol/index.ts";
import type { ExecutionState } from "./state.ts";

export interface ExecutionStateView {
  execution_id: string;
  status: ExecutionStatus;
  result: Json;
  error: ToolErrorInfo | null;
  /** An unhandled error the execution fails with once in-flight work drains. */
  failing: ToolErrorInfo | null;
  workload: JsonObject;
  ctx: JsonObject;
  steps: Record<string, Json>;
  runs: Record<string, number>;
  current: string[];
  skipped: string[];
  in_flight: Array<{ command_id: string; step: string; loop_id?: string; index?: number; claimed: boolean }>;
  loops: Array<{
    loop_id: string;
    step: string;
    total: number;
    dispatched: number;
    in_flight: number;
    done: number;
    success: number;
    failed: number;
    stopped: boolean;
  }>;
  /** AND-joins some upstream reached: who arrived, who will not come. */
  joins: Array<{ step: string; arrived: string[]; resolved: string[] }>;
  final_step_ran: boolean;
}

export function stateView(state: ExecutionState): ExecutionStateView {
  const steps: Record<string, Json> = {};
  for (const [name, value] of state.results) steps[name] = state.refs.get(name) ?? value;
  return {
    execution_id: state.executionId,
    status: state.status,
    result: state.result,
    error: state.error,
    failing: state.failing,
    workload: state.workload,
    ctx: state.ctx,
    steps,
    runs: Object.fromEntries(state.runs),
    current: [...state.current],
    skipped: [...state.skipped],
    in_flight: [...state.inFlight].map(([command_id, f]) => ({
      command_id,
      step: f.step,
      ...(f.loop_id !== undefined ? { loop_id: f.loop_id } : {}),
      ...(f.index !== undefined ? { index: f.index } : {}),
      claimed: f.claimed,
    })),
    loops: [...state.loops.values()].map((l) => ({
      loop_id: l.loop_id,
      step: l.step,
      total: l.items.length,
      dispatched: l.next,
      in_flight: l.inFlight,
      done: l.done,
      success: l.success,
      failed: l.failed,
      stopped: l.stopped,
    })),
    joins: [...state.joins].map(([step, js]) => ({
      step,
      arrived: [...js.arrived.keys()],
      resolved: [...js.resolved],
    })),
    final_step_ran: state.finalStepRan,
  };
}

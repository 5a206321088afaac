/**
 * What a worker may ask of the control plane. Embedded mode binds it to the orchestrator
 * in-process; distributed mode implements it over HTTP (`client/`). The worker uses nothing else.
 */
import type { CommandId, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type { Command, ResultRef } from "./commands.ts";
import type { EventEnvelope, EventType } from "./events.ts";

/** An event as produced by a worker (the control plane assigns `event_id`/`at` if absent). */
export type WorkerEvent = {
  [K in EventType]: Omit<EventEnvelope<K>, "event_id" | "at" | "execution_id"> & {
    event_id?: string;
    at?: number;
  };
}[EventType];

export interface ClaimResult {
  status: "claimed" | "already_terminal" | "active_claim" | "cancelled" | "not_found";
  command?: Command;
  lease_ms?: number;
}

/**
 * Asked with a report: claim for this worker up to `max` of the commands of `pool` that the
 * report causes (in the commit that creates them), and answer them with the report. A chain's
 * next step then goes straight to the worker that ran the previous one (no notice on the bus, no
 * claim request); the claim is an ordinary lease, so a worker that dies with it is covered by
 * the reaper.
 */
export interface Handoff {
  worker_id: string;
  pool: string;
  max: number;
}

/**
 * A request for work (`ControlPlane.next`). `request_id` names the request across its retries: a
 * worker whose request failed in transit (the answer may have been written and lost with its
 * connection) sends it again with the same id, and the server first answers with the commands it
 * gave that id that the worker still holds, rather than leaving them to their lease.
 */
export interface WorkRequest extends Handoff {
  request_id?: string;
}

export interface ExecutionInfo {
  execution_id: ExecutionId;
  path: string;
  workload: JsonObject;
  catalog_version?: number;
  parent_execution_id?: ExecutionId;
}

export interface ExecuteRequest {
  path?: string;
  version?: number;
  /** A catalog entry by its id (one version of one path), when no `path` is given. */
  catalog_id?: string;
  /** Inline playbook YAML (embedded runs of a file). */
  content?: string;
  payload?: JsonObject;
  parent_execution_id?: ExecutionId;
  /** Start at this step instead of the playbook's entry step (recorded in `playbook.initialized`). */
  entry_step?: string;
}

export interface ExecutionSummary {
  execution_id: ExecutionId;
  status: "running" | "completed" | "failed" | "cancelled";
  result?: Json;
  error?: Json;
}

export interface ControlPlane {
  /**
   * Claim a command. `executionId` (from the bus notice) is a hint: a remote control plane that
   * already holds the execution's info then does not have it sent along again.
   */
  claim(commandId: CommandId, workerId: string, executionId?: ExecutionId): Promise<ClaimResult>;
  /**
   * Report a batch of events for one execution (idempotent on event ids). With `handoff`, the
   * answer holds the commands claimed for the worker (`status: "claimed"`), possibly none.
   */
  report(
    executionId: ExecutionId,
    events: WorkerEvent[],
    idempotencyKey?: string,
    handoff?: Handoff,
  ): Promise<ClaimResult[] | undefined>;
  heartbeat(commandId: CommandId, workerId: string): Promise<{ cancelled: boolean }>;
  isCancelled(executionId: ExecutionId): Promise<boolean>;
  getExecution(executionId: ExecutionId): Promise<ExecutionInfo>;
  putResult(executionId: ExecutionId, name: string, data: Json): Promise<ResultRef>;
  resolveResult(ref: string): Promise<Json>;
  /** Start a child execution (`kind: playbook`). */
  execute(request: ExecuteRequest): Promise<{ execution_id: ExecutionId }>;
  /** Wait until an execution is terminal (or the signal aborts). */
  waitFor(executionId: ExecutionId, signal?: AbortSignal): Promise<ExecutionSummary>;
  /** Cancel an execution (and its children); returns the ids actually cancelled. */
  cancel(executionId: ExecutionId, reason?: string): Promise<ExecutionId[]>;
  /**
   * Ask for work: wait until the control plane has up to `request.max` new commands of
   * `request.pool` and answer them claimed for the worker, as a hand-off does (the next command
   * created while the request waits goes to it, in the commit that creates it: no notice on the
   * bus, no claim request). Answers `[]` when the signal aborts first. Optional: a control plane
   * without it leaves the worker to its bus. A request sent again with its `request_id` is first
   * answered with what that id was given and the worker still holds.
   */
  next?(request: WorkRequest, signal: AbortSignal): Promise<ClaimResult[]>;
}

export type { EventType };

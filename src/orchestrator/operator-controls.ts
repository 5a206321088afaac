/**
 * What an operator does to an execution from outside: cancel it, patch its ctx (the vars API),
 * inject a token, force its end. Each only appends an event that the engine handles like any
 * other, so embedded and distributed mode behave alike and the log replays them.
 */
import type { ExecutionSummaryView } from "../engine/index.ts";
import type { EventId, ExecutionId, IdSource, JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { ClaimResult, EventPayloads, ExecutionStatus, WorkerEvent } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import type { LiveExecution } from "./execution-cache.ts";

/** What the vars API writes to ctx (`ctx.updated` with source `api`). */
export type CtxPatch = Partial<Omit<EventPayloads["ctx.updated"], "source">>;

export interface OperatorControlsDeps {
  store: Store;
  ids: IdSource;
  /** Appends worker-shaped events to an execution's log (`Orchestrator.report`). */
  report: (executionId: ExecutionId, events: WorkerEvent[]) => Promise<ClaimResult[]>;
  /** The execution's state caught up with the log (`ExecutionInspector.current`). */
  current: (executionId: ExecutionId) => Promise<LiveExecution>;
  /** The execution's summary (`ExecutionInspector.status`). */
  status: (executionId: ExecutionId) => Promise<ExecutionSummaryView>;
}

export class OperatorControls {
  private readonly store: Store;
  private readonly ids: IdSource;
  private readonly report: OperatorControlsDeps["report"];
  private readonly current: OperatorControlsDeps["current"];
  private readonly status: OperatorControlsDeps["status"];

  constructor(deps: OperatorControlsDeps) {
    this.store = deps.store;
    this.ids = deps.ids;
    this.report = deps.report;
    this.current = deps.current;
    this.status = deps.status;
  }

  async cancel(executionId: ExecutionId, reason?: string, cascade = true): Promise<ExecutionId[]> {
    const row = await this.store.getExecution(executionId);
    if (!row) throw new NoetlError("NOETL_E_EXECUTION_NOT_FOUND", `execution ${executionId} not found`);
    const cancelled: ExecutionId[] = [];
    if (row.status === "running") {
      await this.report(executionId, [
        { type: "execution.cancel_requested", payload: { ...(reason ? { reason } : {}), cascade } },
      ]);
      cancelled.push(executionId);
    }
    if (cascade) {
      const children = await this.store.listExecutions({ parent_execution_id: executionId });
      for (const child of children) cancelled.push(...(await this.cancel(child.execution_id, reason, true)));
    }
    return cancelled;
  }

  /**
   * Patches the execution's `ctx` from outside (the vars API): a `ctx.updated` event with source
   * `api` that writes `values` and then removes `removed`. Refused once the execution has ended.
   */
  async patchCtx(executionId: ExecutionId, patch: CtxPatch): Promise<EventId> {
    await this.running(executionId);
    const event_id = this.ids.next() as EventId;
    await this.report(executionId, [
      { type: "ctx.updated", event_id, payload: { ...patch, values: patch.values ?? {}, source: "api" } },
    ]);
    return event_id;
  }

  /**
   * Injects a token: step `step` of a running execution is entered with `input` as its message,
   * as if an arc had fired it (`token.injected`, which the engine handles).
   */
  async inject(executionId: ExecutionId, step: string, input: JsonObject): Promise<EventId> {
    const live = await this.running(executionId);
    if (!live.state.graph.steps.has(step)) {
      throw new NoetlError(
        "NOETL_E_STEP_NOT_FOUND",
        `the playbook of execution ${executionId} has no step '${step}'`,
      );
    }
    const event_id = this.ids.next() as EventId;
    await this.report(executionId, [{ type: "token.injected", event_id, step, payload: { step, input } }]);
    return event_id;
  }

  /**
   * Forces a running execution to end `status` (`execution.finalize_requested`: in-flight
   * commands are cancelled, then the terminal events of that status). A finished execution is
   * left as it is (`finalized: false`). With `cascade` (the default, as for `cancel`) its child
   * executions (sub-playbooks), and theirs, are then finalized as failed — a child has no result
   * of its own to complete with — whatever the parent's status; `finalized_children` lists the
   * ones that were still running.
   */
  async finalize(
    executionId: ExecutionId,
    status: "completed" | "failed",
    reason?: string,
    cascade = true,
  ): Promise<{ finalized: boolean; status: ExecutionStatus; finalized_children: ExecutionId[] }> {
    const before = await this.current(executionId);
    let finalized = false;
    if (before.state.status === "running") {
      await this.report(executionId, [
        { type: "execution.finalize_requested", payload: { status, ...(reason ? { reason } : {}) } },
      ]);
      finalized = true;
    }
    const finalized_children = cascade ? await this.finalizeChildren(executionId) : [];
    return { finalized, status: (await this.status(executionId)).status, finalized_children };
  }

  /** Finalizes (as failed) the running descendants of `parentId`; returns the ones it ended. */
  private async finalizeChildren(parentId: ExecutionId): Promise<ExecutionId[]> {
    const ended: ExecutionId[] = [];
    for (const child of await this.store.listExecutions({ parent_execution_id: parentId })) {
      const out = await this.finalize(child.execution_id, "failed", `parent execution ${parentId} finalized`);
      if (out.finalized) ended.push(child.execution_id);
      ended.push(...out.finalized_children);
    }
    return ended;
  }

  /** The execution's live state, when it is running (else NOETL_E_EXECUTION_FINISHED). */
  private async running(executionId: ExecutionId) {
    const live = await this.current(executionId);
    if (live.state.status !== "running") {
      throw new NoetlError(
        "NOETL_E_EXECUTION_FINISHED",
        `execution ${executionId} has already finished (${live.state.status})`,
      );
    }
    return live;
  }
}

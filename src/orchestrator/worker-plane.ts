/**
 * The worker's side of the control plane (`ControlPlane`) apart from reports: claims with
 * leases, requests for work, heartbeats, cancellation checks and results stored by reference.
 */
import type { Clock, CommandId, ExecutionId, Json } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { ClaimResult, ResultRef, WorkRequest } from "../protocol/index.ts";
import type { ClaimOutcome, Store } from "../store/index.ts";
import { AnsweredRequests } from "./answered-requests.ts";
import type { ExecutionCache } from "./execution-cache.ts";
import type { HeldCommands } from "./held-commands.ts";
import type { WorkRequests } from "./work-requests.ts";

export interface WorkerPlaneDeps {
  store: Store;
  clock: Clock;
  cache: ExecutionCache;
  held: HeldCommands;
  /** Workers' requests for work waiting here (`next`). */
  requests: WorkRequests;
  options: { leaseMs: number; exclusive: boolean };
}

export class WorkerPlane {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly cache: ExecutionCache;
  private readonly held: HeldCommands;
  private readonly requests: WorkRequests;
  private readonly options: { leaseMs: number; exclusive: boolean };
  /** What requests for work with an id were answered with (for a retry whose answer was lost). */
  private readonly answered: AnsweredRequests;

  constructor(deps: WorkerPlaneDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.cache = deps.cache;
    this.held = deps.held;
    this.requests = deps.requests;
    this.options = deps.options;
    this.answered = new AnsweredRequests(this.options.leaseMs);
  }

  async claim(commandId: CommandId, workerId: string): Promise<ClaimResult> {
    const held = this.held.get(commandId);
    if (held) {
      if (held.worker && held.worker !== workerId) return { status: "active_claim" };
      held.worker = workerId;
      const live = this.cache.peek(held.command.execution_id);
      if (live && live.state.status === "cancelled") return { status: "cancelled" };
      if (live && !live.state.inFlight.has(commandId)) return { status: "already_terminal" };
      return { status: "claimed", command: held.command, lease_ms: this.options.leaseMs };
    }
    const now = this.clock.now();
    return this.claimed(await this.store.claimCommand(commandId, workerId, now, this.options.leaseMs));
  }

  /** `claim` of several commands (one store round trip when the store can claim several at once). */
  async claimMany(commandIds: readonly CommandId[], workerId: string): Promise<ClaimResult[]> {
    if (this.options.exclusive || !this.store.claimCommands || commandIds.length === 1)
      return Promise.all(commandIds.map((id) => this.claim(id, workerId)));
    const now = this.clock.now();
    const outcomes = await this.store.claimCommands(commandIds, workerId, now, this.options.leaseMs);
    return Promise.all(outcomes.map((o) => this.claimed(o)));
  }

  private async claimed(outcome: ClaimOutcome): Promise<ClaimResult> {
    if (outcome.status !== "claimed") return { status: outcome.status };
    const command = outcome.row.command;
    const cancelled =
      outcome.executionStatus !== undefined
        ? outcome.executionStatus === "cancelled"
        : await this.isCancelled(command.execution_id);
    if (cancelled) return { status: "cancelled" };
    return { status: "claimed", command, lease_ms: this.options.leaseMs };
  }

  /**
   * A worker asks for work: the next new commands of its pool that no report takes over are
   * committed claimed for it and answered (see `ControlPlane.next`); `[]` when the signal aborts
   * first (the caller's wait ended, or its connection closed). A request sent again with its
   * `request_id` is first answered with what that id was given and its worker still holds (the
   * answer was lost with a connection), without waiting.
   */
  async next(request: WorkRequest, signal: AbortSignal): Promise<ClaimResult[]> {
    const id = request.request_id;
    if (id !== undefined) {
      const given = this.answered.take(request.worker_id, id, this.clock.now());
      const held = given ? await this.held.among(given, request.worker_id, this.clock.now()) : [];
      if (held.length > 0) {
        this.answered.remember(
          request.worker_id,
          id,
          held.map((c) => c.command_id),
          this.clock.now(),
        );
        return held.map((command) => ({ status: "claimed", command, lease_ms: this.options.leaseMs }));
      }
    }
    const claims = await this.requests.wait(request, signal);
    if (id !== undefined && claims.length > 0) {
      const ids = claims.flatMap((c) => (c.command ? [c.command.command_id] : []));
      this.answered.remember(request.worker_id, id, ids, this.clock.now());
    }
    return claims;
  }

  /** How many requests for work wait here. */
  get waitingForWork(): number {
    return this.requests.size;
  }

  async heartbeat(commandId: CommandId, workerId: string): Promise<{ cancelled: boolean }> {
    const mine = this.held.get(commandId);
    if (mine) {
      const live = this.cache.peek(mine.command.execution_id);
      return { cancelled: mine.worker !== workerId || live?.state.status === "cancelled" };
    }
    const now = this.clock.now();
    const row = await this.store.getCommand(commandId);
    if (!row) return { cancelled: true };
    const held = await this.store.renewLease(commandId, workerId, now, this.options.leaseMs);
    return { cancelled: !held || (await this.isCancelled(row.command.execution_id)) };
  }

  async isCancelled(executionId: ExecutionId): Promise<boolean> {
    const live = this.options.exclusive ? this.cache.peek(executionId) : undefined;
    if (live) return live.state.status === "cancelled";
    const row = await this.store.getExecution(executionId);
    return row?.status === "cancelled";
  }

  async putResult(executionId: ExecutionId, name: string, data: Json): Promise<ResultRef> {
    return this.store.resultPut(executionId, name, data, this.clock.now());
  }

  async resolveResult(ref: string): Promise<Json> {
    const value = await this.store.resultGet(ref);
    if (value === undefined) {
      throw new NoetlError("REFERENCE_NOT_AVAILABLE", `result reference not found: ${ref}`);
    }
    return value;
  }
}

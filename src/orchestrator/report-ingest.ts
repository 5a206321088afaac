/**
 * Worker reports in: grouped per execution (whatever arrives while an execution is busy is
 * decided and committed together), decided on by the engine and committed — optimistically
 * or under the store's execution lock — then the new commands are handed off, answered or
 * published, and watchers told.
 */
import type { DecideEnv } from "../engine/index.ts";
import type { Clock, ExecutionId, IdSource } from "../kernel/index.ts";
import type { ClaimResult, Handoff, WorkerEvent } from "../protocol/index.ts";
import type { ExecutionMutex, Store } from "../store/index.ts";
import type { CommandPublisher } from "./command-publisher.ts";
import { type DrainContext, type DrainOutcome, drainBatches } from "./drain.ts";
import type { ExecutionCache } from "./execution-cache.ts";
import type { Report } from "./handoff-repeats.ts";
import { answerRepeats } from "./handoff-repeats.ts";
import type { HeldCommands } from "./held-commands.ts";
import { KeyedBatcher } from "./keyed-queue.ts";
import type { OrchestratorLog } from "./log.ts";
import type { Watchers } from "./watchers.ts";
import type { WorkRequests } from "./work-requests.ts";

export interface ReportIngestDeps {
  store: Store;
  cache: ExecutionCache;
  clock: Clock;
  ids: IdSource;
  log: OrchestratorLog;
  options: { leaseMs: number; exclusive: boolean };
  /** The engine's environment for a decision. */
  engineEnv: () => DecideEnv;
  requests: WorkRequests;
  held: HeldCommands;
  /** Per execution, what changes its cached state runs alone (see `Orchestrator`). */
  stateLocks: ExecutionMutex;
  publisher: CommandPublisher;
  watchers: Watchers;
}

export class ReportIngest {
  private readonly store: Store;
  private readonly cache: ExecutionCache;
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly log: OrchestratorLog;
  private readonly options: { leaseMs: number; exclusive: boolean };
  private readonly engineEnv: () => DecideEnv;
  private readonly requests: WorkRequests;
  private readonly held: HeldCommands;
  private readonly stateLocks: ExecutionMutex;
  private readonly publisher: CommandPublisher;
  private readonly watchers: Watchers;
  private readonly batcher: KeyedBatcher<Report, ClaimResult[]>;
  /** Executions another replica decided on (an optimistic commit was refused): drained under the lock. */
  private readonly contended = new Set<ExecutionId>();

  constructor(deps: ReportIngestDeps) {
    this.store = deps.store;
    this.cache = deps.cache;
    this.clock = deps.clock;
    this.ids = deps.ids;
    this.log = deps.log;
    this.options = deps.options;
    this.engineEnv = deps.engineEnv;
    this.requests = deps.requests;
    this.held = deps.held;
    this.stateLocks = deps.stateLocks;
    this.publisher = deps.publisher;
    this.watchers = deps.watchers;
    this.batcher = new KeyedBatcher((key, batches) => this.drain(key as ExecutionId, batches));
  }

  /**
   * Ingest worker events (idempotent on event ids); actionable ones drive the engine. With
   * `handoff`, commands the report causes are claimed for the reporting worker and returned
   * instead of being announced on the bus (see `Handoff`).
   */
  async report(
    executionId: ExecutionId,
    events: WorkerEvent[],
    _idempotencyKey?: string,
    handoff?: Handoff,
  ): Promise<ClaimResult[]> {
    if (events.length === 0) return [];
    return this.batcher.push(executionId, { events, handoff });
  }

  private async drain(executionId: ExecutionId, reports: Report[]): Promise<ClaimResult[][]> {
    const out = await this.stateLocks.run(executionId, () => this.decide(executionId, reports));
    this.held.finished(out.inserted);
    // the commands handed off were committed claimed for their workers: answered, not announced
    const byReport = reports.map((): ClaimResult[] => []);
    for (const { command, workerId, report } of out.handed) {
      this.held.given(command, workerId);
      byReport[report]?.push({ status: "claimed", command, lease_ms: this.options.leaseMs });
    }
    await this.publisher.publish(this.publisher.answer(out.requested, out.unhanded));
    const held = (workerId: string) => this.held.byExecution(executionId, workerId, this.clock.now());
    const lease = this.options.leaseMs;
    await answerRepeats(reports, out.inserted, byReport, held, lease).catch((error: unknown) =>
      // the repeat was taken; its worker's held commands then wait for the reaper
      this.log.warn("could not answer a repeated hand-off report", { error: (error as Error).message }),
    );
    this.watchers.notify(executionId, out.inserted, out.state);
    return byReport;
  }

  /** Decide on the batches and commit the decision. */
  private async decide(executionId: ExecutionId, reports: readonly Report[]): Promise<DrainOutcome> {
    const batches = reports.map((r) => r.events);
    const ctx: DrainContext = {
      store: this.store,
      cache: this.cache,
      clock: this.clock,
      ids: this.ids,
      env: this.engineEnv(),
      leaseMs: this.options.leaseMs,
      commandRows: !this.options.exclusive,
      requests: this.requests,
      ...(reports.some((r) => r.handoff) ? { handoffs: reports.map((r) => r.handoff) } : {}),
    };
    // Optimistic first (no lock round trips) when this replica holds the execution's state and
    // has not seen another replica write to it; the store refuses the commit if the state is
    // not current, and the batches are drained again under the lock.
    const optimistic =
      !this.options.exclusive &&
      this.store.commitIfCurrent !== undefined &&
      !this.contended.has(executionId) &&
      this.cache.peek(executionId) !== undefined;
    let out = optimistic ? await drainBatches(ctx, executionId, batches, { optimistic: true }) : undefined;
    if (!out) {
      if (optimistic) {
        // another replica works on this execution too: take the lock for it from now on
        if (this.contended.size >= 10_000) this.contended.clear();
        this.contended.add(executionId);
      }
      out = await this.store.withExecutionLock(executionId, (locked) =>
        drainBatches(ctx, executionId, batches, { locked }),
      );
      if (!out) throw new Error(`drain of execution ${executionId} under its lock produced no outcome`);
    }
    return out;
  }
}

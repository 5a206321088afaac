/**
 * The control plane: the only scheduler. It persists events idempotently, runs the engine on
 * actionable events, writes the resulting events and commands in the same transaction, and
 * publishes command pointers after the commit. Embedded mode calls it in-process (it implements
 * the worker's ControlPlane); distributed mode puts the HTTP API in front of it.
 */

import type { Bus } from "../bus/index.ts";
import type { ExecutionStateView } from "../engine/index.ts";
import { openCommands } from "../engine/index.ts";
import type { Clock, CommandId, EventId, ExecutionId, IdSource, Json, JsonObject } from "../kernel/index.ts";
import type {
  ClaimResult,
  Command,
  ControlPlane,
  ExecuteRequest,
  ExecutionInfo,
  ExecutionStatus,
  ExecutionSummary,
  Handoff,
  NoetlEvent,
  ResultRef,
  WorkerEvent,
  WorkRequest,
} from "../protocol/index.ts";
import type { CatalogEntry, Store } from "../store/index.ts";
import { ExecutionMutex } from "../store/index.ts";
import { Catalog } from "./catalog.ts";
import { CommandPublisher } from "./command-publisher.ts";
import { ExecutionCache } from "./execution-cache.ts";
import { ExecutionInfos } from "./execution-infos.ts";
import { ExecutionInspector } from "./execution-inspector.ts";
import { ExecutionStarter } from "./execution-starter.ts";
import { HeldCommands } from "./held-commands.ts";
import type { OrchestratorLog } from "./log.ts";
import { silentLog } from "./log.ts";
import { reopenCommandRows } from "./open-command-rows.ts";
import { type CtxPatch, OperatorControls } from "./operator-controls.ts";
import { DEFAULT_ORCHESTRATOR_OPTIONS, type OrchestratorOptions } from "./orchestrator-options.ts";
import { PlaybookLoader } from "./playbook-loader.ts";
import { reapCommands } from "./reaper.ts";
import { ReportIngest } from "./report-ingest.ts";
import { Watchers } from "./watchers.ts";
import { WorkRequests } from "./work-requests.ts";
import { WorkerPlane } from "./worker-plane.ts";

export interface OrchestratorDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  ids: IdSource;
  log?: OrchestratorLog;
  options?: Partial<OrchestratorOptions>;
}

export type EventsListener = (executionId: ExecutionId, events: readonly NoetlEvent[]) => void;

export class Orchestrator implements ControlPlane {
  readonly store: Store;
  readonly options: OrchestratorOptions;
  /** The time it stamps events with (the edges judge an execution's age by it too). */
  readonly clock: Clock;
  private readonly bus: Bus;
  private readonly ids: IdSource;
  private readonly log: OrchestratorLog;
  private readonly loader: PlaybookLoader;
  private readonly catalog: Catalog;
  private readonly cache: ExecutionCache;
  private readonly watchers = new Watchers();
  /** Workers' requests for work waiting here (`next`). */
  private readonly requests = new WorkRequests();
  private readonly infos: ExecutionInfos;
  /**
   * Per execution, everything that changes its cached state runs alone: a drain (decide, then
   * commit: the state holds the decision before the commit returns its seqs) and the log
   * catch-up of a reader (`status`, `waitFor`), which must never fold events a drain in flight
   * has already applied.
   */
  private readonly stateLocks = new ExecutionMutex();
  /** Who holds which command (exclusive mode: the claims themselves, in memory). */
  private readonly held: HeldCommands;
  private readonly worker: WorkerPlane;
  private readonly publisher: CommandPublisher;
  private readonly reports: ReportIngest;
  private readonly inspector: ExecutionInspector;
  private readonly controls: OperatorControls;
  private readonly starter: ExecutionStarter;

  constructor(deps: OrchestratorDeps) {
    this.store = deps.store;
    this.bus = deps.bus;
    this.clock = deps.clock;
    this.ids = deps.ids;
    this.log = deps.log ?? silentLog;
    this.options = { ...DEFAULT_ORCHESTRATOR_OPTIONS, ...deps.options };
    this.loader = new PlaybookLoader(this.store);
    this.catalog = new Catalog(this.store, this.clock, this.options.catalogCacheMs);
    this.infos = new ExecutionInfos(this.store);
    this.cache = new ExecutionCache(this.store, this.loader, 10_000, this.options.exclusive);
    this.held = new HeldCommands(this.store, this.options.exclusive);
    this.publisher = new CommandPublisher({
      store: this.store,
      bus: this.bus,
      clock: this.clock,
      log: this.log,
      held: this.held,
      leaseMs: this.options.leaseMs,
      commandRows: !this.options.exclusive,
    });
    this.worker = new WorkerPlane({
      store: this.store,
      clock: this.clock,
      cache: this.cache,
      held: this.held,
      requests: this.requests,
      options: this.options,
    });
    this.inspector = new ExecutionInspector(this.cache, this.stateLocks, this.watchers);
    this.starter = new ExecutionStarter({
      store: this.store,
      clock: this.clock,
      ids: this.ids,
      options: this.options,
      engineEnv: () => this.engineEnv(),
      catalog: this.catalog,
      loader: this.loader,
      cache: this.cache,
      infos: this.infos,
      requests: this.requests,
      publisher: this.publisher,
      watchers: this.watchers,
    });
    this.controls = new OperatorControls({
      store: this.store,
      ids: this.ids,
      report: (executionId, events) => this.report(executionId, events),
      current: (executionId) => this.inspector.current(executionId),
      status: (executionId) => this.inspector.status(executionId),
    });
    this.reports = new ReportIngest({
      store: this.store,
      cache: this.cache,
      clock: this.clock,
      ids: this.ids,
      log: this.log,
      options: this.options,
      engineEnv: () => this.engineEnv(),
      requests: this.requests,
      held: this.held,
      stateLocks: this.stateLocks,
      publisher: this.publisher,
      watchers: this.watchers,
    });
  }

  // ---- catalog ------------------------------------------------------------------------------

  /** Validate and register a playbook; returns the new catalog entry (version = max + 1). */
  register(content: string, options: { file?: string } = {}): Promise<CatalogEntry> {
    return this.catalog.register(content, options);
  }

  /**
   * Delete catalog entries of `path` (one version, or all): they are archived — no longer listed
   * nor started — and kept for the executions already started from them. Returns them.
   */
  archive(path: string, version?: number): Promise<CatalogEntry[]> {
    return this.catalog.archive(path, version);
  }

  /** Undo `archive` of `path` (one version, or all). Returns the entries restored. */
  restore(path: string, version?: number): Promise<CatalogEntry[]> {
    return this.catalog.restore(path, version);
  }

  // ---- executions ---------------------------------------------------------------------------

  execute(request: ExecuteRequest): Promise<{ execution_id: ExecutionId }> {
    return this.starter.execute(request);
  }

  /**
   * Ingest worker events (idempotent on event ids); actionable ones drive the engine. With
   * `handoff`, commands the report causes are claimed for the reporting worker and returned
   * instead of being announced on the bus (see `Handoff`).
   */
  report(
    executionId: ExecutionId,
    events: WorkerEvent[],
    idempotencyKey?: string,
    handoff?: Handoff,
  ): Promise<ClaimResult[]> {
    return this.reports.report(executionId, events, idempotencyKey, handoff);
  }

  cancel(executionId: ExecutionId, reason?: string, cascade = true): Promise<ExecutionId[]> {
    return this.controls.cancel(executionId, reason, cascade);
  }

  /**
   * Patches the execution's `ctx` from outside (the vars API): a `ctx.updated` event with source
   * `api` that writes `values` and then removes `removed`. Refused once the execution has ended.
   */
  patchCtx(executionId: ExecutionId, patch: CtxPatch): Promise<EventId> {
    return this.controls.patchCtx(executionId, patch);
  }

  /**
   * Injects a token: step `step` of a running execution is entered with `input` as its message,
   * as if an arc had fired it (`token.injected`, which the engine handles).
   */
  inject(executionId: ExecutionId, step: string, input: JsonObject): Promise<EventId> {
    return this.controls.inject(executionId, step, input);
  }

  /**
   * Forces a running execution to end `status` (`execution.finalize_requested`: in-flight
   * commands are cancelled, then the terminal events of that status). A finished execution is
   * left as it is (`finalized: false`). With `cascade` (the default, as for `cancel`) its child
   * executions (sub-playbooks), and theirs, are then finalized as failed — a child has no result
   * of its own to complete with — whatever the parent's status; `finalized_children` lists the
   * ones that were still running.
   */
  finalize(
    executionId: ExecutionId,
    status: "completed" | "failed",
    reason?: string,
    cascade = true,
  ): Promise<{ finalized: boolean; status: ExecutionStatus; finalized_children: ExecutionId[] }> {
    return this.controls.finalize(executionId, status, reason, cascade);
  }

  status(executionId: ExecutionId) {
    return this.inspector.status(executionId);
  }

  /**
   * The execution's state rebuilt from its event log alone (not the state this orchestrator
   * holds), as JSON, with the last seq folded.
   */
  replay(executionId: ExecutionId): Promise<{ last_seq: number; state: ExecutionStateView }> {
    return this.inspector.replay(executionId);
  }

  /**
   * Renders `template` (a string, or JSON holding templates) against the execution as it stands:
   * the scope its templates see outside a step (workload, ctx, step results), `extra` over it.
   * `strict`: using an undefined value (printing, truth, iteration, comparison…) is an error, as
   * Jinja2's StrictUndefined. Credentials and keychain values are never
   * in the engine's state, so never in this scope. Returns the names the scope had.
   */
  render(
    executionId: ExecutionId,
    template: unknown,
    options: { extra?: JsonObject; strict?: boolean } = {},
  ): Promise<{ rendered: unknown; names: string[] }> {
    return this.inspector.render(executionId, template, options);
  }

  /**
   * Resolves when this orchestrator commits (or finds) the execution terminal. An execution whose
   * state it holds and sees running is not read again: what another replica commits meanwhile
   * is not watched here (the wait route checks the store itself between its waits).
   */
  waitFor(executionId: ExecutionId, signal?: AbortSignal): Promise<ExecutionSummary> {
    return this.inspector.waitFor(executionId, signal);
  }

  /** Listen to every committed event (progress display, SSE). Returns an unsubscribe function. */
  onEvents(listener: EventsListener): () => void {
    return this.watchers.listen(listener);
  }

  /**
   * Continue an interrupted execution from its event log: the commands in flight (issued, not
   * finished) are dispatched again (no completed step runs twice: its call.done is in the log).
   * They are rebuilt from the folded state (`openCommands`): in exclusive mode no command rows
   * exist; otherwise the open rows' own copies are re-opened and published.
   */
  async resume(executionId: ExecutionId): Promise<number> {
    let inFlight: Command[] = [];
    await this.stateLocks.run(executionId, async () => {
      this.cache.drop(executionId);
      const live = await this.cache.get(executionId);
      inFlight = openCommands(live.state, this.options.inlineResultLimit);
    });
    const open = this.options.exclusive
      ? inFlight
      : await reopenCommandRows(this.store, inFlight, this.clock.now());
    await this.publisher.publish(open);
    return open.length;
  }

  /**
   * A command this orchestrator holds open in memory (exclusive mode, where the store has no
   * command rows): PENDING until a worker claims it, then CLAIMED. Undefined otherwise.
   */
  heldCommand(
    commandId: CommandId,
  ): { command: Command; status: "PENDING" | "CLAIMED"; worker_id?: string } | undefined {
    const o = this.held.get(commandId);
    if (!o) return undefined;
    return {
      command: o.command,
      status: o.worker ? "CLAIMED" : "PENDING",
      ...(o.worker ? { worker_id: o.worker } : {}),
    };
  }

  /** Re-publish commands whose worker lost its lease or whose notification was lost. */
  reap(stalePendingMs = 60_000): Promise<number> {
    return reapCommands(
      { store: this.store, bus: this.bus, log: this.log },
      this.clock.now(),
      stalePendingMs,
    );
  }

  // ---- ControlPlane for workers ---------------------------------------------------------------

  claim(commandId: CommandId, workerId: string): Promise<ClaimResult> {
    return this.worker.claim(commandId, workerId);
  }

  /** `claim` of several commands (one store round trip when the store can claim several at once). */
  claimMany(commandIds: readonly CommandId[], workerId: string): Promise<ClaimResult[]> {
    return this.worker.claimMany(commandIds, workerId);
  }

  /**
   * A worker asks for work: the next new commands of its pool that no report takes over are
   * committed claimed for it and answered (see `ControlPlane.next`); `[]` when the signal aborts
   * first (the caller's wait ended, or its connection closed). A request sent again with its
   * `request_id` is first answered with what that id was given and its worker still holds (the
   * answer was lost with a connection), without waiting.
   */
  next(request: WorkRequest, signal: AbortSignal): Promise<ClaimResult[]> {
    return this.worker.next(request, signal);
  }

  /** How many requests for work wait here. */
  get waitingForWork(): number {
    return this.worker.waitingForWork;
  }

  /**
   * Commands claimed for a worker that will not run them (its request for work was answered
   * after it went away) go back to PENDING and are announced on the bus.
   */
  release(commands: readonly Command[]): Promise<void> {
    return this.publisher.release(commands);
  }

  heartbeat(commandId: CommandId, workerId: string): Promise<{ cancelled: boolean }> {
    return this.worker.heartbeat(commandId, workerId);
  }

  isCancelled(executionId: ExecutionId): Promise<boolean> {
    return this.worker.isCancelled(executionId);
  }

  getExecution(executionId: ExecutionId): Promise<ExecutionInfo> {
    return this.infos.getExecution(executionId);
  }

  putResult(executionId: ExecutionId, name: string, data: Json): Promise<ResultRef> {
    return this.worker.putResult(executionId, name, data);
  }

  resolveResult(ref: string): Promise<Json> {
    return this.worker.resolveResult(ref);
  }

  // ---- internals ----------------------------------------------------------------------------

  private engineEnv() {
    return {
      ids: this.ids,
      options: {
        maxInFlightCap: this.options.maxInFlightCap,
        inlineResultLimit: this.options.inlineResultLimit,
      },
    };
  }
}

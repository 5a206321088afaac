/**
 * Starting an execution: the catalog entry resolved (or the playbook registered), the
 * `playbook.initialized` event decided on by the engine and committed with the first commands,
 * which go to waiting requests for work or are published.
 */
import type { DecideEnv } from "../engine/index.ts";
import { createState, ENGINE_VERSION, handle, summarize } from "../engine/index.ts";
import type { Clock, ExecutionId, IdSource, Json, JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { ExecuteRequest, NoetlEvent } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";
import type { Catalog } from "./catalog.ts";
import type { CommandPublisher } from "./command-publisher.ts";
import { commandRows } from "./command-rows.ts";
import type { ExecutionCache } from "./execution-cache.ts";
import type { ExecutionInfos } from "./execution-infos.ts";
import type { PlaybookLoader } from "./playbook-loader.ts";
import type { Watchers } from "./watchers.ts";
import { assignedTo, type WorkRequests } from "./work-requests.ts";

export interface ExecutionStarterDeps {
  store: Store;
  clock: Clock;
  ids: IdSource;
  options: { leaseMs: number; exclusive: boolean };
  /** The engine's environment for a decision. */
  engineEnv: () => DecideEnv;
  catalog: Catalog;
  loader: PlaybookLoader;
  cache: ExecutionCache;
  infos: ExecutionInfos;
  requests: WorkRequests;
  publisher: CommandPublisher;
  watchers: Watchers;
}

export class ExecutionStarter {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly options: { leaseMs: number; exclusive: boolean };
  private readonly engineEnv: () => DecideEnv;
  private readonly catalog: Catalog;
  private readonly loader: PlaybookLoader;
  private readonly cache: ExecutionCache;
  private readonly infos: ExecutionInfos;
  private readonly requests: WorkRequests;
  private readonly publisher: CommandPublisher;
  private readonly watchers: Watchers;

  constructor(deps: ExecutionStarterDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.ids = deps.ids;
    this.options = deps.options;
    this.engineEnv = deps.engineEnv;
    this.catalog = deps.catalog;
    this.loader = deps.loader;
    this.cache = deps.cache;
    this.infos = deps.infos;
    this.requests = deps.requests;
    this.publisher = deps.publisher;
    this.watchers = deps.watchers;
  }

  async execute(request: ExecuteRequest): Promise<{ execution_id: ExecutionId }> {
    const entry = request.content
      ? await this.catalog.register(request.content)
      : !request.path && request.catalog_id !== undefined
        ? await this.catalog.resolveEntryById(request.catalog_id)
        : await this.catalog.resolveEntry(request.path, request.version);
    const { playbook } = this.loader.load(entry);
    const start = request.entry_step;
    if (start !== undefined && !playbook.workflow.some((s) => s.step === start)) {
      throw new NoetlError(
        "NOETL_E_STEP_NOT_FOUND",
        `playbook '${entry.path}' has no step '${start}' to start at`,
      );
    }
    const executionId = this.ids.next() as ExecutionId;
    const now = this.clock.now();
    const workload: JsonObject = { ...playbook.workload, ...(request.payload ?? {}) };
    const init = {
      execution_id: executionId,
      event_id: this.ids.next(),
      type: "playbook.initialized",
      at: now,
      payload: {
        path: entry.path,
        catalog_version: entry.version,
        workload,
        engine_version: ENGINE_VERSION,
        ...(request.parent_execution_id ? { parent_execution_id: request.parent_execution_id } : {}),
        ...(start !== undefined ? { entry_step: start } : {}),
      },
    } as NoetlEvent;
    const state = createState(this.loader.load(entry).playbook, executionId);
    const decision = handle(state, init, this.engineEnv());
    const events = [init, ...decision.events];
    const summary = summarize(state);
    const requested = this.requests.assign(decision.commands);
    const committed = await this.store
      .commit({
        events,
        // exclusive mode: no command rows (see DrainContext.commandRows)
        ...(this.options.exclusive
          ? {}
          : commandRows(events, decision.commands, assignedTo(requested), now, this.options.leaseMs)),
        execution: {
          execution_id: executionId,
          path: entry.path,
          catalog_version: entry.version,
          status: summary.status,
          started_at: now,
          ...(request.parent_execution_id ? { parent_execution_id: request.parent_execution_id } : {}),
          ...(summary.status !== "running" ? { ended_at: now, result: summary.result as Json } : {}),
        },
      })
      .catch((error: unknown) => {
        this.requests.restore(requested);
        throw error;
      });
    const seq = committed.inserted.reduce((m, e) => Math.max(m, e.seq ?? 0), 0);
    this.cache.set({ id: executionId, loaded: this.loader.load(entry), state, seq });
    this.infos.remember({
      execution_id: executionId,
      path: entry.path,
      workload,
      catalog_version: entry.version,
      ...(request.parent_execution_id ? { parent_execution_id: request.parent_execution_id } : {}),
    });
    await this.publisher.publish(this.publisher.answer(requested, decision.commands));
    this.watchers.notify(executionId, committed.inserted, state);
    return { execution_id: executionId };
  }
}

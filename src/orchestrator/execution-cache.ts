import type { ExecutionState } from "../engine/index.ts";
import { apply, fold } from "../engine/index.ts";
import type { ExecutionId } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { NoetlEvent } from "../protocol/index.ts";
import type { LockedExecution, Store } from "../store/index.ts";
import { hydrate } from "./hydrate.ts";
import type { LoadedPlaybook, PlaybookLoader } from "./playbook-loader.ts";

export interface LiveExecution {
  id: ExecutionId;
  loaded: LoadedPlaybook;
  state: ExecutionState;
  /** Highest seq folded into `state`. */
  seq: number;
}

/** Finished executions kept in memory (their states can be large: a loop's results). */
const FINISHED_CAPACITY = 8;

/**
 * In-memory execution states, rebuilt from the event log on a miss (after a restart, or when
 * another replica advanced the execution). Bounded: least recently used entries are dropped, and
 * finished executions move to a small area of their own, so memory follows the executions in
 * flight rather than the executions run.
 */
export class ExecutionCache {
  private readonly live = new Map<ExecutionId, LiveExecution>();
  private readonly finished = new Map<ExecutionId, LiveExecution>();

  constructor(
    private readonly store: Store,
    private readonly loader: PlaybookLoader,
    private readonly capacity = 10_000,
    /** The only writer of the store: a cached state is always current (no log catch-up read). */
    private readonly exclusive = false,
  ) {}

  peek(id: ExecutionId): LiveExecution | undefined {
    return this.live.get(id) ?? this.finished.get(id);
  }

  /** Caches (or refreshes) a state; a finished one goes to the finished area. */
  set(live: LiveExecution): void {
    if (live.state.status !== "running") {
      this.live.delete(live.id);
      bounded(this.finished, live, FINISHED_CAPACITY);
      return;
    }
    this.finished.delete(live.id);
    bounded(this.live, live, this.capacity);
  }

  drop(id: ExecutionId): void {
    this.live.delete(id);
    this.finished.delete(id);
  }

  /**
   * The execution's state, caught up with the log (events committed by other replicas are
   * folded). `locked`: the execution row as read under the execution lock (saves reading it).
   */
  async get(id: ExecutionId, locked?: LockedExecution): Promise<LiveExecution> {
    const cached = this.peek(id);
    if (cached && this.exclusive) return cached;
    const row = locked ? locked.row : await this.store.getExecution(id);
    if (!row) throw new NoetlError("NOETL_E_EXECUTION_NOT_FOUND", `execution ${id} not found`);
    if (cached && cached.seq === row.last_seq) return cached;
    if (cached && cached.seq < row.last_seq) {
      const newer = await this.store.readEvents(id, { afterSeq: cached.seq });
      await this.foldInto(cached, newer);
      return cached;
    }
    return this.rebuild(id);
  }

  async rebuild(id: ExecutionId): Promise<LiveExecution> {
    const live = await this.replay(id);
    this.set(live);
    return live;
  }

  /**
   * The execution's state folded (the engine's `fold`) from its whole log, results stored by
   * reference resolved first; not cached.
   */
  async replay(id: ExecutionId): Promise<LiveExecution> {
    const events = await this.store.readEvents(id);
    const first = events[0];
    if (first?.type !== "playbook.initialized") {
      throw new NoetlError("NOETL_E_EXECUTION_CORRUPT", `execution ${id} has no playbook.initialized event`);
    }
    const init = first as NoetlEvent & { type: "playbook.initialized" };
    const loaded = await this.loader.byPath(init.payload.path, init.payload.catalog_version);
    const resolve = (ref: string) => this.store.resultGet(ref);
    const hydrated: NoetlEvent[] = [];
    let seq = 0;
    for (const e of events) {
      hydrated.push(await hydrate(e, resolve));
      seq = Math.max(seq, e.seq ?? seq);
    }
    return { id, loaded, state: fold(loaded.playbook, id, hydrated), seq };
  }

  private async foldInto(live: LiveExecution, events: readonly NoetlEvent[]): Promise<void> {
    const resolve = (ref: string) => this.store.resultGet(ref);
    for (const e of events) {
      apply(live.state, await hydrate(e, resolve));
      live.seq = Math.max(live.seq, e.seq ?? live.seq);
    }
  }
}

/** Inserts as most recently used and evicts the least recently used beyond `capacity`. */
function bounded(map: Map<ExecutionId, LiveExecution>, live: LiveExecution, capacity: number): void {
  map.delete(live.id);
  map.set(live.id, live);
  if (map.size > capacity) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

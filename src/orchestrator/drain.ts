import type { DecideEnv, ExecutionState } from "../engine/index.ts";
import { apply, handle, summarize } from "../engine/index.ts";
import type { Clock, EventId, ExecutionId, IdSource, Json } from "../kernel/index.ts";
import type { Command, Handoff, NoetlEvent, WorkerEvent } from "../protocol/index.ts";
import { ACTIONABLE_EVENTS } from "../protocol/index.ts";
import type { LockedExecution, Store } from "../store/index.ts";
import { commandRows } from "./command-rows.ts";
import type { ExecutionCache } from "./execution-cache.ts";
import { type HandoffAssignment, planHandoffs } from "./handoff-plan.ts";
import { hydrate } from "./hydrate.ts";
import { assignedTo, type RequestAssignment, type WorkRequests } from "./work-requests.ts";

export interface DrainContext {
  store: Store;
  cache: ExecutionCache;
  clock: Clock;
  ids: IdSource;
  env: DecideEnv;
  /** Per batch, the hand-off its reporter asked for, if any (see `planHandoffs`). */
  handoffs?: ReadonlyArray<Handoff | undefined>;
  /** Workers' requests for work: the new commands no report took over go to them. */
  requests?: WorkRequests;
  /** The lease of a hand-off claim (ms). */
  leaseMs: number;
  /**
   * Whether commands are written to the store's command table (false in exclusive mode: the
   * orchestrator holds its open commands in memory and the event log holds them for a resume).
   */
  commandRows: boolean;
}

export interface DrainOutcome {
  inserted: NoetlEvent[];
  /** The new commands no report took over: for the requests for work (`requested`) or the bus. */
  unhanded: Command[];
  /** The new commands committed already claimed for the workers that asked. */
  handed: HandoffAssignment[];
  /** The new commands committed already claimed for waiting requests for work (to be answered). */
  requested: RequestAssignment[];
  state: ExecutionState;
}

/**
 * How a drain runs: under the execution lock (`locked`: the row its store read with the lock),
 * or optimistically — on the cached state, committed with `Store.commitIfCurrent`.
 */
export type DrainMode = { locked?: LockedExecution } | { optimistic: true };

/**
 * One decision round for one execution (called under its lock, or optimistically): stamp the
 * incoming events, run the engine on the actionable ones, and commit incoming + decided events,
 * new commands (those handed off to a reporting worker already claimed), command status changes
 * and the execution projection in one transaction.
 * Resolves to `undefined` only in optimistic mode, when there is no cached state or the store
 * refused the commit (the state was not current; it is dropped from the cache): nothing was
 * written, and the caller drains again under the lock.
 */
export async function drainBatches(
  ctx: DrainContext,
  executionId: ExecutionId,
  batches: readonly WorkerEvent[][],
  mode: DrainMode = {},
): Promise<DrainOutcome | undefined> {
  const optimistic = "optimistic" in mode;
  const cached = optimistic ? ctx.cache.peek(executionId) : undefined;
  if (optimistic && (!cached || !ctx.store.commitIfCurrent)) return undefined;
  const live = cached ?? (await ctx.cache.get(executionId, "locked" in mode ? mode.locked : undefined));
  const expected = { execution_id: executionId, last_seq: live.seq };
  const now = ctx.clock.now();
  const resolve = (ref: string) => ctx.store.resultGet(ref);
  const events: NoetlEvent[] = [];
  const commands: Command[] = [];
  const wasTerminal = live.state.status !== "running";
  let requested: RequestAssignment[] = [];
  try {
    for (const batch of batches) {
      const late = lateCommands(batch, live.state);
      for (const raw of batch) {
        // A second run of a command that already finished (its worker lost the lease, the
        // command was re-dispatched, and both runs reported): the first outcome stands and
        // the duplicate run leaves no trace in the log.
        if (late.size > 0 && late.has(commandOf(raw) ?? "")) continue;
        const event = {
          ...raw,
          execution_id: executionId,
          event_id: (raw.event_id ?? ctx.ids.next()) as EventId,
          at: raw.at ?? now,
        } as NoetlEvent;
        events.push(event);
        if (ACTIONABLE_EVENTS.has(event.type)) {
          const decision = handle(live.state, await hydrate(event, resolve), ctx.env);
          events.push(...decision.events);
          commands.push(...decision.commands);
        } else {
          apply(live.state, event);
        }
      }
    }
    const ended = !wasTerminal && live.state.status !== "running";
    const summary = ended ? summarize(live.state) : undefined;
    const handed = ctx.handoffs ? planHandoffs(ctx.handoffs, commands) : [];
    const free = unhanded(commands, handed);
    requested = ctx.requests?.assign(free) ?? [];
    const batch = {
      events,
      ...(ctx.commandRows
        ? commandRows(events, commands, [...handed, ...assignedTo(requested)], now, ctx.leaseMs)
        : {}),
      // the projection changes only when the execution ends (the store keeps last_seq itself)
      ...(ended
        ? {
            execution: {
              execution_id: executionId,
              status: live.state.status,
              ended_at: now,
              ...(summary?.result !== undefined ? { result: summary.result as Json } : {}),
              ...(summary?.error !== undefined && summary?.error !== null
                ? { error: summary.error as Json }
                : {}),
            },
          }
        : {}),
    };
    const result = optimistic
      ? await ctx.store.commitIfCurrent?.(batch, expected)
      : await ctx.store.commit(batch);
    if (!result) {
      ctx.requests?.restore(requested);
      ctx.cache.drop(executionId);
      return undefined;
    }
    if (result.duplicates.length > 0) {
      // Re-delivered events were folded twice in memory: rebuild from the log next time.
      ctx.cache.drop(executionId);
    } else {
      live.seq = result.inserted.reduce((m, e) => Math.max(m, e.seq ?? 0), live.seq);
      if (ended) ctx.cache.set(live); // moves it to the finished area
    }
    return { inserted: result.inserted, unhanded: free, handed, requested, state: live.state };
  } catch (error) {
    ctx.requests?.restore(requested);
    ctx.cache.drop(executionId);
    throw error;
  }
}

/** The commands not handed off to a reporting worker. */
function unhanded(commands: readonly Command[], handed: readonly HandoffAssignment[]): Command[] {
  if (handed.length === 0) return [...commands];
  const taken = new Set(handed.map((h) => h.command));
  return commands.filter((c) => !taken.has(c));
}

const OUTCOMES = new Set(["call.done", "call.error", "command.failed"]);

function commandOf(e: WorkerEvent): string | undefined {
  const id = (e.payload as { command_id?: unknown }).command_id;
  return typeof id === "string" ? id : undefined;
}

/** Commands whose outcome in this batch arrives after the command already finished. */
function lateCommands(batch: readonly WorkerEvent[], state: ExecutionState): Set<string> {
  const late = new Set<string>();
  for (const e of batch) {
    if (!OUTCOMES.has(e.type)) continue;
    const id = commandOf(e);
    if (id && !state.inFlight.has(id as never) && state.initialized) late.add(id);
  }
  return late;
}

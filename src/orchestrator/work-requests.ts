/**
 * Workers' requests for work waiting on this orchestrator (`ControlPlane.next`). A decision's new
 * commands that no report took over (hand-off) go to the requests waiting for their pool:
 * they are committed claimed for the worker and answered, not announced on the bus. A worker
 * that is idle then starts a new execution's first step without the notice and claim round trips.
 */
import type { ClaimResult, Command, Handoff } from "../protocol/index.ts";

/** A request taken from the queue for a decision (it no longer waits). */
export interface TakenRequest {
  readonly request: Handoff;
  /**
   * Answers the request with its claims. False when it had already been answered `[]` (its
   * signal aborted: the worker gave up or went away): the caller must release the claims.
   */
  answer(claims: ClaimResult[]): boolean;
}

/** Which commands go to which taken request (`workerId` is the request's worker). */
export interface RequestAssignment {
  taken: TakenRequest;
  commands: Command[];
}

/** Each command assigned to a request for work, with the request's worker. */
export function assignedTo(
  requested: readonly RequestAssignment[],
): Array<{ command: Command; workerId: string }> {
  return requested.flatMap((r) =>
    r.commands.map((command) => ({ command, workerId: r.taken.request.worker_id })),
  );
}

interface Entry extends TakenRequest {
  settled: boolean;
  signal: AbortSignal;
}

export class WorkRequests {
  /**
   * Per pool, the waiting requests in the order they came (a Set keeps insertion order). The
   * newest is taken first: the worker that asked last has just finished work, and its threads
   * and caches are warm. A worker may hold several requests; the commands of one decision go to
   * different workers while it has requests of other workers to take (they spread as they would
   * over the bus).
   */
  private readonly byPool = new Map<string, Set<Entry>>();

  /** How many requests wait (any pool). */
  get size(): number {
    let n = 0;
    for (const set of this.byPool.values()) n += set.size;
    return n;
  }

  /** Waits until the request is answered with claims, or `[]` when the signal aborts. */
  wait(request: Handoff, signal: AbortSignal): Promise<ClaimResult[]> {
    if (signal.aborted || request.max < 1) return Promise.resolve([]);
    return new Promise((resolve) => {
      const entry: Entry = {
        request,
        signal,
        settled: false,
        answer(claims) {
          if (entry.settled) return false;
          entry.settled = true;
          signal.removeEventListener("abort", onAbort);
          resolve(claims);
          return true;
        },
      };
      const onAbort = () => {
        this.byPool.get(request.pool)?.delete(entry);
        entry.answer([]);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.add(entry);
    });
  }

  /**
   * Assigns commands to waiting requests, newest first (of a worker not yet given one of these
   * commands, while there is one), each up to its `max`; the requests used are taken out of the
   * queue. Commands of a pool no request waits for are left out.
   */
  assign(commands: readonly Command[]): RequestAssignment[] {
    if (this.byPool.size === 0 || commands.length === 0) return [];
    const out: RequestAssignment[] = [];
    const open = new Map<string, RequestAssignment>();
    const given = new Set<string>();
    for (const command of commands) {
      let a = open.get(command.pool);
      if (!a || a.commands.length >= a.taken.request.max) {
        const taken = this.take(command.pool, given);
        if (!taken) continue;
        given.add(taken.request.worker_id);
        a = { taken, commands: [] };
        open.set(command.pool, a);
        out.push(a);
      }
      a.commands.push(command);
    }
    return out;
  }

  /** Requests taken for a decision that was not committed wait again (the first taken, taken first). */
  restore(assignments: readonly RequestAssignment[]): void {
    for (const a of [...assignments].reverse()) {
      const entry = a.taken as Entry;
      if (!entry.settled && !entry.signal.aborted) this.add(entry);
    }
  }

  /** The newest live request of the pool, of a worker not in `avoid` if there is one. */
  private take(pool: string, avoid: ReadonlySet<string>): Entry | undefined {
    const set = this.byPool.get(pool);
    if (!set) return undefined;
    let fallback: Entry | undefined;
    let found: Entry | undefined;
    const entries = [...set];
    for (let i = entries.length - 1; i >= 0 && !found; i--) {
      const entry = entries[i] as Entry;
      if (entry.settled || entry.signal.aborted) set.delete(entry);
      else if (!avoid.has(entry.request.worker_id)) found = entry;
      else fallback ??= entry;
    }
    const taken = found ?? fallback;
    if (taken) set.delete(taken);
    if (set.size === 0) this.byPool.delete(pool);
    return taken;
  }

  private add(entry: Entry): void {
    let set = this.byPool.get(entry.request.pool);
    if (!set) {
      set = new Set();
      this.byPool.set(entry.request.pool, set);
    }
    set.add(entry);
  }
}

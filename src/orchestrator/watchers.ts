import type { ExecutionState } from "../engine/index.ts";
import { summarize } from "../engine/index.ts";
import type { ExecutionId, Json } from "../kernel/index.ts";
import type { ExecutionSummary, NoetlEvent } from "../protocol/index.ts";

type Listener = (executionId: ExecutionId, events: readonly NoetlEvent[]) => void;
type Waiter = { resolve(s: ExecutionSummary): void; reject(e: unknown): void };

/** Committed-event listeners and terminal-state waiters of one orchestrator. */
export class Watchers {
  private readonly listeners = new Set<Listener>();
  private readonly waiters = new Map<ExecutionId, Set<Waiter>>();

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  waitTerminal(executionId: ExecutionId, signal?: AbortSignal): Promise<ExecutionSummary> {
    return new Promise((resolve, reject) => {
      // an already aborted signal fires no "abort" event: the waiter would never settle
      if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
      let set = this.waiters.get(executionId);
      if (!set) {
        set = new Set();
        this.waiters.set(executionId, set);
      }
      const waiter: Waiter = { resolve, reject };
      set.add(waiter);
      signal?.addEventListener(
        "abort",
        () => {
          set.delete(waiter);
          reject(signal.reason ?? new Error("aborted"));
        },
        { once: true },
      );
    });
  }

  notify(executionId: ExecutionId, events: readonly NoetlEvent[], state: ExecutionState): void {
    if (events.length > 0) {
      for (const l of this.listeners) {
        try {
          l(executionId, events);
        } catch {
          // a listener's failure never affects the execution
        }
      }
    }
    const set = this.waiters.get(executionId);
    if (!set || set.size === 0) return;
    if (state.status === "running") return;
    const s = summarize(state);
    this.waiters.delete(executionId);
    const summary: ExecutionSummary = {
      execution_id: executionId,
      status: s.status,
      ...(s.result !== undefined ? { result: s.result as Json } : {}),
      ...(s.error !== undefined && s.error !== null ? { error: s.error as Json } : {}),
    };
    for (const w of set) w.resolve(summary);
  }
}

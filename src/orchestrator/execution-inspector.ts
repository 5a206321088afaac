/**
 * Reading an execution as it stands: its summary, its state replayed from the log, a template
 * rendered against it, and waiting for its end.
 */
import {
  type ExecutionStateView,
  executionScope,
  isTerminal,
  stateView,
  summarize,
} from "../engine/index.ts";
import { layered, renderValue } from "../expr/index.ts";
import type { ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type { ExecutionSummary } from "../protocol/index.ts";
import type { ExecutionMutex } from "../store/index.ts";
import type { ExecutionCache } from "./execution-cache.ts";
import type { Watchers } from "./watchers.ts";

export class ExecutionInspector {
  constructor(
    private readonly cache: ExecutionCache,
    /** Per execution, what changes its cached state runs alone (see `Orchestrator`). */
    private readonly stateLocks: ExecutionMutex,
    private readonly watchers: Watchers,
  ) {}

  async status(executionId: ExecutionId) {
    const live = await this.current(executionId);
    return summarize(live.state);
  }

  /**
   * The execution's state rebuilt from its event log alone (not the state this orchestrator
   * holds), as JSON, with the last seq folded.
   */
  async replay(executionId: ExecutionId): Promise<{ last_seq: number; state: ExecutionStateView }> {
    const live = await this.cache.replay(executionId);
    return { last_seq: live.seq, state: stateView(live.state) };
  }

  /**
   * Renders `template` (a string, or JSON holding templates) against the execution as it stands:
   * the scope its templates see outside a step (workload, ctx, step results), `extra` over it.
   * `strict`: using an undefined value (printing, truth, iteration, comparison…) is an error, as
   * Jinja2's StrictUndefined. Credentials and keychain values are never
   * in the engine's state, so never in this scope. Returns the names the scope had.
   */
  async render(
    executionId: ExecutionId,
    template: unknown,
    options: { extra?: JsonObject; strict?: boolean } = {},
  ): Promise<{ rendered: unknown; names: string[] }> {
    const live = await this.current(executionId);
    const { scope, names } = executionScope(live.state);
    const extra = options.extra ?? {};
    const rendered = renderValue(template, layered(extra, scope), { strict: options.strict === true });
    return { rendered, names: [...new Set([...names, ...Object.keys(extra)])].sort() };
  }

  /**
   * Resolves when this orchestrator commits (or finds) the execution terminal. An execution whose
   * state it holds and sees running is not read again: what another replica commits meanwhile
   * is not watched here (the wait route checks the store itself between its waits).
   */
  async waitFor(executionId: ExecutionId, signal?: AbortSignal): Promise<ExecutionSummary> {
    const held = this.cache.peek(executionId);
    const live = held?.state.status === "running" ? held : await this.current(executionId);
    if (isTerminal(live.state)) return toSummary(executionId, live.state);
    return this.watchers.waitTerminal(executionId, signal);
  }

  /** The execution's state caught up with the log, never while a drain of it is in flight. */
  current(executionId: ExecutionId) {
    return this.stateLocks.run(executionId, () => this.cache.get(executionId));
  }
}

export function toSummary(
  executionId: ExecutionId,
  state: Parameters<typeof summarize>[0],
): ExecutionSummary {
  const s = summarize(state);
  return {
    execution_id: executionId,
    status: s.status,
    ...(s.result !== undefined ? { result: s.result as Json } : {}),
    ...(s.error !== undefined && s.error !== null ? { error: s.error as Json } : {}),
  };
}

/**
 * What a worker's hot calls do — report events, report several commands at once, ask for work,
 * claim commands —
 * whichever way they arrive: as HTTP requests (`worker-routes.ts`) or as frames on a worker
 * channel (`worker-channel.ts`). Each answers `{status, body}`, the body the HTTP route sends;
 * failures throw (ApiError, NoetlError), and both transports turn them into the same error reply.
 */
import type { CommandId, ExecutionId } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { ClaimResult, ExecutionInfo, WorkerEvent } from "../protocol/index.ts";
import { ApiError, noetlStatus } from "./api-error.ts";
import { parse } from "./request-parsing.ts";
import { ClaimManyBody, EventsBody, NextBody, ReportsBody } from "./schemas.ts";

/** Execution info up to this size (JSON characters) rides along with a claim. */
const CLAIM_INFO_LIMIT = 4096;

/** How long a request for work waits when it does not say (ms). */
const DEFAULT_WAIT_MS = 20_000;

/** A call's answer: the HTTP status and the body the route sends. */
export interface Answer {
  status: number;
  body: unknown;
}

export class WorkerCalls {
  /** The requests for work being held (aborted at shutdown). */
  private readonly waiting = new Set<AbortController>();
  private readonly infoBytes = new WeakMap<ExecutionInfo, number>();

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly onInternalError: (error: unknown) => void,
  ) {}

  /**
   * `POST /api/events` and `/api/events/batch`: one command's events. With an idempotency key,
   * events without an id get `<key>:<index>`, so a retried report is not ingested twice.
   */
  async report(raw: unknown, key: string | undefined): Promise<Answer> {
    const b = parse(EventsBody, raw);
    const events = (b.events ?? (b.event ? [b.event] : [])) as unknown as WorkerEvent[];
    const stamped = key ? events.map((e, i) => (e.event_id ? e : { ...e, event_id: `${key}:${i}` })) : events;
    const commands = await this.orchestrator.report(
      b.execution_id as ExecutionId,
      stamped,
      undefined,
      b.handoff,
    );
    return {
      status: 202,
      body: b.handoff ? { accepted: stamped.length, commands } : { accepted: stamped.length },
    };
  }

  /**
   * `POST /api/events/reports`: the reports of several commands in one request; every event
   * carries its own event_id, so a retried request never ingests twice. Each report stands
   * alone: one that fails (an unknown execution, say) fails by itself.
   */
  async reports(raw: unknown): Promise<Answer> {
    const b = parse(ReportsBody, raw);
    if (b.reports.some((r) => r.events.some((e) => !e.event_id)))
      throw new ApiError(
        422,
        "NOETL_E_API_VALIDATION",
        "every event of a multi-report request needs an event_id",
      );
    const outcomes = await Promise.allSettled(
      b.reports.map((r) =>
        this.orchestrator.report(
          r.execution_id as ExecutionId,
          r.events as unknown as WorkerEvent[],
          undefined,
          r.handoff,
        ),
      ),
    );
    let accepted = 0;
    const results = outcomes.map((o, i) => {
      if (o.status === "fulfilled") {
        accepted += b.reports[i]?.events.length ?? 0;
        return b.reports[i]?.handoff ? { ok: true, commands: o.value } : { ok: true };
      }
      const e = o.reason;
      if (e instanceof NoetlError)
        return { error: { status: noetlStatus(e), code: e.code, message: e.message } };
      this.onInternalError(e);
      return { error: { status: 500, code: "NOETL_E_API_INTERNAL", message: "internal error" } };
    });
    return { status: 202, body: { accepted, results } };
  }

  /**
   * `POST /api/commands/next`, a worker's request for work: held until a new command of its pool
   * is committed claimed for it, its wait ends, `gone` fires (its connection closed: what it was
   * given then goes back to the others), or the server shuts down (then answered empty).
   */
  async next(raw: unknown, gone: AbortSignal): Promise<Answer> {
    const b = parse(NextBody, raw);
    const wait = new AbortController();
    const timer = setTimeout(() => wait.abort(), b.wait_ms ?? DEFAULT_WAIT_MS);
    const leave = () => wait.abort();
    gone.addEventListener("abort", leave, { once: true });
    this.waiting.add(wait);
    try {
      const claims = await this.orchestrator.next(
        { worker_id: b.worker_id, pool: b.pool, max: b.max, request_id: b.request_id },
        wait.signal,
      );
      if (gone.aborted) {
        // answered as its asker went away: nobody will run them
        await this.orchestrator.release(claims.flatMap((c) => (c.command ? [c.command] : [])));
        return { status: 200, body: { commands: [] } };
      }
      const commands = await Promise.all(claims.map((c) => this.withInfo(c, b.known_executions)));
      return { status: 200, body: { commands } };
    } finally {
      clearTimeout(timer);
      this.waiting.delete(wait);
      gone.removeEventListener("abort", leave);
    }
  }

  /**
   * `POST /api/commands/claim`: several claims (a worker handed several notices at once): one
   * outcome per id, in order, each as the single-command route answers it.
   */
  async claim(raw: unknown): Promise<Answer> {
    const b = parse(ClaimManyBody, raw);
    const claims = await this.orchestrator.claimMany(b.command_ids as CommandId[], b.worker_id);
    return {
      status: 200,
      body: { claims: await Promise.all(claims.map((c) => this.withInfo(c, b.known_executions))) },
    };
  }

  /** Answers every request for work being held (empty, unless a command is on its way). */
  stopWaiting(): void {
    for (const w of this.waiting) w.abort();
  }

  /**
   * A successful claim with the execution's info (`GET /api/executions/:id/info`) when it is
   * small and the worker does not hold it already, so a worker does not ask for it separately
   * before running the command.
   */
  async withInfo(
    claim: ClaimResult,
    known: readonly string[] = [],
  ): Promise<ClaimResult & { execution?: ExecutionInfo }> {
    if (claim.status !== "claimed" || !claim.command) return claim;
    if (known.includes(claim.command.execution_id)) return claim;
    const info = await this.orchestrator.getExecution(claim.command.execution_id).catch(() => undefined);
    if (!info) return claim;
    let bytes = this.infoBytes.get(info);
    if (bytes === undefined) {
      bytes = JSON.stringify(info).length;
      this.infoBytes.set(info, bytes);
    }
    return bytes <= CLAIM_INFO_LIMIT ? { ...claim, execution: info } : claim;
  }
}

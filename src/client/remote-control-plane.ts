/**
 * The worker's ControlPlane over the API (distributed mode): the same calls the embedded worker
 * makes in-process, as API requests — reports, requests for work and claims on the worker
 * channel when it has one the server serves (`WorkerChannel`), the rest over HTTP. Every
 * reported event carries a stable id, so a retried request never ingests twice. The claims, and
 * the reports, of one turn of the event loop travel in one request each.
 */
import type { CommandId, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type {
  ClaimResult,
  ControlPlane,
  ExecuteRequest,
  ExecutionInfo,
  ExecutionSummary,
  Handoff,
  ResultRef,
  WorkerEvent,
  WorkRequest,
} from "../protocol/index.ts";
import type { HttpClient } from "./http-client.ts";
import { TickBatcher } from "./tick-batcher.ts";
import { ChannelUnavailable, type WorkerChannel } from "./worker-channel.ts";

/** Execution infos kept from claim responses (an execution's info never changes). */
const INFO_CACHE = 1000;

/** Claims, or reports, sent in one request at most (the server's limits). */
const ITEMS_PER_REQUEST = 256;

interface ClaimAsk {
  commandId: CommandId;
  workerId: string;
  executionId: ExecutionId | undefined;
}

type ClaimReply = ClaimResult & { execution?: ExecutionInfo };

interface Report {
  execution_id: ExecutionId;
  events: WorkerEvent[];
  /** The Idempotency-Key of a report sent alone. */
  key: string;
  handoff: Handoff | undefined;
}

/** What the server answers for one report: the commands handed to the worker, if it asked. */
interface ReportReply {
  ok?: true;
  error?: unknown;
  commands?: ClaimResult[];
}

/** How long the server holds a request for work before answering it empty (ms). */
const NEXT_WAIT_MS = 20_000;

/** How long a report waits for its answer (ms; HttpClient's default). */
const HOT_CALL_TIMEOUT_MS = 30_000;

/** Statuses a retry cannot change: the request is invalid, or too large. */
const FINAL_STATUSES = new Set([413, 422]);

/** `fn` until it succeeds, at most 8 times with backoff; an invalid or too large request is not retried. */
async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 8 || FINAL_STATUSES.has((error as { status?: number }).status ?? 0)) throw error;
      await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
    }
  }
}

export class RemoteControlPlane implements ControlPlane {
  private reports = 0;
  private readonly infos = new Map<ExecutionId, ExecutionInfo>();
  private readonly claimBatcher = new TickBatcher<ClaimAsk, ClaimResult>(
    (asks) => this.claimAll(asks),
    ITEMS_PER_REQUEST,
  );
  private readonly reportBatcher = new TickBatcher<Report, ClaimResult[] | Error>(
    (reports) => this.reportAll(reports),
    ITEMS_PER_REQUEST,
  );

  /** The requests for work (`next`): long-polls, on connections of their own. */
  private readonly asking: HttpClient;

  /**
   * `channel`: reports, requests for work and claims go over it while the server serves it (over
   * HTTP otherwise).
   */
  constructor(
    private readonly http: HttpClient,
    private readonly idPrefix: string,
    private readonly channel?: WorkerChannel,
  ) {
    this.asking = http.withOwnConnections();
  }

  /** Closes the channel and the requests' own connections (once the worker has stopped asking). */
  async close(): Promise<void> {
    await this.channel?.close();
    await this.asking.close();
  }

  /** A hot call: over the worker channel when there is one the server serves, else `POST path`. */
  private async send<T>(
    op: string,
    path: string,
    body: unknown,
    options: { key?: string; signal?: AbortSignal; timeoutMs?: number; via?: HttpClient } = {},
  ): Promise<T> {
    const via = options.via ?? this.http;
    const httpOptions = {
      ...(options.key ? { headers: { "idempotency-key": options.key } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    };
    const answer = await this.overChannel<T>(op, body, options);
    return answer ? answer.body : via.post<T>(path, body, httpOptions);
  }

  /** A call over the worker channel; `undefined` when there is none the server serves (use HTTP). */
  private async overChannel<T>(
    op: string,
    body: unknown,
    options: { key?: string; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<{ body: T } | undefined> {
    if (!this.channel?.usable) return undefined;
    try {
      return {
        body: await this.channel.call<T>(op, body, {
          timeoutMs: options.timeoutMs ?? HOT_CALL_TIMEOUT_MS,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.key ? { key: options.key } : {}),
        }),
      };
    } catch (error) {
      if (error instanceof ChannelUnavailable) return undefined;
      throw error;
    }
  }

  /**
   * Claims asked for in one turn of the event loop (the bus handed the worker several notices
   * at once) go to the server in one request.
   */
  claim(commandId: CommandId, workerId: string, executionId?: ExecutionId): Promise<ClaimResult> {
    return this.claimBatcher.add({ commandId, workerId, executionId });
  }

  private async claimAll(asks: readonly ClaimAsk[]): Promise<ClaimResult[]> {
    const workerId = asks[0]?.workerId ?? "";
    const answer = asks.every((a) => a.workerId === workerId)
      ? await this.overChannel<{ claims: ClaimReply[] }>(
          "claim",
          { worker_id: workerId, command_ids: asks.map((a) => a.commandId), ...this.known(asks) },
          {},
        )
      : undefined;
    if (answer) return answer.body.claims.map((r) => this.keepInfo(r));
    const replies =
      asks.length === 1 || asks.some((a) => a.workerId !== workerId)
        ? await Promise.all(
            asks.map((a) =>
              this.http.post<ClaimReply>(`/api/commands/${a.commandId}/claim`, {
                worker_id: a.workerId,
                ...this.known([a]),
              }),
            ),
          )
        : (
            await this.http.post<{ claims: ClaimReply[] }>("/api/commands/claim", {
              worker_id: workerId,
              command_ids: asks.map((a) => a.commandId),
              ...this.known(asks),
            })
          ).claims;
    return replies.map((r) => this.keepInfo(r));
  }

  /**
   * The executions of these claims whose info this client holds: the server then leaves it out
   * of its reply (a loop's workload would otherwise come back with every iteration claimed).
   */
  private known(asks: readonly ClaimAsk[]): { known_executions?: ExecutionId[] } {
    const ids = new Set<ExecutionId>();
    for (const a of asks) if (a.executionId && this.infos.has(a.executionId)) ids.add(a.executionId);
    return ids.size > 0 ? { known_executions: [...ids] } : {};
  }

  /** The server sends a small execution info along: `getExecution` then needs no request. */
  private keepInfo(r: ClaimReply): ClaimResult {
    if (!r.execution) return r;
    const { execution, ...claim } = r;
    if (this.infos.size >= INFO_CACHE) this.infos.clear();
    this.infos.set(execution.execution_id, execution);
    return claim;
  }

  /**
   * Reports made in one turn of the event loop go to the server in one request. Events get
   * stable ids before the first attempt, so a retried request is deduplicated by the log.
   */
  async report(
    executionId: ExecutionId,
    events: WorkerEvent[],
    idempotencyKey?: string,
    handoff?: Handoff,
  ): Promise<ClaimResult[]> {
    const key =
      idempotencyKey ?? `${this.idPrefix}-${Date.now().toString(36)}-${(this.reports++).toString(36)}`;
    const stamped = events.map((e, i) => (e.event_id ? e : { ...e, event_id: `${key}-${i}` }));
    const outcome = await this.reportBatcher.add({
      execution_id: executionId,
      events: stamped,
      key,
      handoff,
    });
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /** One report per request, retried; its error is its outcome. */
  private async reportAlone(r: Report): Promise<ClaimResult[] | Error> {
    return withRetries(() =>
      this.send<ReportReply>(
        "report",
        "/api/events/batch",
        { execution_id: r.execution_id, events: r.events, ...(r.handoff ? { handoff: r.handoff } : {}) },
        { key: r.key },
      ),
    ).then(
      (reply) => this.handed(reply),
      (error: unknown) => error as Error,
    );
  }

  /** The commands handed over with a report (claims, with the execution info kept). */
  private handed(reply: ReportReply | undefined): ClaimResult[] {
    return (reply?.commands ?? []).map((c) => this.keepInfo(c));
  }

  /**
   * Several reports in one request; a report the server could not take (or the whole request,
   * refused as invalid or too large) is sent again alone, so its outcome is its own.
   */
  private async reportAll(reports: readonly Report[]): Promise<Array<ClaimResult[] | Error>> {
    if (reports.length === 1 && reports[0]) return [await this.reportAlone(reports[0])];
    let results: ReportReply[];
    try {
      results = (
        await withRetries(() =>
          this.send<{ results: ReportReply[] }>("reports", "/api/events/reports", {
            reports: reports.map((r) => ({
              execution_id: r.execution_id,
              events: r.events,
              ...(r.handoff ? { handoff: r.handoff } : {}),
            })),
          }),
        )
      ).results;
    } catch (error) {
      if (!FINAL_STATUSES.has((error as { status?: number }).status ?? 0)) throw error;
      results = [];
    }
    return Promise.all(
      reports.map((r, i) => (results[i]?.ok ? this.handed(results[i]) : this.reportAlone(r))),
    );
  }

  /** A request for work, held by the server up to `NEXT_WAIT_MS` (see `ControlPlane.next`). */
  async next(request: WorkRequest, signal: AbortSignal): Promise<ClaimResult[]> {
    const reply = await this.send<{ commands: ClaimReply[] }>(
      "next",
      "/api/commands/next",
      { ...request, wait_ms: NEXT_WAIT_MS },
      { timeoutMs: NEXT_WAIT_MS + 10_000, signal, via: this.asking },
    );
    return reply.commands.map((c) => this.keepInfo(c));
  }

  heartbeat(commandId: CommandId, workerId: string): Promise<{ cancelled: boolean }> {
    return this.http.post<{ cancelled: boolean }>(`/api/commands/${commandId}/heartbeat`, {
      worker_id: workerId,
    });
  }

  async isCancelled(executionId: ExecutionId): Promise<boolean> {
    const s = await this.http.get<{ status: string }>(`/api/executions/${executionId}/status`);
    return s.status === "cancelled";
  }

  getExecution(executionId: ExecutionId): Promise<ExecutionInfo> {
    const known = this.infos.get(executionId);
    if (known) return Promise.resolve(known);
    return this.http.get<ExecutionInfo>(`/api/executions/${executionId}/info`);
  }

  putResult(executionId: ExecutionId, name: string, data: Json): Promise<ResultRef> {
    return this.http.post<ResultRef>("/api/results", { execution_id: executionId, name, data });
  }

  async resolveResult(ref: string): Promise<Json> {
    return (await this.http.get<{ data: Json }>(`/api/results?ref=${encodeURIComponent(ref)}`)).data;
  }

  execute(request: ExecuteRequest): Promise<{ execution_id: ExecutionId }> {
    return this.http.post<{ execution_id: ExecutionId }>("/api/execute", request as unknown as JsonObject);
  }

  async waitFor(executionId: ExecutionId, signal?: AbortSignal): Promise<ExecutionSummary> {
    for (;;) {
      const s = await this.http.get<ExecutionSummary>(
        `/api/executions/${executionId}/wait?timeout_ms=20000`,
        {
          timeoutMs: 30_000,
          ...(signal ? { signal } : {}),
        },
      );
      if (s.status !== "running") return s;
    }
  }

  async cancel(executionId: ExecutionId, reason?: string): Promise<ExecutionId[]> {
    const r = await this.http.post<{ cancelled: ExecutionId[] }>(
      `/api/executions/${executionId}/cancel`,
      reason ? { reason } : {},
    );
    return r.cancelled;
  }
}

/**
 * The worker's ControlPlane over HTTP (distributed mode): the same calls the embedded worker
 * makes in-process, as API requests. Event reports carry an Idempotency-Key so a retried POST
 * never ingests twice.
 */
import type { CommandId, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type {
  ClaimResult,
  ControlPlane,
  ExecuteRequest,
  ExecutionInfo,
  ExecutionSummary,
  ResultRef,
  WorkerEvent,
} from "../protocol/index.ts";
import type { HttpClient } from "./http-client.ts";

/** Execution infos kept from claim responses (an execution's info never changes). */
const INFO_CACHE = 1000;

export class RemoteControlPlane implements ControlPlane {
  private reports = 0;
  private readonly infos = new Map<ExecutionId, ExecutionInfo>();

  constructor(
    private readonly http: HttpClient,
    private readonly idPrefix: string,
  ) {}

  async claim(commandId: CommandId, workerId: string): Promise<ClaimResult> {
    const r = await this.http.post<ClaimResult & { execution?: ExecutionInfo }>(
      `/api/commands/${commandId}/claim`,
      { worker_id: workerId },
    );
    // the server sends a small execution info along: `getExecution` then needs no request
    if (!r.execution) return r;
    const { execution, ...claim } = r;
    if (this.infos.size >= INFO_CACHE) this.infos.clear();
    this.infos.set(execution.execution_id, execution);
    return claim;
  }

  async report(executionId: ExecutionId, events: WorkerEvent[], idempotencyKey?: string): Promise<void> {
    const key =
      idempotencyKey ?? `${this.idPrefix}-${Date.now().toString(36)}-${(this.reports++).toString(36)}`;
    // events get stable ids before the first attempt, so retries are deduplicated by the log
    const stamped = events.map((e, i) => (e.event_id ? e : { ...e, event_id: `${key}-${i}` }));
    let attempt = 0;
    for (;;) {
      try {
        await this.http.post(
          "/api/events/batch",
          { execution_id: executionId, events: stamped },
          { headers: { "idempotency-key": key } },
        );
        return;
      } catch (error) {
        if (++attempt >= 8 || (error as { status?: number }).status === 422) throw error;
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
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

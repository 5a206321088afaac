/**
 * A small typed HTTP client for the NoETL API (CLI, distributed worker, UI tests). Errors from
 * the server keep their code; a server that cannot be reached is NOETL_E_API_UNREACHABLE.
 */
import type { Json, JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  /** Per-request timeout (default 30 s; long-polls pass their own). */
  timeoutMs?: number;
}

export class RemoteError extends NoetlError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details ? { details } : {});
    this.name = "RemoteError";
  }
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.headers = {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    };
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async request<T = JsonObject>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const signals = [
      AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
      ...(options.signal ? [options.signal] : []),
    ];
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...this.headers,
          ...options.headers,
          ...(body === undefined ? { "content-type": "" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.any(signals),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new NoetlError(
        "NOETL_E_API_UNREACHABLE",
        `cannot reach ${this.baseUrl} (${cause}); is \`noetl server start\` running?`,
      );
    }
    const text = await res.text();
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!res.ok) {
      const err = (
        data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null
      )?.error;
      throw new RemoteError(
        res.status,
        err?.code ?? `HTTP_${res.status}`,
        err?.message ?? `HTTP ${res.status} from ${method} ${path}`,
        err?.details,
      );
    }
    return data as T;
  }

  get<T = JsonObject>(path: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<T> {
    return this.request<T>("GET", path, undefined, options);
  }

  post<T = JsonObject>(
    path: string,
    body: unknown,
    options?: { timeoutMs?: number; signal?: AbortSignal; headers?: Record<string, string> },
  ): Promise<T> {
    return this.request<T>("POST", path, body ?? {}, options);
  }

  delete<T = JsonObject>(path: string): Promise<T> {
    return this.request<T>("DELETE", path);
  }
}

export type { Json };

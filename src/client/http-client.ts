/**
 * A small typed HTTP client for the NoETL API (CLI, distributed worker, UI tests). Errors from
 * the server keep their code; a server that cannot be reached is NOETL_E_API_UNREACHABLE.
 */
import type { Dispatcher } from "undici";
import type { Json, JsonObject } from "../kernel/index.ts";
import { NoetlError } from "../kernel/index.ts";

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  /** Per-request timeout (default 30 s; long-polls pass their own). */
  timeoutMs?: number;
  /**
   * Use connections of this client's own, closed by `close()`, rather than the process's shared
   * pool: for long-polls, whose aborted requests would otherwise leave the pool reconnecting
   * (undici opens new connections after an aborted request; a server counts a connection that
   * never sent a request as busy, and its shutdown waits for it).
   */
  ownConnections?: boolean;
}

/**
 * One keep-alive connection pool per process (workers make many small requests); undici loads
 * on the first request, so commands that never talk to a server do not pay for it.
 */
type Undici = { request: typeof import("undici").request; dispatcher: Dispatcher };
let undici: Promise<Undici> | undefined;
function client(): Promise<Undici> {
  undici ??= newPool();
  return undici;
}
function newPool(): Promise<Undici> {
  return import("undici").then((u) => ({
    request: u.request,
    dispatcher: new u.Agent({ keepAliveTimeout: 30_000 }),
  }));
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

/** NOETL_E_API_UNREACHABLE: no answer from the server at `baseUrl` (`cause`: why). */
export function unreachableError(baseUrl: string, cause: string | undefined): NoetlError {
  return new NoetlError(
    "NOETL_E_API_UNREACHABLE",
    `cannot reach ${baseUrl} (${cause}); is \`noetl server start\` running?`,
  );
}

/**
 * The RemoteError of an error answer (HTTP, or a worker channel's): the code, message and details
 * of its `{error}` body when it has one, else `HTTP_<status>` and `fallback`.
 */
export function remoteErrorOf(status: number, body: unknown, fallback: string): RemoteError {
  const err = (
    body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null
  )?.error;
  return new RemoteError(status, err?.code ?? `HTTP_${status}`, err?.message ?? fallback, err?.details);
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  /** This client's own connections (`ownConnections`), once it has made a request. */
  private own?: Promise<Undici>;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.headers = {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    };
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** The connections this client's requests use. */
  private pool(): Promise<Undici> {
    if (!this.options.ownConnections) return client();
    this.own ??= newPool();
    return this.own;
  }

  /** A client of the same server with connections of its own (`ownConnections`). */
  withOwnConnections(): HttpClient {
    return new HttpClient({ ...this.options, ownConnections: true });
  }

  /** Closes this client's own connections (`ownConnections`); the shared pool stays. */
  async close(): Promise<void> {
    const own = this.own;
    this.own = undefined;
    if (own) await (await own).dispatcher.destroy();
  }

  async request<T = JsonObject>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    if (body === undefined) delete headers["content-type"];
    let status: number;
    let text: string;
    try {
      const { request, dispatcher } = await this.pool();
      const res = await request(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const e = error as { code?: string; cause?: { code?: string }; message?: string };
      throw unreachableError(this.baseUrl, e.code ?? e.cause?.code ?? e.message);
    }
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (status < 200 || status >= 300)
      throw remoteErrorOf(status, data, `HTTP ${status} from ${method} ${path}`);
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

/**
 * The worker's end of a worker channel (protocol `noetl-worker/1`, described in the server's
 * `api/worker-channel.ts`): one connection, opened with an HTTP Upgrade on first use and again
 * after it closes, that carries the worker's reports, requests for work and claims as JSON lines. An
 * answer is what the HTTP route would answer, so a call fails with the same RemoteError; a lost
 * connection fails the calls in flight as NOETL_E_API_UNREACHABLE (the caller retries, as it
 * does over HTTP). A call that cannot open the channel fails with {@link ChannelUnavailable}, and
 * its caller sends it over HTTP: for good when the server answered the upgrade with a 4xx other
 * than 401 (it does not serve channels: an older server, a proxy), for a few seconds when the
 * connection failed or the answer was a 5xx (a server restarting or shutting down; HTTP then
 * fails, or not, on its own). A 401 fails the call, as it would over HTTP.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { LineSplitter, NoetlError } from "../kernel/index.ts";
import {
  type ChannelAnswer,
  WORKER_CHANNEL_PATH,
  WORKER_CHANNEL_PROTOCOL,
  writeLine,
} from "../protocol/index.ts";
import { remoteErrorOf, unreachableError } from "./http-client.ts";

/** How long a channel that could not be opened is not tried again (ms). */
const REOPEN_AFTER_MS = 5_000;

/** The channel could not be opened (the caller uses HTTP); `refused`: the server does not serve it. */
export class ChannelUnavailable extends Error {
  constructor(
    readonly refused: boolean,
    reason: string,
  ) {
    super(`no worker channel: ${reason}`);
    this.name = "ChannelUnavailable";
  }
}

export interface WorkerChannelOptions {
  baseUrl: string;
  token?: string;
  /** How long opening the channel may take (ms, default 10 000). */
  connectTimeoutMs?: number;
}

export interface CallOptions {
  /** No answer after this long fails the call as unreachable (ms). */
  timeoutMs: number;
  /** Aborting gives up the call (a request for work is cancelled on the server). */
  signal?: AbortSignal;
  /** The idempotency key of a report. */
  key?: string;
}

interface Pending {
  /** The connection it was sent on. */
  socket: Duplex;
  resolve(body: unknown): void;
  reject(error: unknown): void;
}

export class WorkerChannel {
  private socket: Duplex | undefined;
  private opening: Promise<Duplex> | undefined;
  private refused = false;
  private closed = false;
  /** performance.now() before which a channel that failed to open is not tried again. */
  private downUntil = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly options: WorkerChannelOptions) {}

  /** False once the server refused the channel or it was closed, and for a while after it failed to open. */
  get usable(): boolean {
    return (
      !this.refused && !this.closed && (this.socket !== undefined || performance.now() >= this.downUntil)
    );
  }

  /** Sends one call and resolves with its answer's body (rejects as the HTTP route would fail). */
  async call<T>(op: string, body: unknown, options: CallOptions): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) throw signal.reason;
    const socket = this.socket ?? (await this.open());
    if (signal?.aborted) throw signal.reason;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        this.pending.delete(id);
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        if (this.pending.size === 0) (socket as Duplex & { unref?(): void }).unref?.();
      };
      // giving up tells the server, which stops waiting (a request for work) or answers to no one
      const giveUp = (reason: unknown) => {
        done();
        this.write(socket, { id, op: "cancel" });
        reject(reason);
      };
      const timer = setTimeout(
        () => giveUp(unreachableError(this.options.baseUrl, `no answer within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      const abort = () => giveUp(signal?.reason);
      signal?.addEventListener("abort", abort, { once: true });
      this.pending.set(id, {
        socket,
        resolve: (value) => {
          done();
          resolve(value as T);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      (socket as Duplex & { ref?(): void }).ref?.();
      this.write(socket, { id, op, body, ...(options.key ? { key: options.key } : {}) });
    });
  }

  /** Closes the connection; calls in flight fail, later ones are refused (use HTTP). */
  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket ?? (await this.opening?.catch(() => undefined));
    socket?.destroy();
  }

  private write(socket: Duplex, frame: object): void {
    if (!socket.destroyed) writeLine(socket, frame, process.nextTick);
  }

  private open(): Promise<Duplex> {
    if (this.closed) return Promise.reject(new ChannelUnavailable(true, "closed"));
    this.opening ??= this.connect()
      .catch((error: unknown) => {
        if (error instanceof NoetlError && error.code === "NOETL_E_API_UNREACHABLE") {
          this.downUntil = performance.now() + REOPEN_AFTER_MS;
          throw new ChannelUnavailable(false, error.message);
        }
        throw error;
      })
      .finally(() => {
        this.opening = undefined;
      });
    return this.opening;
  }

  private async connect(): Promise<Duplex> {
    const url = new URL(`${this.options.baseUrl.replace(/\/+$/, "")}${WORKER_CHANNEL_PATH}`);
    const http = url.protocol === "https:" ? await import("node:https") : await import("node:http");
    const socket = await new Promise<Duplex>((resolve, reject) => {
      const req: ClientRequest = http.request(url, {
        headers: {
          connection: "Upgrade",
          upgrade: WORKER_CHANNEL_PROTOCOL,
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        timeout: this.options.connectTimeoutMs ?? 10_000,
      });
      req.once("upgrade", (_res: IncomingMessage, upgraded: Duplex, head: Buffer) => {
        if (head.length > 0) upgraded.unshift(head);
        resolve(upgraded);
      });
      req.once("response", (res: IncomingMessage) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.once("end", () => {
          const status = res.statusCode ?? 0;
          if (status === 401) {
            reject(remoteErrorOf(401, parseJson(text), "unauthorized"));
            return;
          }
          const reason = `the server answered its upgrade with HTTP ${status}`;
          // a server shutting down, a proxy's gateway error: for a while; anything else: for good
          if (status >= 500) this.downUntil = performance.now() + REOPEN_AFTER_MS;
          else this.refused = true;
          reject(new ChannelUnavailable(status < 500, reason));
        });
      });
      req.once("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
      req.once("error", (error: Error & { code?: string }) =>
        reject(unreachableError(this.options.baseUrl, error.code ?? error.message)),
      );
      req.end();
    });
    if (this.closed) {
      socket.destroy();
      throw new ChannelUnavailable(true, "closed");
    }
    const tcp = socket as Duplex & { setNoDelay?(on: boolean): void; setTimeout?(ms: number): void };
    tcp.setNoDelay?.(true);
    tcp.setTimeout?.(0); // the upgrade's own timeout must not end a channel that idles
    this.listen(socket);
    this.socket = socket;
    return socket;
  }

  /** Reads the answers; when the connection ends, fails what is in flight. */
  private listen(socket: Duplex): void {
    const lines = new LineSplitter();
    let failure: Error | undefined;
    const decoder = new StringDecoder("utf8");
    socket.on("data", (data: Buffer) => {
      for (const line of lines.push(decoder.write(data))) {
        let answer: ChannelAnswer;
        try {
          answer = JSON.parse(line) as ChannelAnswer;
        } catch {
          failure = unreachableError(this.options.baseUrl, "unreadable answer on the worker channel");
          socket.destroy();
          return;
        }
        if (answer.id === null) {
          // the server could not read what was sent, and closes the channel
          failure = remoteError(answer);
          continue;
        }
        const waiting = this.pending.get(answer.id);
        if (!waiting) continue; // given up (cancelled, timed out)
        if (answer.status >= 200 && answer.status < 300) waiting.resolve(answer.body);
        else waiting.reject(remoteError(answer));
      }
    });
    socket.on("error", () => undefined);
    socket.once("end", () => socket.end());
    socket.once("close", () => {
      if (this.socket === socket) this.socket = undefined;
      const error = failure ?? unreachableError(this.options.baseUrl, "the worker channel closed");
      for (const waiting of [...this.pending.values()]) if (waiting.socket === socket) waiting.reject(error);
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function remoteError(answer: ChannelAnswer): Error {
  return remoteErrorOf(answer.status, answer.body, `HTTP ${answer.status} on the worker channel`);
}

/**
 * The worker channel: one long-lived connection per worker process for its hot calls (reports,
 * requests for work, claims), opened with an HTTP Upgrade on the API's own port. On this machine an HTTP
 * request costs ~0.2 ms of latency each way that a line on an open socket does not (~0.02 ms), and
 * a chain step makes one report round trip: a third of a distributed step's time went to HTTP.
 *
 * Protocol `noetl-worker/1`: the worker sends `GET /api/workers/channel` with `Connection:
 * Upgrade`, `Upgrade: noetl-worker/1` (and its bearer token when the server has one); the server
 * answers `101 Switching Protocols`, then both sides write one JSON document per line:
 *   worker → server  `{"id": 7, "op": "report", "body": {...}, "key": "..."}`  (`key`: the
 *                    Idempotency-Key of `POST /api/events/batch`), `{"id": 8, "op": "reports",
 *                    "body": {...}}` (`POST /api/events/reports`), `{"id": 9, "op": "next",
 *                    "body": {...}}` (`POST /api/commands/next`), `{"id": 10, "op": "claim",
 *                    "body": {...}}` (`POST /api/commands/claim`), `{"id": 9, "op": "cancel"}`
 *                    (the worker no longer waits for request 9's answer)
 *   server → worker  `{"id": 7, "status": 202, "body": {...}}`: the status and body the HTTP
 *                    route would answer, errors included; `id` null for a line it could not read
 *                    (then it closes the channel).
 * Answers come in any order. A channel that closes abandons its requests for work (what they
 * were given goes back to the others), as a closed HTTP connection does.
 */

import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { FastifyInstance } from "fastify";
import { LineSplitter } from "../kernel/index.ts";
import {
  type ChannelCall,
  WORKER_CHANNEL_PATH,
  WORKER_CHANNEL_PROTOCOL,
  writeLine,
} from "../protocol/index.ts";
import { ApiError, errorBody, errorReply } from "./api-error.ts";
import { bearerCheck } from "./bearer-token.ts";
import type { Answer, WorkerCalls } from "./worker-calls.ts";

export interface WorkerChannelOptions {
  calls: WorkerCalls;
  /** The bearer token required to open a channel, when the API requires one. */
  token?: string;
  /** The longest line accepted, in characters (the API's body limit). */
  maxLine: number;
  /** How long shutdown waits for the calls in flight before ending the channels (ms, default 5 000). */
  drainMs?: number;
  /**
   * Answers a channel may hold unsent, in bytes, because its worker does not read them (default
   * 64 MiB): past that the channel is closed, as a worker that stopped reading would otherwise
   * grow the server's memory without bound. Its requests for work are abandoned as on any close.
   */
  maxUnsentBytes?: number;
}

/**
 * Serves worker channels on the API's server (an `upgrade` listener); answers how many are open.
 * At shutdown (preClose,
 * after the requests for work were answered) it stops taking channels, waits for the calls in
 * flight to be answered (at most `drainMs`), and ends the channels: the HTTP server's close
 * waits for every connection, upgraded ones included.
 */
export function attachWorkerChannel(app: FastifyInstance, options: WorkerChannelOptions): { open(): number } {
  const open = new Map<Duplex, Set<Promise<unknown>>>();
  let closing = false;
  const authorized = options.token ? bearerCheck(options.token) : undefined;
  app.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== WORKER_CHANNEL_PATH || req.headers.upgrade?.toLowerCase() !== WORKER_CHANNEL_PROTOCOL) {
      refuse(socket, 404, "NOETL_E_API_NOT_FOUND", `no upgrade to ${req.headers.upgrade ?? "?"} at ${path}`);
      return;
    }
    if (authorized && !authorized(req.headers.authorization)) {
      refuse(socket, 401, "NOETL_E_API_UNAUTHORIZED", "missing or wrong bearer token");
      return;
    }
    if (closing) {
      refuse(socket, 503, "NOETL_E_API_UNAVAILABLE", "the server is shutting down");
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${WORKER_CHANNEL_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`,
    );
    const inFlight = new Set<Promise<unknown>>();
    open.set(socket, inFlight);
    socket.once("close", () => open.delete(socket));
    serve(socket, head, { ...options, inFlight }, (error) => app.log.error(error));
  });
  app.addHook("preClose", async () => {
    closing = true;
    const calls = [...open.values()].flatMap((s) => [...s]);
    if (calls.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(calls),
        new Promise((r) => {
          timer = setTimeout(r, options.drainMs ?? 5_000);
        }),
      ]);
      clearTimeout(timer);
    }
    for (const socket of open.keys()) socket.end();
  });
  return { open: () => open.size };
}

/** Answers an upgrade it does not serve with an HTTP error, and closes the connection. */
function refuse(socket: Duplex, status: 401 | 404 | 503, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function serve(
  socket: Duplex,
  head: Buffer,
  options: WorkerChannelOptions & { inFlight: Set<Promise<unknown>> },
  logError: (error: unknown) => void,
): void {
  const { calls } = options;
  (socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  /** The requests for work being held, by frame id (a cancel or the channel's close abandons them). */
  const asking = new Map<number, AbortController>();
  const lines = new LineSplitter();
  /** Set once the channel is closing on a line it could not read: the rest is ignored. */
  let closing = false;

  const maxUnsent = options.maxUnsentBytes ?? 64 * 1024 * 1024;
  const send = (id: number | null, answer: Answer) => {
    if (!socket.writable) return;
    writeLine(socket, { id, status: answer.status, body: answer.body }, process.nextTick);
    if (socket.writableLength > maxUnsent) {
      logError(
        new Error(`worker channel closed: its worker left ${socket.writableLength} bytes of answers unread`),
      );
      socket.destroy();
    }
  };
  const fail = (id: number | null, error: unknown) => {
    const { status, body, internal } = errorReply(error);
    if (internal) logError(error);
    send(id, { status, body });
  };
  /** Answers a line it cannot take (id null) and closes the channel: the rest is ignored. */
  const refuseLine = (error: ApiError) => {
    fail(null, error);
    closing = true;
    socket.end();
  };
  const protocolError = (message: string) =>
    refuseLine(new ApiError(400, "NOETL_E_API_BAD_REQUEST", message));
  const tooLong = () =>
    refuseLine(
      new ApiError(
        413,
        "NOETL_E_API_TOO_LARGE",
        `a worker channel line is over ${options.maxLine} characters`,
      ),
    );

  const run = (frame: ChannelCall) => {
    const { id } = frame;
    let answer: Promise<Answer>;
    switch (frame.op) {
      case "report":
        answer = calls.report(frame.body, typeof frame.key === "string" && frame.key ? frame.key : undefined);
        break;
      case "reports":
        answer = calls.reports(frame.body);
        break;
      case "claim":
        answer = calls.claim(frame.body);
        break;
      case "next": {
        const gone = new AbortController();
        asking.set(id, gone);
        answer = calls.next(frame.body, gone.signal).finally(() => asking.delete(id));
        break;
      }
      case "cancel":
        asking.get(id)?.abort();
        return;
      default:
        fail(id, new ApiError(404, "NOETL_E_API_NOT_FOUND", `no worker channel call '${frame.op}'`));
        return;
    }
    const answered = answer.then(
      (a) => send(id, a),
      (error: unknown) => fail(id, error),
    );
    options.inFlight.add(answered);
    void answered.finally(() => options.inFlight.delete(answered));
  };

  /** Handles one line; false when the channel is closing (a line it cannot read). */
  const line = (text: string): boolean => {
    if (text.length > options.maxLine) {
      tooLong();
      return false;
    }
    if (text.trim() === "") return true;
    let frame: ChannelCall;
    try {
      frame = JSON.parse(text) as ChannelCall;
    } catch {
      protocolError("a worker channel line is not JSON");
      return false;
    }
    if (
      !frame ||
      typeof frame !== "object" ||
      !Number.isSafeInteger(frame.id) ||
      typeof frame.op !== "string"
    ) {
      protocolError("a worker channel line needs a numeric id and an op");
      return false;
    }
    run(frame);
    return true;
  };
  const read = (chunk: string) => {
    if (closing) return;
    for (const text of lines.push(chunk)) if (!line(text)) return;
    if (lines.pendingLength > options.maxLine) tooLong();
  };

  // (an upgraded socket of node's HTTP server refuses setEncoding: decoded here)
  const decoder = new StringDecoder("utf8");
  socket.on("data", (chunk: Buffer) => read(decoder.write(chunk)));
  socket.on("error", () => socket.destroy());
  // the worker closed its end (the server's sockets allow half-open connections): close ours
  socket.once("end", () => socket.end());
  socket.once("close", () => {
    for (const gone of asking.values()) gone.abort();
    asking.clear();
  });
  if (head.length > 0) read(head.toString("utf8"));
}

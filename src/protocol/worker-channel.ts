/**
 * The worker channel's wire contract (`noetl-worker/1`; the server's end is `api/worker-channel.ts`,
 * the worker's `client/worker-channel.ts`): where it is opened, and its frames, one JSON document
 * per line (both ends cut their stream with the kernel's `LineSplitter`).
 */

/** The path a worker upgrades to open its channel. */
export const WORKER_CHANNEL_PATH = "/api/workers/channel";
/** The `Upgrade` protocol of the channel. */
export const WORKER_CHANNEL_PROTOCOL = "noetl-worker/1";

/** A worker's call: `op` is report, reports, claim, next or cancel; `key` a report's idempotency key. */
export interface ChannelCall {
  id: number;
  op: string;
  body?: unknown;
  key?: unknown;
}

/** The server's answer to call `id` (null: a line it could not read): the HTTP route's status and body. */
export interface ChannelAnswer {
  id: number | null;
  status: number;
  body: unknown;
}

/** The part of a socket `writeLine` uses (a `net.Socket` or any `stream.Duplex`). */
export interface LineSink {
  readonly writableCorked: number;
  cork(): void;
  uncork(): void;
  write(chunk: string): boolean;
}

/**
 * Writes one frame as a line. The lines written until `flushSoon` runs its callback (the end of
 * this turn: `process.nextTick`) leave together, in one system call: the answers of one group
 * commit, or a worker's requests for work, cost one socket write rather than one each (each
 * write wakes the other end; on a virtual machine that is tens of microseconds of CPU).
 */
export function writeLine(socket: LineSink, frame: object, flushSoon: (flush: () => void) => void): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    flushSoon(() => socket.uncork());
  }
  socket.write(`${JSON.stringify(frame)}\n`);
}

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

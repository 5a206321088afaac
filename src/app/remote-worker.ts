/**
 * A worker process (distributed mode): receives command pointers from the bus and talks to the
 * server only over its HTTP API (`client/`; reports, requests for work and claims over a worker
 * channel, an upgraded connection of that API). The same Worker and tools as embedded mode.
 */
import { hostname } from "node:os";
import type { Bus } from "../bus/index.ts";
import { HttpClient, RemoteControlPlane, WorkerChannel } from "../client/index.ts";
import type { JsonObject } from "../kernel/index.ts";
import type { ToolRegistry } from "../tools/index.ts";
import { Worker } from "../worker/index.ts";
import { builtinTools } from "./builtin-tools.ts";
import type { AppConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { systemClock } from "./system-clock.ts";

export interface RemoteWorkerOptions {
  config: AppConfig;
  bus: Bus;
  serverUrl?: string;
  pool?: string;
  concurrency?: number;
  /** Requests for work kept waiting on the server (default {@link requestsForWork}). */
  requests?: number;
  workerId?: string;
  tools?: ToolRegistry;
}

/**
 * Requests for work a worker keeps waiting: up to four, half its slots at most (the bus keeps the
 * others). Ten executions started together then mostly reach the workers in the replies to their
 * commits (distributed W3: 26–28 → ~23 ms with four or six; one request: W1 unchanged).
 */
export function requestsForWork(concurrency: number): number {
  return Math.max(0, Math.min(4, Math.floor(concurrency / 2)));
}

export interface RunningWorker {
  worker: Worker;
  /** Stops taking work; `drain` waits for running commands (graceful shutdown). */
  stop(drain?: boolean): Promise<void>;
}

export async function startRemoteWorker(options: RemoteWorkerOptions): Promise<RunningWorker> {
  const { config, bus } = options;
  const http = new HttpClient({
    baseUrl: options.serverUrl ?? config.serverUrl,
    ...(config.apiToken ? { token: config.apiToken } : {}),
  });
  const workerId =
    options.workerId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const channel = config.workerChannel
    ? new WorkerChannel({ baseUrl: http.baseUrl, ...(config.apiToken ? { token: config.apiToken } : {}) })
    : undefined;
  const controlPlane = new RemoteControlPlane(http, workerId, channel);
  // No polling by javascript threads for their next task: a chain's next task comes a server round
  // trip later (≥ 1 ms here), past the poll, so a thread polled only when several executions kept
  // it busy, taking a CPU from the others (W3 distributed, 9 alternating pairs: ~28 → ~23 ms of
  // this process's CPU per batch; W1 and W2 unchanged).
  const tools =
    options.tools ??
    builtinTools({ ...(config.python ? { python: config.python } : {}), javascriptSpinUs: 0 });
  const concurrency = options.concurrency ?? config.workers;
  const worker = new Worker({
    controlPlane,
    tools,
    workerId,
    handoff: true,
    askForWork: options.requests ?? requestsForWork(concurrency),
    log: createLogger(config.logLevel),
    clock: systemClock,
    credentials: {
      async get(name: string) {
        const r = await http.get<{ data: JsonObject }>(
          `/api/credentials/${encodeURIComponent(name)}?include_data=true`,
        );
        return r.data;
      },
    },
  });
  await worker.start(bus, options.pool ?? "default", concurrency);
  let stopped = false;
  return {
    worker,
    async stop(drain = true) {
      if (stopped) return;
      stopped = true;
      await worker.stop({ drain });
      await controlPlane.close();
      await bus.close();
      await tools.close();
    },
  };
}

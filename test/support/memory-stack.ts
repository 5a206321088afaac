/**
 * A server on an in-memory store with one remote worker, both in this process on a local bus:
 * the distributed deployment's shape without PostgreSQL and NATS, for suites that talk to a server.
 */
import {
  type AppConfig,
  type RunningServer,
  type RunningWorker,
  startRemoteWorker,
  startServer,
} from "../../src/app/index.ts";
import { LocalBus } from "../../src/bus/local/index.ts";
import { MemoryStore } from "../../src/store/memory/index.ts";

export interface MemoryStack {
  server: RunningServer;
  worker: RunningWorker;
  /** Stops the worker (without draining), then the server. */
  close(): Promise<void>;
}

export async function memoryStack(config: AppConfig, concurrency: number): Promise<MemoryStack> {
  const bus = new LocalBus();
  const server = await startServer({ config, store: new MemoryStore(), bus, port: 0 });
  const worker = await startRemoteWorker({ config, bus, serverUrl: server.url, concurrency });
  return {
    server,
    worker,
    async close() {
      await worker.stop(false);
      await server.close();
    },
  };
}

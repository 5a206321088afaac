/**
 * The distributed presets: a server on PostgreSQL + NATS JetStream, and workers that pull
 * command pointers from NATS and talk to the server over HTTP.
 */
import { NatsBus } from "../bus/nats/index.ts";
import { PostgresStore } from "../store/postgres/index.ts";
import type { AppConfig } from "./config.ts";
import { type RunningWorker, startRemoteWorker } from "./remote-worker.ts";
import { type RunningServer, startServer } from "./server.ts";

export async function startDistributedServer(options: {
  config: AppConfig;
  host?: string;
  port?: number;
  shard?: number;
}): Promise<RunningServer> {
  const store = new PostgresStore({ url: options.config.postgresUrl, schema: options.config.pgSchema });
  const bus = await natsBus(options.config);
  return startServer({
    config: options.config,
    store,
    bus,
    ...(options.host ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.shard !== undefined ? { shard: options.shard } : {}),
  });
}

export async function startDistributedWorker(options: {
  config: AppConfig;
  serverUrl?: string;
  pool?: string;
  concurrency?: number;
  requests?: number;
  workerId?: string;
}): Promise<RunningWorker> {
  const bus = await natsBus(options.config);
  return startRemoteWorker({ ...options, bus });
}

/** `noetl db init`: create the PostgreSQL schema (migrations are idempotent). */
export async function initDatabase(config: AppConfig): Promise<void> {
  const store = new PostgresStore({ url: config.postgresUrl, schema: config.pgSchema });
  try {
    await store.init();
  } finally {
    await store.close();
  }
}

function natsBus(config: AppConfig): Promise<NatsBus> {
  return NatsBus.connect({
    servers: config.natsUrl,
    stream: config.natsStream,
    subjectPrefix: config.natsPrefix,
  });
}

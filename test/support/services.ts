/**
 * Set-up shared by the suites that run against the real PostgreSQL and NATS: a schema, a
 * stream and a subject prefix of the suite's own (so suites never see each other's data), their
 * removal afterwards, and running a playbook to its end over the HTTP API.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import {
  type AppConfig,
  type RunningServer,
  type RunningWorker,
  readConfig,
  startRemoteWorker,
  startServer,
} from "../../src/app/index.ts";
import { NatsBus } from "../../src/bus/nats/index.ts";
import type { HttpClient } from "../../src/client/index.ts";
import { PostgresStore } from "../../src/store/postgres/index.ts";
import { NATS_URL, natsSkipReason, PG_URL, postgresSkipReason } from "../../src/testing/index.ts";

/** Why the service-bound suites skip here (PostgreSQL or NATS not reachable), or undefined. */
export async function servicesSkipReason(): Promise<string | undefined> {
  return (await postgresSkipReason()) ?? (await natsSkipReason());
}

/** The private names of one suite's data in the shared services, and a home directory. */
export interface SuiteServices {
  schema: string;
  stream: string;
  subjectPrefix: string;
  home: string;
  /** The configuration of servers and workers (home above, silent logs). */
  config: AppConfig;
  /** A bus on the suite's stream. */
  bus(options?: { ackWaitMs?: number }): Promise<NatsBus>;
  /** Drop the schema and the stream, remove the home directory. */
  drop(): Promise<void>;
}

/** `name`: a short word naming the suite (`dist`, `chaos`...), part of every name. */
export function suiteServices(name: string): SuiteServices {
  const tag = `${name}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const schema = `noetl_${tag}`;
  const stream = `NOETL_TEST_${tag.toUpperCase()}`;
  const subjectPrefix = `noetl_test.${tag}`;
  const home = mkdtempSync(join(tmpdir(), `noetl-${name}-`));
  const bus = (options: { ackWaitMs?: number } = {}) =>
    NatsBus.connect({ servers: NATS_URL, stream, subjectPrefix, ...options });
  return {
    schema,
    stream,
    subjectPrefix,
    home,
    config: readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: `${name}-test` }),
    bus,
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      const b = await bus();
      await b.deleteStream();
      await b.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The text of `test/playbooks/<name>.yaml`. */
export function playbook(name: string): string {
  return readFileSync(new URL(`../playbooks/${name}.yaml`, import.meta.url), "utf8");
}

export interface NodeOptions {
  /** The server's shard (replicas of one deployment differ). */
  shard?: number;
  reapIntervalMs: number;
  leaseMs: number;
  /** One remote worker per id, each `concurrency` wide, reaching this server only over HTTP. */
  workerIds: string[];
  concurrency: number;
}

/** A server on the suite's schema and stream, with its remote workers. */
export async function startNode(
  services: SuiteServices,
  options: NodeOptions,
): Promise<{ server: RunningServer; workers: RunningWorker[] }> {
  const { config } = services;
  const server = await startServer({
    config,
    store: new PostgresStore({ url: PG_URL, schema: services.schema }),
    bus: await services.bus({ ackWaitMs: 5000 }),
    port: 0,
    ...(options.shard !== undefined ? { shard: options.shard } : {}),
    reapIntervalMs: options.reapIntervalMs,
    orchestrator: { leaseMs: options.leaseMs },
  });
  const workers: RunningWorker[] = [];
  for (const workerId of options.workerIds)
    workers.push(
      await startRemoteWorker({
        config,
        bus: await services.bus({ ackWaitMs: 5000 }),
        serverUrl: server.url,
        concurrency: options.concurrency,
        workerId,
      }),
    );
  return { server, workers };
}

export interface HttpRun {
  execution_id: string;
  status: string;
  result: unknown;
  error: unknown;
  runs: Record<string, number>;
  steps: Record<string, unknown>;
}

/** Register `content`, execute it with `payload` and wait (long-polling) for its end; its result. */
export async function runOverHttp(http: HttpClient, content: string, payload: object = {}): Promise<HttpRun> {
  const reg = await http.post<{ path: string; version: number }>("/api/catalog/register", { content });
  const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", {
    path: reg.path,
    version: reg.version,
    payload,
  });
  await waitOverHttp(http, execution_id);
  return http.get<HttpRun>(`/api/executions/${execution_id}/result`);
}

/** Long-poll `/wait` until the execution is no longer running; its final status. */
export async function waitOverHttp(http: HttpClient, executionId: string): Promise<string> {
  for (;;) {
    const w = await http.get<{ status: string }>(`/api/executions/${executionId}/wait?timeout_ms=20000`, {
      timeoutMs: 30_000,
    });
    if (w.status !== "running") return w.status;
  }
}

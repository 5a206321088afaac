/**
 * The server process (distributed mode): orchestrator + HTTP API + reaper over any store and
 * bus. `distributed.ts` binds it to PostgreSQL and NATS; tests bind it to memory/local.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Bus } from "../bus/index.ts";
import { type Clock, NoetlError, SnowflakeIds } from "../kernel/index.ts";
import { Orchestrator, type OrchestratorOptions } from "../orchestrator/index.ts";
import type { Store } from "../store/index.ts";
import type { AppConfig } from "./config.ts";
import { CredentialService } from "./credentials.ts";
import { createLogger } from "./logger.ts";
import { systemClock } from "./system-clock.ts";

export interface ServerOptions {
  config: AppConfig;
  store: Store;
  bus: Bus;
  host?: string;
  port?: number;
  /** Reaper period (default 5 s): re-dispatches commands of dead workers and lost publishes. */
  reapIntervalMs?: number;
  /** A PENDING command older than this is re-published (its notice may be lost; default 15 s). */
  stalePendingMs?: number;
  orchestrator?: Partial<OrchestratorOptions>;
  /** Shard of the snowflake id generator (distinct per replica). */
  shard?: number;
  /** The time of events, ids, leases and the API's age checks (default the wall clock; tests). */
  clock?: Clock;
}

export interface RunningServer {
  url: string;
  api: FastifyInstance;
  orchestrator: Orchestrator;
  store: Store;
  bus: Bus;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, store, bus } = options;
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host) && !config.apiToken) {
    throw new NoetlError(
      "NOETL_E_SERVER_TOKEN",
      `binding to ${host} needs NOETL_API_TOKEN (the API would be open to the network)`,
    );
  }
  const log = createLogger(config.logLevel);
  await store.init();
  const clock = options.clock ?? systemClock;
  const orchestrator = new Orchestrator({
    store,
    bus,
    clock,
    ids: new SnowflakeIds(clock, options.shard ?? Math.floor(Math.random() * 32)),
    log,
    ...(options.orchestrator ? { options: options.orchestrator } : {}),
  });
  const credentials = new CredentialService(store, {
    ...(config.secretKey ? { secretKey: config.secretKey } : {}),
    keyFile: `${config.home}/secret.key`,
  });
  const uiRoot = fileURLToPath(new URL("../../ui/", import.meta.url));
  const { buildApi } = await import("../api/index.ts"); // fastify and swagger load only for a server
  const api = await buildApi({
    orchestrator,
    store,
    credentials,
    ...(config.apiToken ? { token: config.apiToken } : {}),
    ...(existsSync(`${uiRoot}index.html`) ? { uiRoot } : {}),
  });
  const address = await api.listen({ host, port: options.port ?? 8082 });
  const reaper = setInterval(() => {
    orchestrator
      .reap()
      .catch((error: unknown) => log.warn("reaper failed", { error: (error as Error).message }));
  }, options.reapIntervalMs ?? 5000);
  reaper.unref();
  let closed = false;
  return {
    url: address.replace("[::1]", "127.0.0.1"),
    api,
    orchestrator,
    store,
    bus,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(reaper);
      await api.close();
      await bus.close();
      await store.close();
    },
  };
}

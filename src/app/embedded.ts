/**
 * The embedded preset: one process, SQLite store, in-process bus, in-process workers.
 * The same orchestrator, engine, worker and tools as distributed mode.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Bus } from "../bus/index.ts";
import { LocalBus } from "../bus/local/index.ts";
import { type Clock, SnowflakeIds } from "../kernel/index.ts";
import type { OrchestratorOptions } from "../orchestrator/index.ts";
import { Orchestrator } from "../orchestrator/index.ts";
import type { Store } from "../store/index.ts";
import { MemoryStore } from "../store/memory/index.ts";
import { SqliteStore } from "../store/sqlite/index.ts";
import type { ToolRegistry } from "../tools/index.ts";
import { Worker } from "../worker/index.ts";
import { builtinTools } from "./builtin-tools.ts";
import type { AppConfig } from "./config.ts";
import { readConfig } from "./config.ts";
import { CredentialService } from "./credentials.ts";
import { createLogger } from "./logger.ts";
import { systemClock } from "./system-clock.ts";

export interface EmbeddedOptions {
  config?: AppConfig;
  /** SQLite file, or ":memory:" (default: config.dbPath). */
  dbPath?: string;
  /** Use the in-memory store (tests, benchmarks of the engine alone). */
  memory?: boolean;
  /** Concurrent tasks in the in-process worker. */
  workers?: number;
  tools?: ToolRegistry;
  orchestrator?: Partial<OrchestratorOptions>;
  /** Start the in-process worker (default true). */
  startWorker?: boolean;
  /** The time of events, ids and the API's age checks (default the wall clock; tests). */
  clock?: Clock;
}

export interface EmbeddedApp {
  config: AppConfig;
  store: Store;
  bus: Bus;
  orchestrator: Orchestrator;
  worker: Worker;
  tools: ToolRegistry;
  credentials: CredentialService;
  close(): Promise<void>;
}

export async function embedded(options: EmbeddedOptions = {}): Promise<EmbeddedApp> {
  const config = options.config ?? readConfig();
  const log = createLogger(config.logLevel);
  const dbPath = options.dbPath ?? config.dbPath;
  const store: Store = options.memory ? new MemoryStore() : openSqlite(dbPath, config.durability);
  await store.init();
  const bus = new LocalBus();
  const clock = options.clock ?? systemClock;
  const orchestrator = new Orchestrator({
    store,
    bus,
    clock,
    ids: new SnowflakeIds(clock),
    log,
    options: { exclusive: true, ...options.orchestrator },
  });
  const credentials = new CredentialService(store, {
    ...(config.secretKey ? { secretKey: config.secretKey } : {}),
    keyFile: `${config.home}/secret.key`,
  });
  const tools = options.tools ?? builtinTools({ ...(config.python ? { python: config.python } : {}) });
  const worker = new Worker({
    controlPlane: orchestrator,
    tools,
    workerId: `embedded-${process.pid}`,
    log,
    clock,
    credentials: credentials.accessor(),
  });
  if (options.startWorker !== false) await worker.start(bus, "default", options.workers ?? config.workers);
  let closed = false;
  return {
    config,
    store,
    bus,
    orchestrator,
    worker,
    tools,
    credentials,
    async close() {
      if (closed) return;
      closed = true;
      await worker.stop({ drain: false });
      await bus.close();
      await tools.close();
      await store.close();
    },
  };
}

function openSqlite(path: string, durability: AppConfig["durability"] = "normal"): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  return new SqliteStore({ path, durability });
}

/** The embedded store alone (CLI commands that only read or manage data). */
export async function openEmbeddedStore(path?: string): Promise<Store> {
  const store = openSqlite(path ?? readConfig().dbPath);
  await store.init();
  return store;
}

/** Serves the HTTP API and web UI of an embedded app (`noetl run --ui`). */
export async function serveEmbeddedUi(
  app: EmbeddedApp,
  port = 8083,
): Promise<{ url: string; close(): Promise<void> }> {
  const { buildApi } = await import("../api/index.ts");
  const { existsSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const uiRoot = fileURLToPath(new URL("../../ui/", import.meta.url));
  const api = await buildApi({
    orchestrator: app.orchestrator,
    store: app.store,
    credentials: app.credentials,
    ...(existsSync(`${uiRoot}index.html`) ? { uiRoot } : {}),
  });
  const url = await api.listen({ host: "127.0.0.1", port });
  return { url, close: () => api.close() };
}

/**
 * Runtime configuration, read from the environment ONCE (only app/ reads the environment).
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface AppConfig {
  /** Directory for the embedded database, generated keys, result files. */
  home: string;
  /**
   * Directory of the CLI contexts file (`config.yaml`): NOETL_HOME when it is set, else NoETL's own
   * `~/.noetl` (the embedded `home` defaults to `./.noetl`, one per project; contexts are per user).
   */
  contextsHome: string;
  /** Embedded SQLite database file. */
  dbPath: string;
  /** Embedded SQLite durability: normal (default), full (fsync every commit), process (no sync). */
  durability: "normal" | "full" | "process";
  /** PostgreSQL connection string (distributed mode). */
  postgresUrl: string;
  natsUrl: string;
  /** PostgreSQL schema of the distributed store (default `noetl`). */
  pgSchema: string;
  /** JetStream stream and subject prefix of the command bus. */
  natsStream: string;
  natsPrefix: string;
  python?: string;
  secretKey?: string;
  logLevel: string;
  /** Embedded worker concurrency. */
  workers: number;
  serverUrl: string;
  /** Set when NOETL_SERVER_URL is set: client commands then talk to that server. */
  remote?: string;
  apiToken?: string;
  /**
   * Whether a remote worker sends its reports, requests for work and claims over a worker channel (one
   * upgraded connection; default) or as HTTP requests (`NOETL_WORKER_CHANNEL=off`, e.g. behind a
   * proxy that holds upgrades). A server that refuses the channel gets HTTP either way.
   */
  workerChannel: boolean;
}

export function readConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AppConfig> = {},
): AppConfig {
  const home = resolve(overrides.home ?? env.NOETL_HOME ?? ".noetl");
  const config: AppConfig = {
    home,
    contextsHome:
      overrides.home !== undefined || env.NOETL_HOME !== undefined ? home : join(homedir(), ".noetl"),
    dbPath: resolve(env.NOETL_DB ?? join(home, "noetl.db")),
    durability:
      env.NOETL_DURABILITY === "full" || env.NOETL_DURABILITY === "process" ? env.NOETL_DURABILITY : "normal",
    postgresUrl: env.NOETL_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    natsUrl: env.NOETL_NATS_URL ?? "nats://127.0.0.1:4222",
    pgSchema: env.NOETL_PG_SCHEMA ?? "noetl",
    natsStream: env.NOETL_NATS_STREAM ?? "NOETL_COMMANDS",
    natsPrefix: env.NOETL_NATS_PREFIX ?? "noetl.commands",
    logLevel: env.NOETL_LOG_LEVEL ?? "warn",
    workers: Number(env.NOETL_WORKERS ?? 8) || 8,
    serverUrl: env.NOETL_SERVER_URL ?? "http://127.0.0.1:8082",
    ...(env.NOETL_SERVER_URL ? { remote: env.NOETL_SERVER_URL } : {}),
    ...(env.NOETL_PYTHON ? { python: env.NOETL_PYTHON } : {}),
    ...(env.NOETL_SECRET_KEY ? { secretKey: env.NOETL_SECRET_KEY } : {}),
    ...(env.NOETL_API_TOKEN ? { apiToken: env.NOETL_API_TOKEN } : {}),
    workerChannel: !/^(off|0|false|no)$/i.test(env.NOETL_WORKER_CHANNEL ?? ""),
  };
  return { ...config, ...overrides };
}

/**
 * Real-service availability for the service-bound suites (PostgreSQL, NATS). A suite that needs
 * a service calls `requirePostgres()`/`requireNats()` and skips, printing why, when it is absent.
 */
import { Socket } from "node:net";

export const PG_URL = process.env.NOETL_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const NATS_URL = process.env.NOETL_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

function probe(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

function hostPort(url: string, defaultPort: number): [string, number] {
  const u = new URL(url);
  return [u.hostname || "127.0.0.1", Number(u.port || defaultPort)];
}

const cache = new Map<string, Promise<string | undefined>>();

/** Resolves to a skip reason, or undefined when the service is reachable. */
function check(name: string, url: string, port: number): Promise<string | undefined> {
  let p = cache.get(name);
  if (!p) {
    const [host, prt] = hostPort(url, port);
    p = probe(host, prt).then((ok) => {
      if (ok) return undefined;
      const reason = `${name} is not reachable at ${host}:${prt}; skipping the ${name}-bound suite`;
      console.log(`# SKIP ${reason}`);
      return reason;
    });
    cache.set(name, p);
  }
  return p;
}

export const postgresSkipReason = (): Promise<string | undefined> => check("PostgreSQL", PG_URL, 5432);
export const natsSkipReason = (): Promise<string | undefined> => check("NATS", NATS_URL, 4222);

/** The test database as the data of a stored `postgres` credential (`db_host`, `db_user`, …). */
export function pgCredentialData(url = PG_URL): Record<string, string | number> {
  const u = new URL(url);
  return {
    db_host: u.hostname,
    db_port: Number(u.port || 5432),
    db_user: decodeURIComponent(u.username || "postgres"),
    db_password: decodeURIComponent(u.password),
    db_name: u.pathname.slice(1) || "postgres",
  };
}

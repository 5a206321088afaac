/**
 * Service restarts under load: a private PostgreSQL cluster and a private NATS server (started
 * by the test, so the shared services are never disturbed) are restarted while executions run.
 * No execution may get stuck, no iteration result may be lost or recorded twice. Skipped, with
 * the reason printed, when the PostgreSQL server binaries, `runuser` or `nats-server` are absent.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import {
  type RunningServer,
  type RunningWorker,
  readConfig,
  startRemoteWorker,
  startServer,
} from "../../src/app/index.ts";
import { NatsBus } from "../../src/bus/nats/index.ts";
import type { ExecutionId } from "../../src/kernel/index.ts";
import { PostgresStore } from "../../src/store/postgres/index.ts";

const pgBin = (() => {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort().pop();
  return version ? join(root, version, "bin") : undefined;
})();
const natsBin = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"].find(
  existsSync,
);
const runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].find(existsSync);
const skip =
  !pgBin || !existsSync(join(pgBin, "initdb"))
    ? "PostgreSQL server binaries not found"
    : !natsBin
      ? "nats-server not found"
      : process.getuid?.() === 0 && !runuser
        ? "runuser not found (initdb must not run as root)"
        : undefined;
if (skip) console.log(`# SKIP ${skip}; skipping the service-restart suite`);

const dir = mkdtempSync(join(tmpdir(), "noetl-restart-"));
const home = join(dir, "home");
const children = new Set<ChildProcess>();
let pgProc: ChildProcess | undefined;
let natsProc: ChildProcess | undefined;
let pgPort = 0;
let natsPort = 0;
let server: RunningServer;
const workers: RunningWorker[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function asPostgres(cmd: string, args: string[]): string[] {
  return process.getuid?.() === 0
    ? [runuser as string, "-u", "postgres", "--", cmd, ...args]
    : [cmd, ...args];
}

function startPostgres(): ChildProcess {
  const [cmd, ...args] = asPostgres(join(pgBin as string, "postgres"), [
    "-D",
    join(dir, "pg"),
    "-p",
    String(pgPort),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
  ]);
  const child = spawn(cmd as string, args, { stdio: "ignore" });
  children.add(child);
  return child;
}

function startNats(): ChildProcess {
  const child = spawn(
    natsBin as string,
    ["-a", "127.0.0.1", "-p", String(natsPort), "-js", "-sd", join(dir, "nats")],
    { stdio: "ignore" },
  );
  children.add(child);
  return child;
}

async function kill9(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  children.delete(child);
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pgUrl = () => `postgres://postgres@127.0.0.1:${pgPort}/postgres`;

async function pgReady(): Promise<void> {
  await until(async () => {
    const c = new pg.Client({ connectionString: pgUrl() });
    await c.connect();
    await c.end();
    return true;
  });
}

const PLAYBOOK = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: restart_load, path: restart/load }
workload: { n: 30 }
workflow:
  - step: fan
    loop: { in: "{{ range(workload.n) | list }}", iterator: i, spec: { mode: parallel, max_in_flight: 5 } }
    tool: { kind: javascript, input: { i: "{{ i }}" }, code: "await new Promise((r) => setTimeout(r, 40)); return { i }" }
    next: { arcs: [{ step: total }] }
  - step: total
    input: { n: "{{ fan.stats.success }}", s: "{{ fan.results | sum(attribute='i') }}" }
    tool: { kind: javascript, code: "return { n, s }" }
`;

describe("service restarts under load", { skip, timeout: 240_000 }, () => {
  before(async () => {
    pgPort = await freePort();
    natsPort = await freePort();
    chmodSync(dir, 0o777);
    const [cmd, ...args] = asPostgres(join(pgBin as string, "initdb"), [
      "-D",
      join(dir, "pg"),
      "-A",
      "trust",
      "-U",
      "postgres",
      "--no-sync",
    ]);
    const init = spawnSync(cmd as string, args, { encoding: "utf8" });
    assert.equal(init.status, 0, init.stderr);
    pgProc = startPostgres();
    natsProc = startNats();
    await pgReady();
    const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "restart" });
    const bus = () => NatsBus.connect({ servers: `nats://127.0.0.1:${natsPort}` });
    await until(() => bus().then((b) => b.close().then(() => true)));
    server = await startServer({
      config,
      store: new PostgresStore({ url: pgUrl() }),
      bus: await bus(),
      port: 0,
      reapIntervalMs: 300,
      stalePendingMs: 2000,
      orchestrator: { leaseMs: 3000 },
    });
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startRemoteWorker({
          config,
          bus: await bus(),
          serverUrl: server.url,
          concurrency: 8,
          workerId: `r${i}`,
        }),
      );
    }
  });

  after(async () => {
    for (const w of workers) await w.stop(false).catch(() => undefined);
    await server?.close().catch(() => undefined);
    for (const c of children) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("restarting NATS and then PostgreSQL loses nothing and duplicates nothing", async () => {
    const entry = await server.orchestrator.register(PLAYBOOK);
    const ids: ExecutionId[] = [];
    for (let i = 0; i < 8; i++)
      ids.push(
        (await server.orchestrator.execute({ path: entry.path, version: entry.version })).execution_id,
      );

    await new Promise((r) => setTimeout(r, 500));
    await kill9(natsProc);
    await new Promise((r) => setTimeout(r, 500));
    natsProc = startNats();

    await new Promise((r) => setTimeout(r, 1500));
    await kill9(pgProc);
    await new Promise((r) => setTimeout(r, 500));
    pgProc = startPostgres();
    await pgReady();

    const store = server.store;
    const statuses = await until(async () => {
      const rows = await Promise.all(ids.map((id) => store.getExecution(id)));
      return rows.every((r) => r && r.status !== "running") ? rows.map((r) => r?.status) : undefined;
    }, 180_000);
    assert.deepEqual(
      statuses,
      ids.map(() => "completed"),
    );
    for (const id of ids) {
      const events = await store.readEvents(id, { types: ["call.done"] });
      const seen = new Set<string>();
      for (const e of events) {
        if (e.type !== "call.done") continue;
        const key = `${e.step}:${e.payload.loop_index ?? "-"}`;
        assert.ok(!seen.has(key), `duplicate result ${key} in ${id}`);
        seen.add(key);
      }
      assert.equal(seen.size, 31, `execution ${id} has ${seen.size} step results`);
      const summary = await server.orchestrator.status(id);
      assert.deepEqual(summary.result, { n: 30, s: 435 });
    }
  });
});

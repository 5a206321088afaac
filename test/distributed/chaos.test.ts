/**
 * Crash safety against the real services: kill -9 a worker process in the middle of a task (the
 * reaper re-dispatches the command to another worker; the step's result is recorded once), and
 * kill -9 the server process mid-execution then restart it (the execution completes, no step
 * runs twice). Skipped, with the reason printed, when PostgreSQL or NATS is not reachable.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type RunningServer, readConfig, startRemoteWorker, startServer } from "../../src/app/index.ts";
import { HttpClient } from "../../src/client/index.ts";
import { PostgresStore } from "../../src/store/postgres/index.ts";
import { NATS_URL, PG_URL } from "../../src/testing/index.ts";
import { servicesSkipReason, suiteServices } from "../support/services.ts";

const skip = await servicesSkipReason();
const services = suiteServices("chaos");
const { schema, stream, subjectPrefix: prefix, home } = services;
const root = new URL("../../", import.meta.url).pathname;
const bin = join(root, "bin/noetl.js");
const env = {
  ...process.env,
  NOETL_HOME: home,
  NOETL_LOG_LEVEL: "silent",
  NOETL_POSTGRES_URL: PG_URL,
  NOETL_NATS_URL: NATS_URL,
  NOETL_PG_SCHEMA: schema,
  NOETL_NATS_STREAM: stream,
  NOETL_NATS_PREFIX: prefix,
  NOETL_SECRET_KEY: "chaos",
};
const config = readConfig(env, { home });
const children: ChildProcess[] = [];
const slowMiddle = readFileSync(new URL("../playbooks/slow-middle.yaml", import.meta.url), "utf8").replace(
  "1500",
  "4000",
);

function noetl(...args: string[]): ChildProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  return child;
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${text}`)), timeoutMs);
    child.stderr?.on("data", (d: Buffer) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // server restarting
    }
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the command of `step` is claimed by a worker (the task is running). */
async function claimedStep(
  http: HttpClient,
  id: string,
  step: string,
): Promise<{ status: string; claims: number }> {
  return until(async () => {
    const { events } = await http.get<{
      events: Array<{ step?: string; payload: { command: { command_id: string } } }>;
    }>(`/api/executions/${id}/events?types=command.issued`);
    const issued = events.find((e) => e.step === step);
    if (!issued) return undefined;
    const row = await http.get<{ status: string; claims: number }>(
      `/api/commands/${issued.payload.command.command_id}`,
    );
    return row.claims > 0 ? row : undefined;
  });
}

async function kill9(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
}

describe("chaos: crashes in distributed mode", { skip, concurrency: false }, () => {
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await services.drop();
  });

  it("kill -9 a worker mid-task: another worker finishes, the step is recorded once", async () => {
    const bus = await services.bus();
    const server: RunningServer = await startServer({
      config,
      store: new PostgresStore({ url: PG_URL, schema }),
      bus,
      port: 0,
      reapIntervalMs: 300,
      orchestrator: { leaseMs: 1500 },
    });
    try {
      const http = new HttpClient({ baseUrl: server.url });
      const workerA = noetl("worker", "start", "--server", server.url, "--concurrency", "4");
      await waitForLine(workerA, /noetl worker (\S+)/);
      const reg = await http.post<{ path: string }>("/api/catalog/register", { content: slowMiddle });
      const { execution_id: id } = await http.post<{ execution_id: string }>("/api/execute", {
        path: reg.path,
      });
      await claimedStep(http, id, "b");
      await kill9(workerA);
      const workerB = noetl("worker", "start", "--server", server.url, "--concurrency", "4");
      await waitForLine(workerB, /noetl worker/);
      const status = await until(async () => {
        const s = await http.get<{ status: string }>(`/api/executions/${id}/status`);
        return s.status === "running" ? undefined : s.status;
      });
      assert.equal(status, "completed");
      const result = await http.get<{ result: unknown; runs: Record<string, number> }>(
        `/api/executions/${id}/result`,
      );
      assert.equal(result.result, 3);
      assert.deepEqual(result.runs, { a: 1, b: 1, c: 1 });
      const { events } = await http.get<{ events: Array<{ step?: string }> }>(
        `/api/executions/${id}/events?types=call.done`,
      );
      assert.equal(events.filter((e) => e.step === "b").length, 1, "step b recorded more than once");
      const bCommand = await claimedStep(http, id, "b");
      assert.equal(bCommand.claims, 2, "b should have been claimed by both workers");
      await kill9(workerB);
    } finally {
      await server.close();
    }
  });

  it("kill -9 the server mid-execution and restart it: the execution completes", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const url = `http://127.0.0.1:${port}`;
    let server = noetl("server", "start", "--port", port);
    await waitForLine(server, /listening on/);
    const worker = await startRemoteWorker({
      config,
      bus: await services.bus(),
      serverUrl: url,
      concurrency: 4,
      workerId: "survivor",
    });
    try {
      const http = new HttpClient({ baseUrl: url });
      const reg = await http.post<{ path: string }>("/api/catalog/register", { content: slowMiddle });
      const { execution_id: id } = await http.post<{ execution_id: string }>("/api/execute", {
        path: reg.path,
      });
      await claimedStep(http, id, "b");
      await kill9(server);
      server = noetl("server", "start", "--port", port);
      await waitForLine(server, /listening on/);
      const status = await until(async () => {
        const s = await http.get<{ status: string }>(`/api/executions/${id}/status`);
        return s.status === "running" ? undefined : s.status;
      }, 90_000);
      assert.equal(status, "completed");
      const result = await http.get<{ result: unknown; runs: Record<string, number> }>(
        `/api/executions/${id}/result`,
      );
      assert.equal(result.result, 3);
      assert.deepEqual(result.runs, { a: 1, b: 1, c: 1 });
    } finally {
      await worker.stop(false);
      await kill9(server);
    }
  });
});

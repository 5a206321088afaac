/**
 * The API suites' setup: the HTTP API with a worker that reaches the server only over HTTP
 * (RemoteControlPlane), on an in-memory store and the in-process bus (memory-stack.ts): the
 * distributed code paths without external services. A NOETL_HOME of its own, a client, and the
 * requests the suites share.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppConfig, type RunningServer, readConfig } from "../../src/app/index.ts";
import { HttpClient } from "../../src/client/index.ts";
import { memoryStack } from "./memory-stack.ts";

/** The text of `test/playbooks/NAME.yaml`. */
export const pb = (name: string) =>
  readFileSync(new URL(`../playbooks/${name}.yaml`, import.meta.url), "utf8");

export interface RunOutcome {
  execution_id: string;
  waited: { status: string };
  result: { status: string; result: unknown; runs: Record<string, number> };
}

export interface ApiStack {
  home: string;
  config: AppConfig;
  server: RunningServer;
  http: HttpClient;
  /** The number of events of an execution. */
  eventCount(executionId: string): Promise<number>;
  /** Registers `content`, starts it with `payload` and waits for its end. */
  runToEnd(content: string, payload?: object): Promise<RunOutcome>;
  /** Stops the worker and the server, and removes the NOETL_HOME. */
  close(): Promise<void>;
}

export async function apiStack(): Promise<ApiStack> {
  const home = mkdtempSync(join(tmpdir(), "noetl-api-"));
  const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "test-key" });
  const stack = await memoryStack(config, 8);
  const http = new HttpClient({ baseUrl: stack.server.url });

  async function eventCount(executionId: string): Promise<number> {
    return (await http.get<{ events: unknown[] }>(`/api/executions/${executionId}/events?limit=100000`))
      .events.length;
  }

  async function runToEnd(content: string, payload: object = {}): Promise<RunOutcome> {
    const reg = await http.post<{ path: string; version: number }>("/api/catalog/register", { content });
    const { execution_id } = await http.post<{ execution_id: string }>("/api/execute", {
      path: reg.path,
      payload,
    });
    const waited = await http.get<{ status: string }>(
      `/api/executions/${execution_id}/wait?timeout_ms=20000`,
      { timeoutMs: 25_000 },
    );
    return {
      execution_id,
      waited,
      result: await http.get<{ status: string; result: unknown; runs: Record<string, number> }>(
        `/api/executions/${execution_id}/result`,
      ),
    };
  }

  return {
    home,
    config,
    server: stack.server,
    http,
    eventCount,
    runToEnd,
    async close() {
      await stack.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

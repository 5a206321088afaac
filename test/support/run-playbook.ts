/**
 * Runs a playbook end to end in the embedded preset (real SQLite store in a temp dir, in-process
 * bus and worker, built-in tools) and returns the `noetl run --json` report plus the event log.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmbeddedApp, embedded, type RunReport, readConfig, runReport } from "../../src/app/index.ts";
import type { JsonObject } from "../../src/kernel/index.ts";
import type { NoetlEvent } from "../../src/protocol/index.ts";

export interface RunOutcome extends RunReport {
  events: NoetlEvent[];
}

export interface Harness {
  app: EmbeddedApp;
  run(yaml: string, payload?: JsonObject): Promise<RunOutcome>;
  runFile(path: string, payload?: JsonObject): Promise<RunOutcome>;
  close(): Promise<void>;
}

export async function harness(options: { memory?: boolean; workers?: number } = {}): Promise<Harness> {
  const home = mkdtempSync(join(tmpdir(), "noetl-e2e-"));
  const app = await embedded({
    config: readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, dbPath: join(home, "noetl.db") }),
    ...(options.memory ? { memory: true } : {}),
    workers: options.workers ?? 8,
  });
  const run = async (yaml: string, payload: JsonObject = {}): Promise<RunOutcome> => {
    const entry = await app.orchestrator.register(yaml);
    const { execution_id } = await app.orchestrator.execute({
      path: entry.path,
      version: entry.version,
      payload,
    });
    const timeout = AbortSignal.timeout(60_000);
    await app.orchestrator.waitFor(execution_id, timeout);
    const report = await runReport(app.orchestrator, execution_id);
    const events = await app.store.readEvents(execution_id);
    return { ...report, events };
  };
  return {
    app,
    run,
    runFile: (path, payload) => run(readFileSync(path, "utf8"), payload),
    async close() {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Step names in the order their first command was issued. */
export function dispatchOrder(events: readonly NoetlEvent[]): string[] {
  const order: string[] = [];
  for (const e of events) {
    if (e.type === "command.issued" && e.step && !order.includes(e.step)) order.push(e.step);
  }
  return order;
}

export function eventsOfType<K extends NoetlEvent["type"]>(
  events: readonly NoetlEvent[],
  type: K,
): Array<Extract<NoetlEvent, { type: K }>> {
  return events.filter((e): e is Extract<NoetlEvent, { type: K }> => e.type === type);
}

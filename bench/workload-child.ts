/**
 * Runs one workload in a fresh process (so peak RSS is the workload's own) and prints one JSON
 * line: {id, times_ms[], rss_mb, events_per_step, bytes_per_step}.
 * Usage: node --import tsx bench/workload-child.ts <id> <runs> <mode>
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embedded, readConfig } from "../src/app/index.ts";
import type { ExecutionId, JsonObject } from "../src/kernel/index.ts";
import { WORKLOADS } from "./workloads.ts";

const [id = "W1", runsArg = "5"] = process.argv.slice(2);
const make = WORKLOADS[id];
if (!make) throw new Error(`unknown workload ${id}`);
const w = make();
const runs = Number(runsArg);
const home = mkdtempSync(join(tmpdir(), "noetl-bench-"));
const app = await embedded({
  config: readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, dbPath: join(home, "bench.db") }),
  workers: 64,
});
const entry = await app.orchestrator.register(w.yaml);

async function one(): Promise<ExecutionId> {
  const { execution_id } = await app.orchestrator.execute({
    path: entry.path,
    version: entry.version,
    payload: w.payload as JsonObject,
  });
  const s = await app.orchestrator.waitFor(execution_id);
  if (s.status !== "completed") throw new Error(`${id} ${s.status}: ${JSON.stringify(s.error)}`);
  return execution_id;
}

async function timedRun(): Promise<{ ms: number; ids: ExecutionId[] }> {
  const ids: ExecutionId[] = [];
  const t0 = performance.now();
  for (let s = 0; s < w.series; s++) {
    ids.push(...(await Promise.all(Array.from({ length: w.batch }, () => one()))));
  }
  return { ms: performance.now() - t0, ids };
}

await timedRun(); // warm-up
const times: number[] = [];
let lastIds: ExecutionId[] = [];
for (let r = 0; r < runs; r++) {
  const { ms, ids } = await timedRun();
  times.push(ms / w.series);
  lastIds = ids;
}
let events = 0;
let bytes = 0;
for (const eid of lastIds.slice(0, 1)) {
  for (const e of await app.store.readEvents(eid)) {
    events += 1;
    bytes += JSON.stringify(e).length;
  }
}
const perExecSteps = w.steps / w.batch;
process.stdout.write(
  `${JSON.stringify({
    id,
    times_ms: times,
    rss_mb: process.resourceUsage().maxRSS / 1024,
    events_per_step: events / perExecSteps,
    bytes_per_step: bytes / perExecSteps,
  })}\n`,
);
await app.close();
rmSync(home, { recursive: true, force: true });

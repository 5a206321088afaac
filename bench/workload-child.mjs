/**
 * Runs one workload in a fresh process (so peak RSS is the workload's own) on the compiled build
 * (dist/, what `noetl` runs; no TypeScript loader in the process) and prints one JSON line:
 * {id, times_ms[], rss_mb, events_per_step, bytes_per_step, cpu_ms, host_cpu_ms?}.
 * Usage: node bench/workload-child.mjs <workload.json> <runs> <mode>  (bench/run.ts writes the JSON)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embedded, readConfig, startRemoteWorker, startServer } from "../dist/app/index.js";

const [specFile, runsArg = "5", mode = "embedded"] = process.argv.slice(2);
/** @type {import("./workloads.ts").Workload} */
const w = JSON.parse(readFileSync(String(specFile), "utf8"));
const id = w.id;
const runs = Number(runsArg);
const home = mkdtempSync(join(tmpdir(), "noetl-bench-"));
const config = readConfig(
  { NOETL_LOG_LEVEL: "silent" },
  { home, dbPath: join(home, "bench.db"), secretKey: "bench" },
);

/** The orchestrator to drive, its store, and how to shut everything down. */
async function setUp() {
  if (mode !== "distributed") {
    const app = await embedded({ config, workers: 64 });
    return { orchestrator: app.orchestrator, close: () => app.close() };
  }
  // Distributed: server on PostgreSQL + NATS (a schema and stream of its own), two workers
  // talking to it over HTTP, all in this process. Their clients load only here, so that the
  // embedded rows' peak RSS does not include them (`noetl run` does not load them either).
  const { NatsBus } = await import("../dist/bus/nats/index.js");
  const { default: pg } = await import("pg");
  // Each workload starts with the previous one's writes on disk: W2-100k leaves PostgreSQL a
  // spread checkpoint of hundreds of MB that would otherwise run (and flush) during the next
  // workload (W3 measured 34–38 ms right after it, 23–27 ms alone).
  // (CHECKPOINT needs a superuser or pg_checkpoint: without, the workload runs as it is.)
  const admin = new pg.Client({ connectionString: config.postgresUrl });
  await admin.connect();
  await admin.query("CHECKPOINT").catch(() => undefined);
  await admin.end();
  const { PostgresStore } = await import("../dist/store/postgres/index.js");
  const tag = `b${Date.now().toString(36)}`;
  const nats = () =>
    NatsBus.connect({
      servers: config.natsUrl,
      stream: `NOETL_BENCH_${tag.toUpperCase()}`,
      subjectPrefix: `noetl_bench.${tag}`,
    });
  const server = await startServer({
    config,
    store: new PostgresStore({ url: config.postgresUrl, schema: `noetl_${tag}` }),
    bus: await nats(),
    port: 0,
  });
  const workers = [];
  for (let i = 0; i < 2; i++)
    workers.push(
      await startRemoteWorker({ config, bus: await nats(), serverUrl: server.url, concurrency: 32 }),
    );
  return {
    orchestrator: server.orchestrator,
    async close() {
      for (const wk of workers) await wk.stop(false);
      const cleanup = await nats();
      await cleanup.deleteStream();
      await cleanup.close();
      const client = new pg.Client({ connectionString: config.postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS noetl_${tag} CASCADE`);
      await client.end();
      await server.close();
    },
  };
}

// NOETL_BENCH_TRACE: timestamps at each hop of the timed runs (bench/hop-trace.mjs), on stderr
const trace = process.env.NOETL_BENCH_TRACE ? await import("./hop-trace.mjs") : undefined;
const app = await setUp();
trace?.traceStore(app.orchestrator.store);
const entry = await app.orchestrator.register(w.yaml);

async function one() {
  const { execution_id } = await app.orchestrator.execute({
    path: entry.path,
    version: entry.version,
    payload: w.payload,
  });
  const s = await app.orchestrator.waitFor(execution_id);
  if (s.status !== "completed") throw new Error(`${id} ${s.status}: ${JSON.stringify(s.error)}`);
  return execution_id;
}

async function timedRun() {
  const ids = [];
  const t0 = performance.now();
  for (let s = 0; s < w.series; s++) {
    ids.push(...(await Promise.all(Array.from({ length: w.batch }, () => one()))));
  }
  return { ms: performance.now() - t0, ids };
}

// Warm-up: at least one run, at least 2 s and at least 20,000 steps (20 s at most), so that the
// timed runs see optimised code. Time alone is not enough: V8 optimises a function after enough
// calls, and a distributed step (~1.5 ms) runs a fifth as often as an embedded one (~0.3 ms) in
// the same time. After 2 s alone, distributed W1's first nine runs took 5.4–5.8 ms (medians) and
// the next 36 runs 3.5–4.7 ms, while the embedded rows did not move (docs/benchmarks.md).
// After 6,000 steps, V8 still compiled ~2.7 ms of functions per distributed W3 batch on a helper
// thread over the next 50 batches, and less in each fifty after, ~0.5 ms from the 400th on (the
// timed runs of W3 were 2-7 ms slower than after 20,000 steps, alternating pairs).
const WARM_MS = 2000;
const WARM_STEPS = 20_000;
const WARM_MAX_MS = 20_000;
const warmStart = performance.now();
let warmSteps = 0;
do {
  await timedRun();
  warmSteps += w.steps * w.series;
} while (
  performance.now() - warmStart < WARM_MS ||
  (warmSteps < WARM_STEPS && performance.now() - warmStart < WARM_MAX_MS)
);
/**
 * CPU time (ms) the whole machine has spent busy so far, all CPUs together (Linux's /proc/stat:
 * user, nice, system, irq and softirq, in USER_HZ = 100 ticks); undefined elsewhere.
 */
function hostBusyMs() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6]) * 10;
  } catch {
    return undefined;
  }
}
const times = [];
let lastIds = [];
trace?.start();
const cpu0 = process.cpuUsage();
const host0 = hostBusyMs();
for (let r = 0; r < runs; r++) {
  const { ms, ids } = await timedRun();
  times.push(ms / w.series);
  lastIds = ids;
}
// CPU per execution (per batch for W3) over the timed runs: this process (engine, server and
// workers), and the whole machine (with PostgreSQL and NATS, and anything else running).
const cpu = process.cpuUsage(cpu0);
const host1 = hostBusyMs();
const perUnit = runs * w.series;
const cpuMs = (cpu.user + cpu.system) / 1000 / perUnit;
const hostCpuMs = host0 !== undefined && host1 !== undefined ? (host1 - host0) / perUnit : undefined;
trace?.dump();
// The workload's peak, taken before the statistics below (which read its whole event log).
const rssMb = process.resourceUsage().maxRSS / 1024;
let events = 0;
let bytes = 0;
for (const eid of lastIds.slice(0, 1)) {
  // a page at a time: a 100k-item loop's log is ~200k events
  for (let afterSeq = 0; ; ) {
    const page = await app.orchestrator.store.readEvents(eid, { afterSeq, limit: 2000 });
    if (page.length === 0) break;
    for (const e of page) {
      events += 1;
      bytes += JSON.stringify(e).length;
    }
    afterSeq = page[page.length - 1].seq;
  }
}
const perExecSteps = w.steps / w.batch;
process.stdout.write(
  `${JSON.stringify({
    id,
    mode,
    times_ms: times,
    rss_mb: rssMb,
    events_per_step: events / perExecSteps,
    cpu_ms: cpuMs,
    ...(hostCpuMs !== undefined ? { host_cpu_ms: hostCpuMs } : {}),
    bytes_per_step: bytes / perExecSteps,
  })}\n`,
);
await app.close();
rmSync(home, { recursive: true, force: true });

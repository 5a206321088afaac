/**
 * `npm run bench [-- --mode embedded|distributed|all] [--only W1,W2] [--runs 5] [--rounds 1]
 * [--no-write] [--conditions notes.md]`: runs each workload in its own process (peak RSS is per
 * workload), prints one table per mode and, for a full run, writes docs/benchmarks.md (with the
 * `--conditions` file's text, what the person running it observed, under the machine line).
 * `--rounds N` runs the whole list N times and keeps, for each workload, the round with the
 * lowest median (the others' medians are shown beside it): on a shared host a slow period lasts
 * minutes and only ever adds time, so one round can be slow from start to end.
 * Before each round of each mode, bench/machine-probe.mjs reads how fast the machine is right now
 * (JavaScript, a 4 KiB write, a thread's wake-up); the readings are printed under each table.
 * With NOETL_BENCH_TRACE set, each workload's hop timeline (bench/hop-trace.mjs) is printed too.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { WORKLOADS } from "./workloads.ts";

interface Row {
  id: string;
  mode: string;
  times_ms: number[];
  rss_mb: number;
  events_per_step: number;
  bytes_per_step: number;
  /** With `--rounds`: the median of every round, in order (this row is the lowest). */
  round_medians?: number[];
}

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = flag("--only")?.split(",");
const runs = Number(flag("--runs") ?? 5);
const rounds = Math.max(1, Number(flag("--rounds") ?? 1));
const modeArg = flag("--mode") ?? "embedded";
const conditionsFile = flag("--conditions");
const conditions = conditionsFile ? `\n${readFileSync(conditionsFile, "utf8").trim()}\n` : "";
const modes = modeArg === "all" ? ["embedded", "distributed"] : [modeArg];
const DEFAULT_IDS: Record<string, string[]> = {
  embedded: [
    "W1",
    "W1-10",
    "W1-noop",
    "W1-10-noop",
    "W2",
    "W2-10k",
    "W2-100k",
    "W3",
    "W3-noop",
    "WP-1",
    "WP-2",
  ],
  distributed: ["W1", "W1-10", "W1-noop", "W1-10-noop", "W2", "W2-10k", "W2-100k", "W3", "W3-noop", "WP-1"],
};

const TARGETS: Record<string, Record<string, string>> = {
  embedded: {
    W1: "≤ 1 ms per execution",
    "W1-10": "marginal step ≤ 0.2 ms",
    "W1-noop": "≤ 1 ms per execution",
    "W1-10-noop": "marginal step ≤ 0.2 ms",
    W2: "≤ 150 ms, ≤ 150 MB",
    "W2-100k": "≤ 10 s, ≤ 400 MB",
    W3: "≤ 10 ms",
    "W3-noop": "≤ 10 ms",
    "WP-1": "python overhead ≤ 2 ms per task",
  },
  distributed: {
    W1: "≤ 5 ms per execution",
    "W1-10": "marginal step ≤ 1.5 ms",
    "W1-noop": "≤ 5 ms per execution",
    "W1-10-noop": "marginal step ≤ 1.5 ms",
    W2: "≤ 500 ms",
    "W2-100k": "≤ 30 s",
    W3: "≤ 20 ms",
    "W3-noop": "≤ 20 ms",
    "WP-1": "python overhead ≤ 3 ms per task",
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(3);
}

// The workloads run on the compiled build, as `noetl` does: bring it up to date first.
const build = spawnSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const specDir = mkdtempSync(join(tmpdir(), "noetl-bench-spec-"));

/** A child's report, the JSON object on its last line of output; undefined (said on stderr) if it failed. */
function reportOf<T>(r: SpawnSyncReturns<string>, what: string): T | undefined {
  const line = r.stdout?.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{")) {
    process.stderr.write(`${what} failed:\n${r.stderr}\n`);
    return undefined;
  }
  return JSON.parse(line) as T;
}

function runMode(mode: string): Row[] {
  const rows: Row[] = [];
  for (const id of only ?? DEFAULT_IDS[mode] ?? []) {
    const make = WORKLOADS[id];
    if (!make) throw new Error(`unknown workload ${id}`);
    const spec = join(specDir, `${id}.json`);
    writeFileSync(spec, JSON.stringify(make()));
    const heavy = id.startsWith("W2-1");
    const r = spawnSync(
      process.execPath,
      // the V8 flags of bin/noetl.js's launcher line
      [
        "--max-semi-space-size=8",
        "--heap-growing-percent=50",
        "bench/workload-child.mjs",
        spec,
        String(heavy ? Math.min(runs, 2) : runs),
        mode,
      ],
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NOETL_LOG_LEVEL: "silent" } },
    );
    if (process.env.NOETL_BENCH_TRACE) process.stderr.write(`${mode} ${id}:\n${r.stderr}`);
    const row = reportOf<Row>(r, `${mode} ${id}`);
    if (!row) continue;
    rows.push(row);
    process.stderr.write(`${mode} ${id}: median ${fmt(median(row.times_ms))} ms\n`);
  }
  return rows;
}

/** Per workload, the round with the lowest median, with every round's median. */
function bestRounds(perRound: Row[][]): Row[] {
  const best = new Map<string, Row>();
  const medians = new Map<string, number[]>();
  for (const rows of perRound) {
    for (const r of rows) {
      medians.set(r.id, [...(medians.get(r.id) ?? []), median(r.times_ms)]);
      const b = best.get(r.id);
      if (!b || median(r.times_ms) < median(b.times_ms)) best.set(r.id, r);
    }
  }
  return [...best.values()].map((r) =>
    perRound.length > 1 ? { ...r, round_medians: medians.get(r.id) } : r,
  );
}

function table(mode: string, rows: Row[]): string {
  const withRounds = rows.some((r) => r.round_medians);
  const lines = [
    `| workload | median ms | min ms | max ms | peak RSS MB | events/step | bytes/step | target |${withRounds ? " rounds' medians |" : ""}`,
    `|---|---|---|---|---|---|---|---|${withRounds ? "---|" : ""}`,
  ];
  for (const r of rows) {
    const roundCell = withRounds ? ` ${(r.round_medians ?? []).map(fmt).join(" / ")} |` : "";
    lines.push(
      `| ${r.id} | ${fmt(median(r.times_ms))} | ${fmt(Math.min(...r.times_ms))} | ${fmt(Math.max(...r.times_ms))} | ${r.rss_mb.toFixed(0)} | ${r.events_per_step.toFixed(1)} | ${r.bytes_per_step.toFixed(0)} | ${TARGETS[mode]?.[r.id] ?? ""} |${roundCell}`,
    );
  }
  const byId = new Map(rows.map((r) => [r.id, median(r.times_ms)]));
  const derived: string[] = [];
  for (const [short, long, label] of [
    ["W1", "W1-10", ""],
    ["W1-noop", "W1-10-noop", ", noop tasks"],
  ] as const) {
    const t3 = byId.get(short);
    const t10 = byId.get(long);
    if (t3 !== undefined && t10 !== undefined)
      derived.push(`- marginal cost per step${label} (${long} − ${short}) / 7: ${fmt((t10 - t3) / 7)} ms`);
  }
  for (const id of ["W2", "W2-10k", "W2-100k"]) {
    const t = byId.get(id);
    const items = id === "W2" ? 1000 : id === "W2-10k" ? 10_000 : 100_000;
    if (t !== undefined) derived.push(`- ${id}: ${((t * 1000) / items).toFixed(0)} µs per item`);
  }
  const wp = byId.get("WP-1");
  const t3 = byId.get("W1");
  if (wp !== undefined && t3 !== undefined)
    derived.push(`- python vs javascript per task (WP-1 − W1) / 3: ${fmt((wp - t3) / 3)} ms`);
  return `${lines.join("\n")}\n\n${derived.join("\n")}\n`;
}

/** bench/machine-probe.mjs's reading: how fast the machine is right now. */
interface Probe {
  js_ms: number;
  write_us: number;
  wake_us: number;
}

function probeMachine(): Probe | undefined {
  const r = spawnSync(process.execPath, ["bench/machine-probe.mjs"], { encoding: "utf8" });
  return reportOf<Probe>(r, "machine probe");
}

function probeLine(probes: Array<Probe | undefined>): string {
  const cells = probes.map((p) =>
    p ? `${p.js_ms.toFixed(0)} / ${p.write_us.toFixed(1)} / ${p.wake_us.toFixed(0)}` : "—",
  );
  return `- machine probe before ${probes.length > 1 ? "each round" : "the run"} (\`bench/machine-probe.mjs\`: fixed JavaScript ms / one 4 KiB write µs / a sleeping thread's round trip µs; higher is slower): ${cells.join("; ")}\n`;
}

const perMode = new Map<string, Row[][]>(modes.map((m) => [m, []]));
const probes = new Map<string, Array<Probe | undefined>>(modes.map((m) => [m, []]));
for (let round = 1; round <= rounds; round++) {
  if (rounds > 1) process.stderr.write(`round ${round} of ${rounds}\n`);
  for (const mode of modes) {
    const probe = probeMachine();
    if (probe) process.stderr.write(`${mode} machine probe: ${JSON.stringify(probe)}\n`);
    probes.get(mode)?.push(probe);
    perMode.get(mode)?.push(runMode(mode));
  }
}
const sections: string[] = [];
for (const mode of modes) {
  const text = `${table(mode, bestRounds(perMode.get(mode) ?? []))}${probeLine(probes.get(mode) ?? [])}`;
  process.stdout.write(`\n## ${mode}\n\n${text}`);
  sections.push(`## Results (${mode})\n\n${text}`);
}

if (!args.includes("--no-write") && !only && modeArg === "all") {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const machine = `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;
  const doc = `# Benchmarks

Run with \`npm run bench -- --mode all\` (this file), \`npm run bench\` (embedded only) or
\`npm run bench -- --only W1,W2 --mode distributed\`; \`npm run bench:templates\` measures the template
engine alone; \`NOETL_BENCH_TRACE=1 npm run bench -- --only W1 --no-write\` prints, for a chain, the
median time of each hop of an execution (commits, reports, channel calls, javascript tasks). Each workload runs in its own process, on the compiled build (\`npm run build\`, what
\`noetl\` runs): warm-up runs for at least 2 s, then ${runs} timed runs (2 for the 10k/100k loops); the tables show the median, min and max per execution (W1: per execution of
100 in a row; W3: the batch of 10), the process's peak RSS, and the events and bytes written per
step. Every step is durable: its events are committed (SQLite WAL with synchronous=NORMAL, or
PostgreSQL) before the next step is dispatched. Under each table, \`bench/machine-probe.mjs\` gives how fast the machine was just before each round (fixed JavaScript, one 4 KiB write, a sleeping thread's round trip; tables made before 2026-12-07 have no such line).${
    rounds > 1
      ? `

This run made ${rounds} rounds of the whole list (\`--rounds ${rounds}\`); each row is the workload's round
with the lowest median, and the last column shows every round's median in order: on this shared
host a slow period lasts minutes and only ever adds time, so a single round can be slow from start
to end (whole runs an hour apart differed by 30–60 % on the same build).`
      : ""
  }

Machine: ${machine}.
${conditions}
## Workloads
- **W1**: 3-step chain, each step a \`javascript\` task returning \`{step, value: prev + 1}\`.
- **W1-10**: the same with 10 steps; marginal cost per step = (T10 − T3) / 7.
- **W1-noop / W1-10-noop**: W1 and W1-10 with \`noop\` tasks whose \`result\` template computes
  \`{step, value: prev + 1}\` (BENCHMARKS.md allows "javascript or noop+set"): the engine's own cost
  per step, durable commit included, without the worker-thread hop of \`javascript\`.
- **W2**: loop over 1,000 items, \`mode: parallel\`, \`max_in_flight: 50\`, each returns \`{i, doubled: 2i}\`, then a step sums the results.
- **W2-10k / W2-100k**: W2 with 10,000 / 100,000 items (scaling check: time per item must not grow).
- **W3 / W3-noop**: 10 × W1 (10 × W1-noop) started at once; wall time of the batch.
- **WP-1 / WP-2**: W1 and W2 with \`kind: python\` tasks (warm interpreter pool).
- **Distributed**: the server on PostgreSQL + NATS JetStream and two workers that reach it over
  its API (reports, requests for work and claims on each worker's channel, an upgraded connection;
  the rest over HTTP), all in the benchmark process (2 cores shared by PostgreSQL, NATS, server and
  workers).

${sections.join("\n")}
## Where the time goes (embedded, this machine)

Measured with CPU profiles (\`node --cpu-prof\`), \`perf\` and \`strace -c\` on the W1/W2 workloads:

- **The SQLite commit** (one per step, events + command + command status in one transaction):
  ~90 µs, ~40 µs of statements and ~50 µs to append its pages to the WAL (each page is a frame,
  two \`pwrite\` calls, and a system call costs ~5 µs on this virtual machine, 10× bare metal;
  \`perf\` shows the hypervisor's interrupt re-enable as the largest single item). Each page the
  commit changes is a frame, so the tables are shaped for appends (migration 2): an event's key is
  \`execution number << 32 | seq\`, so a chain's commit appends at the table's end, where SQLite
  adds a page, and commands are keyed by their snowflake's number (no separate index). The
  first layout (events \`WITHOUT ROWID\` on \`(execution_id, seq)\`, an index on \`command_id\`)
  wrote 7.8 frames per commit in W1-10 (\`strace\` of the WAL's frame headers): an index b-tree
  split re-balances three siblings and the parent, and with ~300-byte event rows that happened at
  almost every commit. Then 5.5 (the unique \`(execution_id, event_id)\` index the largest
  part, 1.6). A/B: W1 ~1.13 → ~0.98 ms, W1-10-noop ~2.36 → ~1.98 ms, W3 and W2 faster too.
  Migration 3 (2026-12-07) made the events' snowflake ids unique through \`event_key\`, a table
  keyed by the id's number, so claims append there too (a sorted index re-balanced three siblings
  every few commits: 1.86 frames per commit, mapped with \`dbstat\`), and a commit now writes
  the finished command's status before the new commands (a row growing on a page the new ones
  had just filled re-balanced it): 5.5 → 4.5 frames per commit in W1-10 (command 1.3, event 1.3,
  \`event_key\` 1.0, the header page when the file grows 0.34, the execution's rows at its start
  and end the rest). The claims are one more statement (~2 µs): a chain of commits through the
  store alone went 70 → 66 µs per commit (median; mean 98 → 91, the fastest tenth 53 → 55),
  W1-10-noop ~2 % (A/B, four alternating runs). WAL
  checkpoints run on a background thread (\`src/store/sqlite/background-checkpointer.ts\`);
  inline, they added ~50 µs per commit. Each frame was two writes, its 24-byte header and its page
  (~9 \`pwrite\` calls per chain step, ~13 µs for four frames in C on this machine against ~2.5 µs as
  one call): since 2026-12-07 a VFS shim (\`src/store/sqlite/native/wal-coalesce.c\`, compiled at
  install, loaded as SQLite's default VFS) holds a WAL file's appends and writes them in one call
  when the frame carrying the commit mark is complete. Alternating runs: W1-10 2.67 → 2.50 ms, W1
  ~10 % faster (a slow period of the machine: both above the 12-03 tables).
- **The javascript task**: a round trip to a worker thread (DECISIONS 35: code runs in a worker
  thread). On this virtual machine the cost is the idle CPU's wake-up, not the message: a
  \`postMessage\` to a thread that is busy costs ~1 µs, to one asleep 25–150 µs for the waker,
  and the round trip 100–500 µs the longer the other CPU has been idle (its vCPU halts). The pool
  therefore hands a thread several short tasks per message (W2), and a thread whose line runs
  empty polls for its next task for up to 1 ms (an atomic counter; one thread of the process at
  a time, only after tasks that were all its pool had to do, so it never takes a CPU from
  threads with work, and only when its last wait was under 0.5 ms) before it sleeps, so a chain's next task finds it awake (round trip ~35–65 µs; W1 went
  from ~1.3 to ~1.0–1.1 ms). The main thread still sleeps while it waits for the reply. Whether
  a thread polls is decided by the pool from the wait it measures (reply to next post): measured
  by the thread, the wait included the thread's own wake-up, and after one long pause, slow
  wake-ups could keep it above the limit for good. (Two full benchmark runs had W1 at 2.8–5 ms
  in every timed run, one of them after this change; W1 alone did not reproduce it. Both followed
  SQLite-heavy experiments; W1 slows to 1.4–2.5 ms while 1.5 GB is written back to the disk, so
  that is the likelier cause.) In W1 on this machine the pool's round trip is
  ~45–55 µs (post → thread 12 µs, reply → main ~30 µs); without polling ~115 µs. Keeping the main
  thread awake for the reply (\`setImmediate\`) cut reply → main to ~21 µs but did not move W1.
- **Engine, orchestrator and worker pipeline**: ~90 µs per step (noop tool, in-memory store).
- **Memory**: the live heap stays small (~14 MB in the middle of W2-10k); the peak is garbage
  that V8 lets accumulate, plus ~10 MB per thread (two javascript threads, the checkpointer).
  \`noetl\` and the benchmark run with \`--max-semi-space-size=8 --heap-growing-percent=50\`: the
  old generation grows by half its live size between major collections instead of up to 4×
  (W2 ~131 MB instead of ~163, W2-100k ~172 MB instead of ~237; major GC time 105 → 392 ms
  over a 100k run, total GC time unchanged at ~2.4 s). Earlier tables showed W2-100k at
  ~394 MB: that peak was the benchmark's own statistics reading the whole 200k-event log.

So a W1 step costs ~0.17–0.25 ms here, of which ~0.09 ms is the durable commit and ~0.07 ms the
thread hop of a javascript task. With \`noop\` tasks (which BENCHMARKS.md allows for W1) W1 meets
its target (0.57–0.75 ms) and so does the marginal step (0.16–0.19 ms); with \`javascript\` tasks
W1 is at it (0.93–1.07 ms in quiet runs, more in slow periods) and the marginal step is not
(0.22–0.25 ms). W2's time and memory, W2-100k, W3 and the python overhead are met.

Two full runs on 2026-12-07 (three rounds each, 13:13–13:36 and 13:49–14:06 UTC, after the
SQLite change above) came out slower than the tables here nearly everywhere, the code unchanged
but for that: embedded W2-100k 11.7 and 10.0 s, W3 7.6 and 4.8 ms, the javascript marginal step
0.230 and 0.234 ms (noop 0.205 and 0.177), W1 1.13 and 1.10 ms; distributed W1 6.7 and 5.3 ms,
W3 41.8 and 39.1 ms, marginal step 1.20 and 1.66 ms. The build of the day before measured the
same in alternating runs between and after them (W2-10k 1.14–1.27 s before the change, 1.15–1.24
s after; W3 4.75–4.97 ms and 4.73–4.90; W2-100k 9.4–12.4 s and 9.8–11.8 s; the distributed rows do
not touch SQLite at all): those runs measured the machine, and the tables here are from a quieter
evening. The second run's machine probes (embedded rounds: JavaScript 68 / 72 / 108 ms, a 4 KiB
write 3.2 / 3.0 / 4.2 µs, a sleeping thread's round trip 64 / 48 / 125 µs) show its third round's
slow period; its first two looked ordinary yet were slow too, so the probe catches only part of it.
A third full run that day (15:14–15:37 UTC, after the WAL shim, probes 71–75 ms / 3.1–4.2 µs /
52–99 µs: quiet readings) had the chain rows better than the tables here (W1 0.964 ms, W1-10
2.472, W1-noop 0.596, W1-10-noop 1.658: marginal steps 0.215 and 0.152 ms) and every row with
concurrency worse: embedded W3 7.08 ms, W2 85.7 ms, W2-100k 9.44 s (94 µs per item, flat from
10k), and the distributed rows, which use neither SQLite nor the shim, 1.2–1.9× slower (W1
6.50 ms, W3 50.8 ms, W2 250 ms, W2-100k 23.6 s, marginal step 1.46 ms). Alternating runs with
the shim on and off (\`NOETL_SQLITE_WAL_COALESCE=0\`) right after it found no cost to W3 or W2
(W3 on 7.4 / 4.7 / 5.5 / 6.9 ms, off 8.5 / 8.5 / 6.4 / 3.7; W2 over 25 runs on 144 / 88 / 87 ms,
off 141 / 135 / 92): the concurrent rows measured the host again, so the tables stay.

## Where the time goes (distributed, this machine)

Measured on the W1-10 chain with timestamps at each hop, PostgreSQL's statement log, CPU
accounting from \`/proc\` and CPU profiles:

- **CPU accounting of W3** (2026-12-07, \`/proc/<pid>/task/*/schedstat\` over the timed runs, a
  slow period): per batch of ten executions (~36 ms), the Node main thread ran 20 ms and waited
  10 ms to run, V8's background threads ran 11.6 ms (in \`perf\`, half TurboFan compiling
  functions that became hot late or were deoptimised by a new socket's shape, half concurrent
  marking and parallel scavenges), the javascript threads 3.9 ms, PostgreSQL 19 ms (its
  backends, ~40 % of it in the kernel), 79 % of both CPUs busy. In the main thread's CPU profile
  the PostgreSQL socket writes (~0.3–0.55 ms each) and the \`postMessage\` to a javascript thread
  (~0.1 ms) look expensive: most likely the process or thread they wake runs on the writer's own
  vCPU and preempts it (this VM's kernel sets \`kernel.sched_vcpu_pack\`; the main thread's 10 ms
  of waiting), so that time is largely the other side's work. The batch is CPU-bound: reaching 20 ms needs about a third less CPU in all three.
- **A step crossed about ten messages** (before the hand-off below): the worker's report (HTTP request and reply), the commit
  (one PostgreSQL round trip: the \`commit_batch\` function, then the WAL flush), the notice (NATS
  publish, JetStream ack, delivery, the worker's ack) and the claim (HTTP request and reply, one
  PostgreSQL \`UPDATE\`). In a chain one step took ~4 ms: commit round trip 1.2–1.5 ms (function
  ~0.65 ms, WAL flush ~0.6 ms), notice 0.4 ms, claim 0.6–1 ms, task 0.4 ms, report 0.2–0.4 ms,
  engine 0.1 ms. Work that arrives after an idle gap costs more here: the same commit takes
  0.7 ms of backend CPU and 1.8 ms wall after a 3 ms pause, 0.4 ms and 1.15 ms back to back
  (wake-up and cold caches on this virtual machine), which a chain of single steps always pays.
- **CPU per step** (one chain): Node (server and both workers) ~4.5 ms, of which 3.8 ms user;
  PostgreSQL ~1.3 ms; NATS ~0.7 ms. Every message costs 0.2–0.4 ms of JavaScript on this virtual
  machine (undici, fastify, pg, the NATS client). W2 and W3 are CPU-bound on the two cores (W3:
  1.6 cores busy).
- **Hand-off**: a remote worker's report asks for one command it causes; the server commits
  that command already claimed for the worker (same transaction, \`commit_batch_claim\`) and
  answers it with the report instead of announcing it, and the worker runs it next in the same
  slot. A chain's step then crosses about five messages instead of ten (no notice, no claim
  request, no claim statement); a loop's iterations hand each other over the same way. Measured
  A/B on this machine (three alternating runs each, medians): W1 12–16 → 10–21 ms (noise),
  W1-10 28–43 → 24–29 ms, W2 0.64–0.69 → 0.35–0.51 s; W3 moved within the noise (55–74 ms).
- **Requests for work**: each remote worker keeps one request for work waiting on the server
  (\`POST /api/commands/next\`, in one of its slots); a command that no report takes over (a new
  execution's first step) is committed already claimed for the worker that asked last and
  answered to it, so the first step skips the notice and the claim as the later steps skip them
  through the hand-off. Measured A/B (three alternating runs each, medians): W1 8.2–9.0 →
  6.6–7.1 ms, W1-noop 6.6–7.4 → 5.2–6.3 ms; W3 within the noise then. Since the leaner commit
  function below, a worker keeps up to four requests (half its slots at most; the commands of one
  decision go to different workers first): ten executions started together mostly reach the
  workers in their commits' replies instead of through NATS and a claim. A/B (three alternating
  runs, medians): W3-noop 28–30 → 23–27 ms, W1 unchanged.
- **One W1-noop execution, hop by hop, before the worker channel** (medians of 200, timestamps in
  an instrumented copy of the benchmark process; ~6.7 ms with the instrumentation): the \`execute\` commit (0.83 ms), the
  answer to the waiting request reaching the worker (0.34 ms), then per step: the report reaching
  the server 0.33 ms (undici and the loopback 0.18 ms, body parsing and validation 0.15 ms), the
  decision 0.11 ms, the commit 0.93–1.24 ms, the reply reaching the worker 0.2 ms, the task
  0.06 ms. The four commits are ~63 % of the time. Of a commit's ~1 ms, PostgreSQL logs 0.32 ms
  for bind and execute (\`log_min_duration_statement\`), the parameters cost Node 25 µs, and the
  WAL flush ~0.35–0.4 ms (the same run with \`synchronous_commit=off\`, as a diagnostic only:
  0.63–0.72 ms per commit); a bare \`INSERT\` with its flush takes 0.23–0.29 ms here, \`SELECT 1\`
  0.10–0.14 ms. So W1 ≤ 5 ms would need each durable commit near 0.6 ms, or fewer than four per
  execution, which one commit per step plus the start does not allow.
- **Before the requests for work** (same method): the worker had the notice 1.15 ms after
  \`execute\` started (the commit 0.7 ms, then the NATS publish and delivery) and held the claim at
  2.07 ms (HTTP request and a lease \`UPDATE\`); each step took ~1.8 ms with javascript tasks. The
  thread hop costs ~0.4 ms per step here (W1-10-noop's marginal step is ~0.4–0.5 ms below
  W1-10's): the worker's thread sleeps between steps (the next task comes ~1.5 ms later, beyond
  its 1 ms poll), so every task wakes an idle CPU (\`postMessage\` alone costs the main thread
  0.05–0.12 ms) and every reply wakes the main thread again.
- **CPU**: Node's main thread (the server and both workers share it in the benchmark) spends
  ~3.5 ms per W1 execution and ~0.85 ms per W1-10 step; socket writes are its largest item
  (~20 %: ~20 \`writev\` calls per execution at ~30 µs each on this virtual machine). In W3,
  \`/proc\` accounting over 4 s shows Node at 0.64 of a core and PostgreSQL at ~0.65 (~2 ms of
  backend CPU per execution: four commits, a claim, a read), with \`writev\` to the PostgreSQL
  connections 28 % of Node's busy time: a batch of ten needs ~40 ms of CPU on two cores.
- **Tried and measured**: workers in processes of their own (as \`noetl worker start\` runs them)
  instead of in the benchmark process: W1 8.4 ms instead of 7.0, W3 unchanged, so the benchmark
  keeps them in process. A handed-off command inserted already claimed (migration 4) instead of
  inserted and then updated: function time per chain commit 0.33 → 0.24 ms, wall time within
  the noise.
- **W3 is bound by CPU**: \`process.cpuUsage()\` over 50 batches of W3-noop gave ~29.5 ms of
  Node CPU per batch of ten (server and both workers in the benchmark process) for a 32 ms batch:
  one core busy all along, PostgreSQL on the other. \`strace\` counts 13 socket writes and 13
  reads per W1-noop execution (four commits, three reports and their replies, the request for work
  and its answer). In the CPU profile, the \`writev\` under \`pg\`'s query submission was ~28 % of
  Node's busy time: on two cores, the write that wakes a PostgreSQL backend lets it run in
  Node's place, so each commit costs the process far more than its own work.
- **Commits together**: commits made while another is on its way go to PostgreSQL in one
  statement, one call of the commit function per batch (one round trip, transaction and WAL
  flush; a group that fails is sent again batch by batch, so a refused or failing batch fails
  alone). Measured A/B (three alternating runs each, medians): W3 35–42 → 32–37 ms, W3-noop
  32–35 → 24–28 ms, W1 unchanged (a commit with nothing in flight goes at once, alone).
- **A leaner commit function** (migration 5): timed inside PostgreSQL with \`clock_timestamp()\`
  between its statements, a chain step's commit spent ~20 µs locking the execution row (read
  twice under the optimistic check), ~20 µs checking its four events one lookup each, ~25 µs
  inserting them, ~13 µs advancing \`last_seq\`, ~35 µs inserting the next command (joins of
  arrays for one row) and ~37 µs updating the finished one (a distinct count first). Now the row
  is read once and written once with its state, the events are checked in one statement, and one
  command or one status change skips the joins: ~150 → ~120 µs per commit (\`EXPLAIN ANALYZE\`,
  replaying recorded commits in a loop, interleaved with the old function). That is PostgreSQL
  CPU, which on two cores W3 waits for: A/B W3-noop 36–38 → 26–29 ms, W3 49–51 → 36–50 ms; W1
  unchanged (its time is the commits' round trips and WAL flushes, not the function).
- **The worker channel** (2026-12-03): timestamps at each hop of distributed W1 showed the HTTP
  requests, not their CPU, as the cost: the report reached the server 0.24–0.27 ms after the
  worker sent it and the answer came back 0.18 ms after the server sent it, where a line on an
  open socket takes ~0.02 ms each way (a loop of 1 KB requests with 1.5 ms pauses: undici +
  fastify ~0.1–0.17 ms each way whichever client, node:http or undici's Agent or Client; fastify's
  \`inject\` as slow). A worker now opens one connection (an HTTP Upgrade on the API's port) and
  sends its reports, requests for work and claims on it as JSON lines, answered as the routes
  answer. Per step now: report → server 0.12 ms, answer → worker 0.07–0.09 ms. A/B (three
  alternating runs, medians): W1 7.4–8.5 → 5.9–6.2 ms, W1-noop 5.7–7.2 → 4.1–4.8 ms, W3-noop
  25–37 → 26–33 ms (noise), W2 unchanged. The last session's verdict on such a channel counted
  its CPU only (~5 % of a step) and missed the latency.
- **A javascript thread's polling, distributed**: with the channel, a step's report round trip
  (~1 ms) came close to the 1 ms a thread polls after its tasks, so threads often polled through
  the commit they were waiting for and took the CPU PostgreSQL needed (W1 8 ms in one full run,
  slower than python's WP-1). A thread now polls only when its previous wait was at most half the
  polling time: A/B distributed W1 5.8 → 5.5 ms, embedded unchanged. Polling 1.6 ms (through the
  whole commit): W1 5.9–6.5 → 7.9 ms, W1-10 17 → 24 ms.
- **One W1 execution now, hop by hop** (javascript tasks, medians of ~350, instrumented copy;
  ~5.0 ms with the instrumentation): the \`execute\` commit 0.5 ms, the answer to the waiting
  request 0.1 ms, then per step ~1.45 ms: the task 0.18–0.25 ms (the thread sleeps between steps:
  its wake-up), the report reaching the server 0.12 ms, validation 0.035 ms, the decision 0.09 ms,
  the commit 0.78–0.85 ms, the answer 0.07–0.09 ms. Inside PostgreSQL the commit function runs
  ~0.25 ms per call (\`track_functions\`, cold after the idle gap); with
  \`synchronous_commit=off\` (diagnostic only) the commit is still 0.65–0.78 ms; a bare durable
  \`INSERT\` after a 1.5 ms pause takes 0.34 ms and \`pg_test_fsync\` gives ~120 µs per flush.
- **W3 now**: \`perf\` over 4 s of W3-noop batches: 27 % of the two CPUs idle, Node 40 %, PostgreSQL
  28 % (a flat profile: executor, b-tree, array and JSON input; no single cost), NATS 3 %. Over
  400 batches the median is ~22 ms (9 batches after the 2 s warm-up: 25–35 ms); PostgreSQL uses
  ~16 ms of CPU per batch of ten executions (~0.3 ms per commit with its flush), Node's main
  thread ~9 ms. W3 ≤ 20 ms needs less CPU per commit on both sides.
- **Socket writes, W3** (2026-12-03, evening): a CPU profile of W3-noop's process (server and
  both workers) shows \`writev\`/\`write\` as ~23 % of the main thread's busy time, and \`perf\`
  shows the hypervisor's interrupt re-enable (system calls and the wake-ups they cause) as ~28 %
  of PostgreSQL's samples: each write wakes the other end, tens of microseconds here. The
  channel's lines written in one turn of the event loop now leave in one write (the socket is
  corked until \`process.nextTick\`): a worker's four requests for work, or the answers of one
  group commit to the same worker. Channel writes per W3-noop batch 36 → 26 (\`strace\`, 41
  batches); A/B W3-noop (three alternating runs, medians) 37–42 → 26–37 ms, W1 unchanged.
- **Claims' plans** (2026-12-03, night): \`pg_stat_user_tables\` over W3-noop showed ~1.2
  sequential scans of the execution table per batch, each reading every execution stored so far.
  The store runs each statement as a named prepared statement, which PostgreSQL plans
  generically after five calls and keeps until the tables are analysed again; the generic plan of
  the multi-command claim, made while the tables were small, hash-joined the whole execution
  table. The connections that claim and renew leases now run with \`enable_seqscan=off\` (they
  only look rows up by key; a test checks both claims' generic plans). A/B W3 moved within the
  noise, but the scan grew with every execution stored.
- **CPU per W3 batch** (\`process.cpuUsage()\` and \`/proc\`, 50–200 batches, 2026-12-03 night): Node
  15–19 ms of user CPU (server and both workers share one main thread), PostgreSQL 12–15 ms, for
  21–26 ms of wall time: both cores ~70 % busy, the main thread ~75 %. In Node's CPU profile
  \`pg\`'s query submission is ~32 % of the busy time, almost all of it the \`writev\` that wakes a
  backend (on two busy cores the woken backend takes the CPU), the parameters' serialisation
  ~7 % (the JSON payloads are escaped into array literals), the rest spread over the channel,
  validation, the engine and the worker (none above ~6 %). Holding the next group of commits
  until the one in flight returns (one statement at a time): PostgreSQL 12 → 10 ms per batch,
  wall time 21.4 → 22–23 ms: not taken.
- **Waking a javascript thread ahead of its next task** (distributed chain, 2026-12-03 night): the
  thread slept through its previous wait less a lead (\`Atomics.wait\`, notified on a post), then
  polled. A/B W1 4.1–5.0 → 5.5–6.6 ms with leads of 100–500 µs. A chain's waits differ (an
  execution's first task waits for the previous execution's end and the next start), the timed
  sleep overshot by ~130 µs, and about two polls in three ran their whole 1 ms without a task,
  taking a CPU the commit needed: not taken.
- **Levers not taken**: a worker thread polling across the report's round trip (~1.5 ms of a CPU
  per step on two shared cores; measured slower); keeping the event loop awake (\`setImmediate\`)
  while a lone commit is on its way, which a replay shows saves 50–130 µs per commit after an idle
  gap (a commit takes ~0.55 ms back to back, ~0.7–0.85 ms after 1 ms idle: wake-ups), but moved
  W1 within the noise and burns a CPU; the same for the main thread awaiting a javascript reply
  (reply → main 29 → 21 µs, W1 unchanged).
- **Done so far**: the whole commit is one call of a PL/pgSQL function (one round trip, one WAL
  flush); its plans never scan a table (a generic plan made while the event table was small
  scanned it whole at every commit, 3× slower commits that grew with the log); a replica that
  holds an execution's state commits without the advisory lock (checked in the same statement);
  claims and lease renewals skip the WAL flush (they are leases, see docs/deployment.md); the
  claims, and the reports, a worker makes in one turn go in one request, and the claims in one
  \`UPDATE\`; a claim names the executions whose info the worker already holds, so the reply
  leaves it out (W2's claim replies carried the 1,000-item workload with every iteration,
  ~25 KB each; W2 went from ~0.8 to ~0.55–0.7 s); the hand-off, the requests for work, the
  commits together and the worker channel above.

## Targets and peers (from BENCHMARKS.md)
| workload | target embedded | target distributed | NoETL Python + PG | DBOS + PG | BullMQ + Redis | n8n |
|---|---|---|---|---|---|---|
| W1 per execution | ≤ 1 ms | ≤ 5 ms | 17.7 ms | 8.2 ms | 3.0 ms | 63 ms |
| W1-10 marginal step | ≤ 0.2 ms | ≤ 1.5 ms | | | | |
| W2 (1,000) | ≤ 0.15 s, ≤ 150 MB | ≤ 0.5 s | 13.5 s | 5.3 s | 0.38 s | 0.55 s |
| W2-100k | ≤ 10 s, ≤ 400 MB, linear | ≤ 30 s | | | | |
| W3 | ≤ 10 ms | ≤ 20 ms | 118 ms | 56 ms | 18 ms | 440 ms |
| python task overhead | ≤ 2 ms | ≤ 3 ms | | | | |
`;
  writeFileSync("docs/benchmarks.md", doc);
  process.stderr.write("wrote docs/benchmarks.md\n");
}
rmSync(specDir, { recursive: true, force: true });

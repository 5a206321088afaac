/**
 * `npm run bench [-- --mode embedded|distributed|all] [--only W1,W2] [--runs 5] [--rounds 1]
 * [--no-write] [--conditions notes.md]`: runs each workload in its own process (peak RSS is per
 * workload), prints one table per mode and, for a full run, writes docs/benchmarks.md: the text of
 * bench/benchmarks.template.md with the tables (bench/render-doc.ts), and the `--conditions` file's
 * text, what the person running it observed, under the machine line. Edit the prose there (and in
 * docs/benchmarks.md when its tables are kept).
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
import { renderDoc } from "./render-doc.ts";
import { WORKLOADS } from "./workloads.ts";

interface Row {
  id: string;
  mode: string;
  times_ms: number[];
  rss_mb: number;
  events_per_step: number;
  bytes_per_step: number;
  /** CPU per execution over the timed runs: the workload's process, and the whole machine. */
  cpu_ms: number;
  host_cpu_ms?: number;
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
    `| workload | median ms | min ms | max ms | CPU ms process / host | peak RSS MB | events/step | bytes/step | target |${withRounds ? " rounds' medians |" : ""}`,
    `|---|---|---|---|---|---|---|---|---|${withRounds ? "---|" : ""}`,
  ];
  for (const r of rows) {
    const roundCell = withRounds ? ` ${(r.round_medians ?? []).map(fmt).join(" / ")} |` : "";
    lines.push(
      `| ${r.id} | ${fmt(median(r.times_ms))} | ${fmt(Math.min(...r.times_ms))} | ${fmt(Math.max(...r.times_ms))} | ${fmt(r.cpu_ms)} / ${r.host_cpu_ms === undefined ? "—" : fmt(r.host_cpu_ms)} | ${r.rss_mb.toFixed(0)} | ${r.events_per_step.toFixed(1)} | ${r.bytes_per_step.toFixed(0)} | ${TARGETS[mode]?.[r.id] ?? ""} |${roundCell}`,
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
  const doc = renderDoc({ runs, rounds, machine, conditions, results: sections.join("\n") });
  writeFileSync("docs/benchmarks.md", doc);
  process.stderr.write("wrote docs/benchmarks.md\n");
}
rmSync(specDir, { recursive: true, force: true });

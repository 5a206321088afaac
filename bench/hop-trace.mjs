/**
 * A diagnostic for the chain workloads (W1, W1-10 and their noop variants): timestamps at each hop
 * of an execution — `execute`, the store's commits, the server's reports, the worker's reports and
 * requests for work, the worker channel's calls, the javascript pool — and, after the timed runs,
 * the median time of each hop from the execution's start (and from the hop before), on stderr.
 * It wraps the compiled build's classes (dist/), so it measures what `noetl` runs, plus the
 * wrappers' own cost (a few µs per hop).
 *
 * Usage: NOETL_BENCH_TRACE=1 npm run bench -- --only W1 --mode distributed --no-write
 * (workload-child.mjs loads it when NOETL_BENCH_TRACE is set; run.ts prints its stderr).
 */
import { WorkerCalls } from "../dist/api/worker-calls.js";
import { RemoteControlPlane, WorkerChannel } from "../dist/client/index.js";
import { Orchestrator } from "../dist/orchestrator/index.js";
import { JsWorkerPool } from "../dist/tools/javascript/js-worker-pool.js";

/** [label, performance.now()] while recording. */
const marks = [];
let recording = false;

/** Marks `label>` when `name` is called and `label<` when its promise settles. */
function wrap(proto, name, label) {
  const original = proto[name];
  if (typeof original !== "function" || original.__traced) return;
  const traced = function (...args) {
    if (recording) marks.push([`${label}>`, performance.now()]);
    const result = original.apply(this, args);
    if (result && typeof result.then === "function") {
      const settled = () => {
        if (recording) marks.push([`${label}<`, performance.now()]);
      };
      result.then(settled, settled);
    }
    return result;
  };
  traced.__traced = true;
  proto[name] = traced;
}

wrap(Orchestrator.prototype, "execute", "execute");
wrap(Orchestrator.prototype, "waitFor", "waitFor");
wrap(Orchestrator.prototype, "report", "orchestrator.report");
wrap(WorkerCalls.prototype, "report", "channel.serve");
wrap(RemoteControlPlane.prototype, "report", "worker.report");
wrap(RemoteControlPlane.prototype, "next", "worker.next");
wrap(WorkerChannel.prototype, "call", "channel.call");
wrap(JsWorkerPool.prototype, "run", "javascript");

/** Wraps the commits of the store the workload's orchestrator uses (whichever store it is). */
export function traceStore(store) {
  const proto = Object.getPrototypeOf(store);
  wrap(proto, "commit", "store.commit");
  wrap(proto, "commitIfCurrent", "store.commitIfCurrent");
}

/** Starts recording (after the warm-up). */
export function start() {
  marks.length = 0;
  recording = true;
}

/**
 * Prints, per hop of an execution (its n-th mark), the median time since the execution's
 * `execute>` and since the hop before. Executions whose marks differ in number are left out.
 */
export function dump() {
  recording = false;
  const executions = [];
  for (const mark of marks) {
    if (mark[0] === "execute>") executions.push([]);
    executions.at(-1)?.push(mark);
  }
  if (executions.length === 0) return;
  const lengths = new Map();
  for (const e of executions) lengths.set(e.length, (lengths.get(e.length) ?? 0) + 1);
  const usual = [...lengths].sort((a, b) => b[1] - a[1])[0][0];
  const alike = executions.filter((e) => e.length === usual);
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  process.stderr.write(
    `hops of ${alike.length} of ${executions.length} executions (medians, ms since execute>, +since the hop before)\n`,
  );
  let before = 0;
  for (let i = 0; i < usual; i++) {
    const at = median(alike.map((e) => e[i][1] - e[0][1]));
    const labels = new Set(alike.map((e) => e[i][0]));
    process.stderr.write(
      `${[...labels].join("|").padEnd(28)} ${at.toFixed(3).padStart(8)}  +${(at - before).toFixed(3)}\n`,
    );
    before = at;
  }
}

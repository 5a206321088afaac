/**
 * A quick reading of how fast the machine is right now, printed as one JSON line:
 * - `js_ms`: a fixed piece of JavaScript (JSON round trips of a small object, the engine's daily
 *   bread), median of 7 runs;
 * - `write_us`: one 4 KiB `pwrite` (a SQLite WAL frame is two), median per call over 7 × 2,000;
 * - `wake_us`: a round trip to a worker thread that sleeps between messages (the hop of every
 *   javascript task), median of 200.
 * `npm run bench` runs it before each round of each mode, so a slow period on a shared host shows
 * next to the workloads it slowed (the same build has measured 30–60 % apart an hour later).
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function jsMs() {
  const value = { step: "s3", value: 3, items: [1, 2, 3], nested: { name: "x", ok: true } };
  const times = [];
  for (let run = 0; run < 7; run++) {
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < 20_000; i++) n += JSON.parse(JSON.stringify({ ...value, i })).i;
    if (n < 0) throw new Error("unreachable");
    times.push(performance.now() - t0);
  }
  return median(times);
}

function writeUs() {
  const dir = mkdtempSync(join(tmpdir(), "noetl-probe-"));
  const fd = openSync(join(dir, "probe.bin"), "w");
  const page = Buffer.alloc(4096, 1);
  const times = [];
  try {
    for (let run = 0; run < 7; run++) {
      const t0 = performance.now();
      for (let i = 0; i < 2000; i++) writeSync(fd, page, 0, page.length, (i % 500) * 4096);
      times.push(((performance.now() - t0) * 1000) / 2000);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return median(times);
}

async function wakeUs() {
  const worker = new Worker(
    'require("node:worker_threads").parentPort.on("message", (m) => require("node:worker_threads").parentPort.postMessage(m));',
    { eval: true },
  );
  const times = [];
  try {
    for (let i = 0; i < 220; i++) {
      await new Promise((r) => setTimeout(r, 2)); // let the thread fall asleep
      const t0 = performance.now();
      await new Promise((resolve) => {
        worker.once("message", resolve);
        worker.postMessage(i);
      });
      if (i >= 20) times.push((performance.now() - t0) * 1000);
    }
  } finally {
    await worker.terminate();
  }
  return median(times);
}

const probe = { js_ms: jsMs(), write_us: writeUs(), wake_us: await wakeUs() };
process.stdout.write(`${JSON.stringify(probe)}\n`);

import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Options of {@link BackgroundCheckpointer}. */
export interface BackgroundCheckpointerOptions {
  /** The database file (WAL mode). */
  path: string;
  /** Pause between checkpoints while the WAL has frames to copy, ms (default 50). */
  intervalMs?: number;
  /** The `synchronous` setting of the checkpointing connection (as the writer's). */
  synchronous: string;
}

/**
 * The program of the checkpointing thread: its own connection to the file, a PASSIVE checkpoint
 * every `intervalMs` (never blocks the writer: it copies the frames no reader needs to the
 * database file and syncs it), closing on "close".
 */
const SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 0");
db.pragma("synchronous = " + workerData.synchronous);
db.pragma("wal_autocheckpoint = 0");
let timer;
const tick = () => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
  timer = setTimeout(tick, workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m !== "close") return;
  clearTimeout(timer);
  try { db.close(); } catch {}
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the committing thread. A checkpoint copies the WAL's pages into the
 * database file and syncs it; done inline (SQLite's auto-checkpoint) it stalls the commit that
 * crosses the threshold. Here a worker thread with its own connection checkpoints passively in
 * the background: commits only append to the WAL, which SQLite restarts from its beginning once
 * the checkpointer has copied it all. Durability is unchanged (the same `synchronous` setting;
 * a commit is durable once in the WAL, whoever copies it later).
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private closing?: Promise<void>;

  constructor(options: BackgroundCheckpointerOptions) {
    const module = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(SOURCE, {
      eval: true,
      execArgv: [],
      workerData: {
        module,
        path: options.path,
        intervalMs: options.intervalMs ?? 50,
        synchronous: options.synchronous,
      },
      stdout: false,
      stderr: false,
    });
    // a dead checkpointer only means checkpoints fall back to the writer's auto-checkpoint
    this.worker.on("error", () => {});
    this.worker.unref();
  }

  /** Stops the thread after its current checkpoint and closes its connection. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const done = () => resolve();
      this.worker.once("exit", done);
      this.worker.ref(); // keep the loop alive until the thread has closed its connection
      try {
        this.worker.postMessage("close");
      } catch {
        resolve();
      }
      // a thread stuck in a long checkpoint must not hold up shutdown
      setTimeout(() => void this.worker.terminate().then(done, done), 2000).unref();
    });
    return this.closing;
  }
}

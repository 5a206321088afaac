import { Worker } from "node:worker_threads";
import type { JsonObject } from "../../kernel/index.ts";
import { WORKER_SOURCE } from "./worker-source.ts";

/** What the thread reports for one task. */
export type JsReply =
  | { ok: true; value: unknown }
  | { ok: false; clone?: boolean; error: { name: string; message: string; stack: string } };

/** Why a task ended without a reply. */
export type JsFailure =
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "aborted"; reason: unknown }
  | { kind: "out_of_memory"; message: string }
  | { kind: "crashed"; message: string };

/** Thrown (rejected) by {@link JsWorkerPool.run} when a task ends without a reply. */
export class JsTaskFailure extends Error {
  readonly failure: JsFailure;
  constructor(failure: JsFailure) {
    super(failure.kind);
    this.name = "JsTaskFailure";
    this.failure = failure;
  }
}

export interface JsWorkerPoolOptions {
  size: number;
  maxOldGenerationSizeMb: number;
}

export interface JsTask {
  code: string;
  input: JsonObject;
  context: JsonObject;
  timeoutMs: number;
  signal: AbortSignal;
}

interface Job extends JsTask {
  id: number;
  resolve(reply: JsReply): void;
  reject(error: JsTaskFailure): void;
  onAbort(): void;
  timer?: NodeJS.Timeout;
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  job?: Job;
  dead: boolean;
}

/**
 * A lazily started pool of worker threads running {@link WORKER_SOURCE}. One task per thread at a
 * time; extra tasks queue. A thread that times out, is cancelled, runs out of heap or dies is
 * terminated and dropped; a fresh one starts when the next task needs it. Idle threads are
 * unref'ed so a forgotten pool does not keep the process alive.
 */
export class JsWorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: JsWorkerPoolOptions) {}

  /** Runs one task; resolves with the thread's reply or rejects with a {@link JsTaskFailure}. */
  run(task: JsTask): Promise<JsReply> {
    if (this.closed) return Promise.reject(new JsTaskFailure({ kind: "crashed", message: "pool is closed" }));
    if (task.signal.aborted)
      return Promise.reject(new JsTaskFailure({ kind: "aborted", reason: task.signal.reason }));
    return new Promise<JsReply>((resolve, reject) => {
      const job: Job = {
        ...task,
        id: this.nextId++,
        resolve,
        reject,
        onAbort: () => this.abort(job),
      };
      task.signal.addEventListener("abort", job.onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every thread; queued and running tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      this.settle(job, new JsTaskFailure({ kind: "crashed", message: "pool closed" }));
    const workers = [...this.slots].map((s) => {
      this.kill(s, { kind: "crashed", message: "pool closed" });
      return s.worker;
    });
    await Promise.allSettled(workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.idle.pop() ?? (this.slots.size < this.options.size ? this.spawn() : undefined);
      if (!slot) return;
      const job = this.queue.shift()!;
      this.start(slot, job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxOldGenerationSizeMb },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, dead: false };
    worker.on("message", (msg: JsReply & { id: number }) => this.onReply(slot, msg));
    worker.on("messageerror", (error: Error) =>
      this.kill(slot, { kind: "crashed", message: `unreadable reply: ${error.message}` }),
    );
    worker.on("error", (error: Error & { code?: string }) =>
      this.kill(
        slot,
        error.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? { kind: "out_of_memory", message: error.message }
          : { kind: "crashed", message: `${error.name}: ${error.message}` },
      ),
    );
    worker.on("exit", (code: number) =>
      this.kill(slot, { kind: "crashed", message: `worker exited with code ${code}` }),
    );
    worker.unref();
    this.slots.add(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    job.slot = slot;
    slot.worker.ref();
    job.timer = setTimeout(
      () => this.kill(slot, { kind: "timeout", timeoutMs: job.timeoutMs }),
      job.timeoutMs,
    );
    slot.worker.postMessage({ id: job.id, code: job.code, input: job.input, context: job.context });
  }

  private onReply(slot: Slot, msg: JsReply & { id: number }): void {
    const job = slot.job;
    if (!job || job.id !== msg.id || slot.dead) return;
    slot.job = undefined;
    slot.worker.unref();
    this.idle.push(slot);
    this.settle(job, msg);
    this.pump();
  }

  private abort(job: Job): void {
    const failure: JsFailure = { kind: "aborted", reason: job.signal.reason };
    if (job.slot) {
      this.kill(job.slot, failure);
      return;
    }
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    this.settle(job, new JsTaskFailure(failure));
  }

  /** Drops a thread (terminating it) and fails its current task, if any. */
  private kill(slot: Slot, failure: JsFailure): void {
    if (slot.dead) return;
    slot.dead = true;
    this.slots.delete(slot);
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    void slot.worker.terminate();
    const job = slot.job;
    slot.job = undefined;
    if (job) this.settle(job, new JsTaskFailure(failure));
    if (!this.closed) this.pump();
  }

  private settle(job: Job, outcome: JsReply | JsTaskFailure): void {
    if (job.timer) clearTimeout(job.timer);
    job.signal.removeEventListener("abort", job.onAbort);
    if (outcome instanceof JsTaskFailure) job.reject(outcome);
    else job.resolve(outcome);
  }
}

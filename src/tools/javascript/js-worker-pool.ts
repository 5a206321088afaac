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
  /**
   * Tasks handed to one thread ahead of time while it has a history of short tasks (default 8;
   * 1 disables pipelining). The thread runs them one after another; each task's timeout counts
   * from the moment it reaches the head of its thread's line.
   */
  depth?: number;
  /**
   * How long a thread whose line ran empty polls for its next task before sleeping, µs (default
   * 1000; 0 disables). It polls only after tasks that were all its pool had to do (a chain), if
   * its previous wait for work was at most half that long, and only one thread of the process
   * polls at a time. A chain of short tasks then skips the thread's wake-up. The wait is measured here, from
   * the reply to the next task's post: the thread's own measure included its wake-up, and once a
   * long pause had stopped it polling, slow wake-ups could keep it from ever polling again.
   */
  spinUs?: number;
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
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  /** Counts the messages posted to the thread (see WORKER_SOURCE's polling). */
  posted: Int32Array;
  /** Jobs posted to the thread, in the order it runs them; the first is (about to be) running. */
  jobs: Job[];
  dead: boolean;
  /** Timer of the head job's timeout. */
  timer?: NodeJS.Timeout;
  /** When the head job reached the head of the line (performance.now()). */
  headSince: number;
  /** Moving average of recent task durations on this thread, ms. */
  avgMs: number;
  /** When its line last ran empty (performance.now()). */
  idleAt: number;
}

/**
 * 1 while a javascript thread of this process polls for work (see
 * {@link JsWorkerPoolOptions.spinUs}): one at a time across every pool (a distributed process may
 * hold several workers, each with its pool), so polling never takes more than one CPU.
 */
const POLLING = new Int32Array(new SharedArrayBuffer(4));

/** Threads whose recent tasks average below this are given several tasks at once. */
const SHORT_TASK_MS = 2;

/**
 * A lazily started pool of worker threads running {@link WORKER_SOURCE}. Each thread runs its
 * tasks one at a time, in order; a thread with a history of short tasks is handed up to `depth`
 * tasks in one message, so it never waits for the main thread between them (the main thread is
 * often busy committing) and each hop costs one wake-up per batch rather than per task. A thread
 * that times out, is cancelled, runs out of heap or dies is terminated and dropped (the tasks
 * lined up behind its running one go back to the queue); a fresh thread starts when the next task
 * needs it. Idle threads are unref'ed so a forgotten pool does not keep the process alive.
 */
export class JsWorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly depth: number;
  private readonly spinUs: number;
  private nextId = 1;
  private closed = false;
  private pumpScheduled = false;

  constructor(private readonly options: JsWorkerPoolOptions) {
    this.depth = Math.max(1, options.depth ?? 8);
    this.spinUs = Math.max(0, options.spinUs ?? 1000);
  }

  /** Runs one task; resolves with the thread's reply or rejects with a {@link JsTaskFailure}. */
  run(task: JsTask): Promise<JsReply> {
    if (this.closed) return Promise.reject(new JsTaskFailure({ kind: "crashed", message: "pool is closed" }));
    if (task.signal.aborted)
      return Promise.reject(new JsTaskFailure({ kind: "aborted", reason: task.signal.reason }));
    return new Promise<JsReply>((resolve, reject) => {
      const job: Job = {
        code: task.code,
        input: task.input,
        context: task.context,
        timeoutMs: task.timeoutMs,
        signal: task.signal,
        id: this.nextId++,
        resolve,
        reject,
        onAbort: () => this.abort(job),
      };
      task.signal.addEventListener("abort", job.onAbort, { once: true });
      this.queue.push(job);
      this.schedulePump();
    });
  }

  /**
   * An idle pool starts the task at once; a busy one hands out the tasks submitted during this
   * turn of the event loop together (one message per thread rather than one per task).
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    let busy = false;
    for (const s of this.slots) if (s.jobs.length > 0) busy = true;
    if (!busy) {
      this.pump();
      return;
    }
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      if (!this.closed) this.pump();
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

  /** Hands queued jobs to threads: idle ones first, then short-task threads up to `depth`. */
  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.pick();
      if (!slot) return;
      const room = slot.avgMs < SHORT_TASK_MS ? this.depth - slot.jobs.length : 1;
      // share the queue between the threads rather than lining it all up on the first one
      const share = Math.ceil(this.queue.length / Math.max(1, this.options.size));
      this.post(slot, this.queue.splice(0, Math.max(1, Math.min(room, share))));
    }
  }

  /**
   * An idle thread (starting one if the pool has room), else the least loaded short-task thread
   * whose line has run down to half its depth (lines are refilled in chunks, one message each).
   */
  private pick(): Slot | undefined {
    let best: Slot | undefined;
    const refillAt = Math.max(1, Math.floor(this.depth / 2));
    for (const s of this.slots) {
      if (s.jobs.length === 0) return s;
      if (
        s.avgMs < SHORT_TASK_MS &&
        s.jobs.length < this.depth &&
        s.jobs.length <= refillAt &&
        (!best || s.jobs.length < best.jobs.length)
      )
        best = s;
    }
    if (this.slots.size < this.options.size) return this.spawn();
    return best;
  }

  private spawn(): Slot {
    const posted = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { spinUs: this.spinUs, gate: POLLING, posted },
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxOldGenerationSizeMb },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = {
      worker,
      posted,
      jobs: [],
      dead: false,
      headSince: 0,
      avgMs: 0,
      idleAt: Number.NEGATIVE_INFINITY,
    };
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

  private post(slot: Slot, jobs: Job[]): void {
    const wasIdle = slot.jobs.length === 0;
    const waitedUs = wasIdle ? (performance.now() - slot.idleAt) * 1000 : 0;
    for (const job of jobs) {
      job.slot = slot;
      slot.jobs.push(job);
    }
    if (wasIdle) {
      slot.worker.ref();
      this.startHead(slot);
    }
    // The thread may poll for its next task after these only if they are all the pool has to do
    // (a chain; when the pool is busier, polling would take a CPU from the threads doing work),
    // and if they came well within the polling time of its previous reply, in half of it (the
    // next will, likely). A wait close to the polling time — a distributed step's report round
    // trip, ~1 ms — would often have the thread poll through all of it, taking a CPU from the
    // server and the database it waits for: distributed W1 5.8 → 5.5 ms, 8 ms in a bad run.
    const poll =
      waitedUs <= this.spinUs / 2 &&
      this.queue.length === 0 &&
      slot.jobs.length === jobs.length &&
      this.othersIdle(slot);
    slot.worker.postMessage(
      jobs.map((job) => ({ id: job.id, code: job.code, input: job.input, context: job.context, poll })),
    );
    Atomics.add(slot.posted, 0, 1);
  }

  private othersIdle(slot: Slot): boolean {
    for (const s of this.slots) if (s !== slot && s.jobs.length > 0) return false;
    return true;
  }

  /** Arms the timeout of the thread's head job (it is running, or starts as soon as it arrives). */
  private startHead(slot: Slot): void {
    const head = slot.jobs[0];
    if (!head) return;
    slot.headSince = performance.now();
    slot.timer = setTimeout(
      () => this.kill(slot, { kind: "timeout", timeoutMs: head.timeoutMs }),
      head.timeoutMs,
    );
  }

  private onReply(slot: Slot, msg: JsReply & { id: number }): void {
    if (slot.dead) return;
    const i = slot.jobs.findIndex((j) => j.id === msg.id);
    if (i < 0) return; // a task cancelled while lined up, which the thread ran anyway
    const [job] = slot.jobs.splice(i, 1) as [Job];
    if (i === 0) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.avgMs = slot.avgMs * 0.75 + (performance.now() - slot.headSince) * 0.25;
      if (slot.jobs.length > 0) this.startHead(slot);
      else {
        slot.idleAt = performance.now();
        slot.worker.unref();
      }
    }
    this.settle(job, msg);
    this.pump();
  }

  private abort(job: Job): void {
    const failure: JsFailure = { kind: "aborted", reason: job.signal.reason };
    const slot = job.slot;
    if (!slot) {
      const i = this.queue.indexOf(job);
      if (i >= 0) this.queue.splice(i, 1);
      this.settle(job, new JsTaskFailure(failure));
      return;
    }
    if (slot.jobs[0] === job) {
      this.kill(slot, failure);
      return;
    }
    // lined up behind the running task: the thread skips it when it gets there
    const i = slot.jobs.indexOf(job);
    if (i >= 0) slot.jobs.splice(i, 1);
    slot.worker.postMessage({ cancel: job.id });
    Atomics.add(slot.posted, 0, 1);
    this.settle(job, new JsTaskFailure(failure));
  }

  /**
   * Drops a thread (terminating it) and fails its running task, if any; the tasks lined up
   * behind it never started and go back to the front of the queue.
   */
  private kill(slot: Slot, failure: JsFailure): void {
    if (slot.dead) return;
    slot.dead = true;
    this.slots.delete(slot);
    if (slot.timer) clearTimeout(slot.timer);
    void slot.worker.terminate();
    const [head, ...waiting] = slot.jobs;
    slot.jobs = [];
    for (const job of waiting) job.slot = undefined;
    this.queue.unshift(...waiting);
    if (head) this.settle(head, new JsTaskFailure(failure));
    if (!this.closed) this.pump();
    else for (const job of this.queue.splice(0)) this.settle(job, new JsTaskFailure(failure));
  }

  private settle(job: Job, outcome: JsReply | JsTaskFailure): void {
    job.signal.removeEventListener("abort", job.onAbort);
    if (outcome instanceof JsTaskFailure) job.reject(outcome);
    else job.resolve(outcome);
  }
}

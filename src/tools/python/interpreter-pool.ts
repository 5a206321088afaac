import { type ChildProcess, spawn } from "node:child_process";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { type Json, type JsonObject, LineSplitter } from "../../kernel/index.ts";

/** The runner script every interpreter runs (`python -u runner.py`). */
const RUNNER = fileURLToPath(new URL("./runner.py", import.meta.url));
/** Bytes of stray fd 1/2 output kept per interpreter, for crash messages. */
const STRAY_TAIL = 4096;
/** How long to wait for the last stderr bytes of an interpreter that exited. */
const EXIT_GRACE_MS = 200;

/** One task as sent to the runner (see runner.py). */
export interface PyRequest {
  code: string;
  filename: string;
  inputs: JsonObject;
  context: JsonObject;
  libs: JsonObject;
  memory_mb?: number;
  max_output: number;
}

/** The runner's reply to one task. */
export type PyReply = { id: number; stdout: string; stderr: string } & (
  | { ok: true; result: Json }
  | { ok: false; error: { type: string; message: string; traceback: string } }
);

/** Why a task ended without a reply. */
export type PyFailure =
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "aborted"; reason: unknown }
  | { kind: "crashed"; message: string };

/** Rejection of {@link PythonInterpreterPool.run} when a task ends without a reply. */
export class PyTaskFailure extends Error {
  readonly failure: PyFailure;
  constructor(failure: PyFailure) {
    super(failure.kind === "crashed" ? failure.message : failure.kind);
    this.name = "PyTaskFailure";
    this.failure = failure;
  }
}

export interface PythonInterpreterPoolOptions {
  python: string;
  size: number;
}

interface Job {
  id: number;
  line: string;
  timeoutMs: number;
  signal: AbortSignal;
  resolve(reply: PyReply): void;
  reject(error: PyTaskFailure): void;
  onAbort(): void;
  timer?: NodeJS.Timeout;
  interp?: Interpreter;
}

interface Interpreter {
  child: ChildProcess;
  protocol: Socket;
  /** The protocol socket's replies, a JSON document per line. */
  lines: LineSplitter;
  stray: string;
  job?: Job;
  dead: boolean;
}

/**
 * A lazily started pool of warm python interpreters running `runner.py`: JSON-line requests on
 * stdin, replies on fd 3 (user output never touches the protocol). One task per interpreter at a
 * time; extra tasks queue. An interpreter that times out or is cancelled is killed (its whole
 * process group) and a warm replacement started; one that crashes is dropped and replaced on the
 * next task. Idle interpreters are unref'ed so a forgotten pool does not keep the process alive.
 */
export class PythonInterpreterPool {
  private readonly all = new Set<Interpreter>();
  private readonly idle: Interpreter[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: PythonInterpreterPoolOptions) {}

  /** Runs one task; resolves with the runner's reply or rejects with a {@link PyTaskFailure}. */
  run(request: PyRequest, timeoutMs: number, signal: AbortSignal): Promise<PyReply> {
    if (this.closed)
      return Promise.reject(new PyTaskFailure({ kind: "crashed", message: "python pool is closed" }));
    if (signal.aborted) return Promise.reject(new PyTaskFailure({ kind: "aborted", reason: signal.reason }));
    return new Promise<PyReply>((resolve, reject) => {
      const id = this.nextId++;
      const job: Job = {
        id,
        line: `${JSON.stringify({ id, ...request })}\n`,
        timeoutMs,
        signal,
        resolve,
        reject,
        onAbort: () => this.abort(job),
      };
      signal.addEventListener("abort", job.onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Kills every interpreter; queued and running tasks fail. */
  close(): Promise<void> {
    this.closed = true;
    const closed: PyFailure = { kind: "crashed", message: "python pool closed" };
    for (const job of this.queue.splice(0)) this.settle(job, new PyTaskFailure(closed));
    for (const interp of [...this.all]) this.kill(interp, closed);
    return Promise.resolve();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const interp = this.idle.pop() ?? (this.all.size < this.options.size ? this.spawn() : undefined);
      if (!interp) return;
      this.start(interp, this.queue.shift()!);
    }
  }

  private spawn(): Interpreter {
    const child = spawn(this.options.python, ["-u", RUNNER], {
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      detached: true,
      env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8" },
    });
    const protocol = child.stdio[3] as Socket;
    const interp: Interpreter = { child, protocol, lines: new LineSplitter(), stray: "", dead: false };
    protocol.setEncoding("utf8");
    protocol.on("data", (chunk: string) => this.onData(interp, chunk));
    protocol.on("error", () => {});
    child.stdin?.on("error", () => {});
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        interp.stray = (interp.stray + chunk).slice(-STRAY_TAIL);
      });
    }
    let exited = false;
    const onGone = (message: string) => {
      if (exited) return;
      exited = true;
      const grace = setTimeout(() => this.die(interp, message), EXIT_GRACE_MS);
      child.once("close", () => {
        clearTimeout(grace);
        this.die(interp, message);
      });
    };
    child.on("exit", (code, sig) => onGone(`python interpreter exited (${sig ?? `code ${code}`})`));
    child.on("error", (error) => {
      if (child.pid === undefined) this.die(interp, `cannot start ${this.options.python}: ${error.message}`);
    });
    this.all.add(interp);
    this.setRef(interp, false);
    return interp;
  }

  private start(interp: Interpreter, job: Job): void {
    interp.job = job;
    job.interp = interp;
    this.setRef(interp, true);
    job.timer = setTimeout(
      () => this.kill(interp, { kind: "timeout", timeoutMs: job.timeoutMs }),
      job.timeoutMs,
    );
    interp.child.stdin?.write(job.line);
  }

  private onData(interp: Interpreter, chunk: string): void {
    for (const line of interp.lines.push(chunk)) if (line.trim() !== "") this.onReply(interp, line);
  }

  private onReply(interp: Interpreter, line: string): void {
    const job = interp.job;
    if (!job || interp.dead) return;
    let reply: PyReply;
    try {
      reply = JSON.parse(line) as PyReply;
    } catch (error) {
      this.kill(interp, {
        kind: "crashed",
        message: `unreadable reply from python: ${(error as Error).message}`,
      });
      return;
    }
    if (reply.id !== job.id) return;
    interp.job = undefined;
    this.setRef(interp, false);
    this.idle.push(interp);
    this.settle(job, reply);
    this.pump();
  }

  private abort(job: Job): void {
    const failure: PyFailure = { kind: "aborted", reason: job.signal.reason };
    if (job.interp) {
      this.kill(job.interp, failure);
      return;
    }
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    this.settle(job, new PyTaskFailure(failure));
  }

  /** Kills an interpreter we gave up on; a warm replacement starts unless the pool is closing. */
  private kill(interp: Interpreter, failure: PyFailure): void {
    if (interp.dead) return;
    const pid = interp.child.pid;
    try {
      if (pid !== undefined) process.kill(-pid, "SIGKILL");
    } catch {
      interp.child.kill("SIGKILL");
    }
    this.drop(interp, failure);
    if (!this.closed && this.all.size < this.options.size) {
      if (this.queue.length > 0) this.pump();
      else this.idle.push(this.spawn());
    }
  }

  /** An interpreter died on its own (crash, os._exit, failed start). Replaced lazily. */
  private die(interp: Interpreter, message: string): void {
    const stray = interp.stray.trim();
    this.drop(interp, { kind: "crashed", message: stray ? `${message}: ${stray}` : message });
    if (!this.closed) this.pump();
  }

  private drop(interp: Interpreter, failure: PyFailure): void {
    if (interp.dead) return;
    interp.dead = true;
    this.all.delete(interp);
    const i = this.idle.indexOf(interp);
    if (i >= 0) this.idle.splice(i, 1);
    interp.child.stdin?.destroy();
    const job = interp.job;
    interp.job = undefined;
    if (job) this.settle(job, new PyTaskFailure(failure));
  }

  private settle(job: Job, outcome: PyReply | PyTaskFailure): void {
    if (job.timer) clearTimeout(job.timer);
    job.signal.removeEventListener("abort", job.onAbort);
    if (outcome instanceof PyTaskFailure) job.reject(outcome);
    else job.resolve(outcome);
  }

  /** Busy interpreters keep the event loop alive; idle ones do not. */
  private setRef(interp: Interpreter, ref: boolean): void {
    const { child } = interp;
    const handles = [child, interp.protocol, child.stdin, child.stdout, child.stderr] as Array<{
      ref?(): void;
      unref?(): void;
    } | null>;
    for (const h of handles) {
      if (ref) h?.ref?.();
      else h?.unref?.();
    }
  }
}

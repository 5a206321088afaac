/**
 * The worker: receives command pointers from the bus, claims the command through the
 * ControlPlane, runs it (`command-run.ts`: the step's task pipeline, large results externalised)
 * and reports the outcome as events. It never starts steps. The same code runs embedded (ControlPlane =
 * the orchestrator in-process) and distributed (ControlPlane = the HTTP client).
 */
import { randomUUID } from "node:crypto";
import type { Bus, Delivery, Subscription } from "../bus/index.ts";
import type { Clock, ExecutionId } from "../kernel/index.ts";
import type { ClaimResult, Command, ControlPlane } from "../protocol/index.ts";
import type { CredentialAccessor, ToolLogger, ToolRegistry } from "../tools/index.ts";
import { AskingHealth, askForWork } from "./ask-for-work.ts";
import { type CommandRunDeps, runCommand } from "./command-run.ts";
import { requestToken, TokenCache } from "./oauth2-token.ts";

export interface WorkerOptions {
  controlPlane: ControlPlane;
  tools: ToolRegistry;
  workerId: string;
  log: ToolLogger;
  clock: Clock;
  credentials: CredentialAccessor;
  /** Results above this many bytes of JSON are stored by reference (DECISIONS 38). */
  inlineResultLimit?: number;
  /** Heartbeat period while a command runs (default 10 s). */
  heartbeatMs?: number;
  /** Bound on captured stdout/stderr per command (bytes). */
  maxCapturedOutput?: number;
  /**
   * Ask, with each report, for one command of the same pool that the report causes (`Handoff`)
   * and run it next in the same slot (default false). It saves a remote worker the notice and
   * the claim request of a chain's next step; in process they cost next to nothing.
   */
  handoff?: boolean;
  /**
   * Requests for work kept waiting on the control plane (`ControlPlane.next`), each in one of the
   * worker's slots (default 0; at most the concurrency less one: the bus gets the other slots).
   * The first step of a new execution then reaches an idle worker in the commit's reply, without
   * the notice and claim round trips; several requests serve executions started together.
   */
  askForWork?: number;
}

export class Worker {
  private readonly o: WorkerOptions & { inlineResultLimit: number; heartbeatMs: number };
  private readonly subscriptions: Subscription[] = [];
  private readonly running = new Map<string, AbortController>();
  private beat?: NodeJS.Timeout;
  private beatMs = Number.POSITIVE_INFINITY;
  /** Set by `stop`: no more commands are taken over with reports. */
  private stopping = false;
  /**
   * Set by `stop` without drain: a command claimed or handed over after it (its reply was on the
   * way) is not started; it stays claimed until its lease ends and the reaper re-dispatches it.
   */
  private aborting = false;
  /** Aborts the requests for work waiting on the control plane (`stop`). */
  private readonly asking = new AbortController();
  /** The loops of requests for work (`askForWork`), while they run. */
  private askingLoop?: Promise<void>;
  /** What the run of a command needs of this worker (built once, shared by its commands). */
  private readonly runDeps: CommandRunDeps;

  constructor(options: WorkerOptions) {
    this.o = { inlineResultLimit: 65_536, heartbeatMs: 10_000, ...options };
    const o = this.o;
    this.runDeps = {
      workerId: o.workerId,
      clock: o.clock,
      tools: o.tools,
      controlPlane: o.controlPlane,
      credentials: o.credentials,
      log: o.log,
      inlineResultLimit: o.inlineResultLimit,
      ...(o.maxCapturedOutput !== undefined ? { maxCapturedOutput: o.maxCapturedOutput } : {}),
      tokens: new TokenCache(requestToken, () => this.o.clock.now()),
      workloads: new Map(),
    };
  }

  get workerId(): string {
    return this.o.workerId;
  }

  async start(bus: Bus, pool = "default", concurrency = 8): Promise<void> {
    const cp = this.o.controlPlane;
    const next = cp.next?.bind(cp);
    const wanted = Number.isFinite(this.o.askForWork) ? Math.floor(this.o.askForWork as number) : 0;
    const asks = next ? Math.max(0, Math.min(wanted, concurrency - 1)) : 0;
    const sub = await bus.subscribe(pool, (d) => this.onDelivery(d), {
      concurrency: concurrency - asks,
      consumer: `workers-${pool}`,
    });
    this.subscriptions.push(sub);
    if (next && asks > 0) {
      const health = new AskingHealth(this.o.log);
      const loop = () =>
        askForWork({
          next,
          request: { worker_id: this.o.workerId, pool, max: 1 },
          newRequestId: () => randomUUID(),
          signal: this.asking.signal,
          stopping: () => this.stopping,
          health,
          run: (claims) => this.runAll(claims),
        });
      this.askingLoop = Promise.all(Array.from({ length: asks }, loop)).then(() => undefined);
    }
  }

  /** Stop receiving; `drain` waits for running commands, otherwise they are aborted. */
  async stop(options: { drain?: boolean } = {}): Promise<void> {
    this.stopping = true;
    if (!options.drain) {
      this.aborting = true;
      for (const c of this.running.values()) c.abort(new Error("worker stopping"));
    }
    this.asking.abort();
    await Promise.allSettled([...this.subscriptions.map((s) => s.close()), this.askingLoop]);
    this.subscriptions.length = 0;
    if (this.beat) clearInterval(this.beat);
    this.beat = undefined;
    this.beatMs = Number.POSITIVE_INFINITY;
  }

  private async onDelivery(delivery: Delivery): Promise<void> {
    let next: ClaimResult[];
    try {
      next = await this.execute(delivery.notice.command_id, delivery.notice.execution_id);
      await delivery.ack();
    } catch (error) {
      this.o.log.error("command delivery failed", {
        error: (error as Error).message,
        command_id: delivery.notice.command_id,
      });
      await delivery.nak(1000);
      return;
    }
    // Commands handed over with the report run here, one after another, in the slot of the
    // delivery (which is acknowledged already): a chain stays on this worker.
    await this.runAll(next);
  }

  /**
   * Runs commands claimed for this worker one after another, and those handed over with their
   * reports after them.
   */
  private async runAll(claims: ClaimResult[]): Promise<void> {
    for (let claim = claims.shift(); claim; claim = claims.shift()) {
      try {
        claims.push(...(await this.runClaimed(claim)));
      } catch (error) {
        // the command stays claimed by this worker: the reaper re-dispatches it when its lease ends
        this.o.log.error("handed-over command failed", {
          error: (error as Error).message,
          command_id: claim.command?.command_id,
        });
      }
    }
  }

  /**
   * Claims and runs one command (idempotent: a command held or finished elsewhere is skipped).
   * Returns the commands the control plane handed over with the report (claimed for this worker:
   * the caller must run them).
   */
  async execute(commandId: string, executionId?: ExecutionId): Promise<ClaimResult[]> {
    const cp = this.o.controlPlane;
    return this.runClaimed(await cp.claim(commandId as Command["command_id"], this.o.workerId, executionId));
  }

  private async runClaimed(claim: ClaimResult): Promise<ClaimResult[]> {
    if (claim.status !== "claimed" || !claim.command || this.aborting) return [];
    const command = claim.command;
    // a notice delivered again while this worker runs the command is claimed again (its own
    // lease, renewed): it must not start a second run
    if (this.running.has(command.command_id)) return [];
    const abort = new AbortController();
    this.running.set(command.command_id, abort);
    this.ensureHeartbeat(claim.lease_ms ?? 30_000);
    try {
      const events = await runCommand(this.runDeps, command, abort.signal);
      const handoff =
        this.o.handoff && !this.stopping
          ? { worker_id: this.o.workerId, pool: command.pool, max: 1 }
          : undefined;
      // what comes back is run by the caller through `runClaimed`, which skips any not claimed
      return (await this.o.controlPlane.report(command.execution_id, events, undefined, handoff)) ?? [];
    } finally {
      this.running.delete(command.command_id);
    }
  }

  /**
   * One timer heartbeats every running command (rather than a timer per command), at a third
   * of the shortest lease seen, at most every `heartbeatMs`.
   */
  private ensureHeartbeat(leaseMs: number): void {
    const period = Math.min(this.o.heartbeatMs, Math.max(1000, leaseMs / 3));
    if (this.beat && period >= this.beatMs) return;
    if (this.beat) clearInterval(this.beat);
    this.beatMs = period;
    this.beat = setInterval(() => {
      for (const [commandId, abort] of this.running) {
        this.o.controlPlane.heartbeat(commandId as Command["command_id"], this.o.workerId).then(
          (r) => r.cancelled && abort.abort(new Error("cancelled")),
          () => undefined,
        );
      }
    }, period);
    this.beat.unref?.();
  }
}

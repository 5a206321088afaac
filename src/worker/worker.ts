/**
 * The worker: receives command pointers from the bus, claims the command through the
 * ControlPlane, runs the step's task pipeline, externalises large results and reports the
 * outcome as events. It never starts steps. The same code runs embedded (ControlPlane =
 * the orchestrator in-process) and distributed (ControlPlane = the HTTP client).
 */
import { randomUUID } from "node:crypto";
import type { Bus, Delivery, Subscription } from "../bus/index.ts";
import { pipelineNames } from "../engine/index.ts";
import type { Clock, ExecutionId, Json, JsonObject } from "../kernel/index.ts";
import type { ClaimResult, Command, ControlPlane, Task, WorkerEvent } from "../protocol/index.ts";
import { isResultRef } from "../protocol/index.ts";
import type { CredentialAccessor, ToolContext, ToolLogger, ToolRegistry } from "../tools/index.ts";
import { abortableSleep } from "./abortable-sleep.ts";
import { AskingHealth, askForWork } from "./ask-for-work.ts";
import { credentialSecrets } from "./credential-secrets.ts";
import { resolveKeychain } from "./keychain.ts";
import { requestToken, TokenCache } from "./oauth2-token.ts";
import { runPipeline } from "./pipeline.ts";
import { Redactor } from "./redactor.ts";
import { type PipelineState, taskScope } from "./task-scope.ts";

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
  private readonly workloads = new Map<ExecutionId, JsonObject>();
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
  /** `oauth2` keychain tokens, by execution and entry, while they live. */
  private readonly tokens: TokenCache;

  constructor(options: WorkerOptions) {
    this.o = { inlineResultLimit: 65_536, heartbeatMs: 10_000, ...options };
    this.tokens = new TokenCache(requestToken, () => this.o.clock.now());
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
      const events = await this.run(command, abort.signal);
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

  private async run(command: Command, signal: AbortSignal): Promise<WorkerEvent[]> {
    const clock = this.o.clock;
    const started = clock.now();
    const redactor = new Redactor();
    const base = { command_id: command.command_id, worker_id: this.o.workerId };
    // `step.enter` (stamped with the worker's start time) marks a step run; loop iterations skip
    // it: their `call.done` carries the index and duration, and a 100k loop writes 100k fewer events.
    const events: WorkerEvent[] = command.loop
      ? []
      : [
          {
            type: "step.enter",
            step: command.step,
            at: started,
            payload: { command_id: command.command_id },
          },
        ];
    const loopFields = command.loop ? { loop_id: command.loop.loop_id, loop_index: command.loop.index } : {};
    let outcome: Awaited<ReturnType<typeof runPipeline>>;
    try {
      const names = pipelineNames(command.tasks);
      const workload = await this.workload(command.execution_id);
      const steps = await this.resolveSteps(command.steps, names);
      const keychain = names.has("keychain")
        ? await resolveKeychain(command.keychain ?? [], {
            credentials: this.o.credentials,
            redactor,
            workload,
            token: (name, entry) => this.tokens.get(command.execution_id, name, entry),
          })
        : undefined;
      const state: PipelineState = {
        ctx: command.ctx,
        results: {},
        prev: undefined,
        task: "",
        attempt: 1,
        output: undefined,
        iterVars: {},
        stepVars: {},
      };
      const scope = taskScope(command, workload, steps, keychain, state, () => clock.now());
      const captured = { bytes: 0 };
      outcome = await runPipeline({
        command,
        state,
        scope,
        tool: (kind) => this.o.tools.get(kind),
        context: (task, input, taskSignal, timeoutMs) =>
          this.toolContext(command, task, input, taskSignal, timeoutMs, redactor, scope, captured, events),
        signal,
        now: () => clock.now(),
        sleep: abortableSleep,
      });
    } catch (error) {
      outcome = {
        status: "error",
        result: null,
        error: {
          kind: "tool_error",
          retryable: false,
          code: "NOETL_E_WORKER",
          message: (error as Error).message,
        },
        ctxPatch: {},
        tasks: [],
      };
    }
    if (command.tasks.length > 1 || outcome.tasks.some((t) => t.attempt > 1 || t.status === "error")) {
      for (const t of outcome.tasks) {
        events.push({
          type: "task.done",
          step: command.step,
          payload: { command_id: command.command_id, ...t },
        });
      }
    }
    const duration = clock.now() - started;
    let result = outcome.result;
    if (result !== null && typeof result === "object" && jsonBytes(result) > this.o.inlineResultLimit) {
      result = (await this.o.controlPlane.putResult(
        command.execution_id,
        command.step,
        redactor.redact(result),
      )) as unknown as Json;
    }
    const ctxPatch = Object.keys(outcome.ctxPatch).length > 0 ? { ctx_patch: outcome.ctxPatch } : {};
    if (outcome.status === "error") {
      events.push({
        type: "call.error",
        step: command.step,
        payload: {
          ...base,
          ...loopFields,
          result,
          error: outcome.error ?? unknownError(),
          duration_ms: duration,
          ...ctxPatch,
        },
      });
    } else {
      events.push({
        type: "call.done",
        step: command.step,
        payload: {
          ...base,
          ...loopFields,
          result,
          status: outcome.status,
          duration_ms: duration,
          ...ctxPatch,
        },
      });
    }
    return redactor.redact(events);
  }

  private toolContext(
    command: Command,
    task: Task,
    input: JsonObject,
    signal: AbortSignal,
    timeoutMs: number | undefined,
    redactor: Redactor,
    scope: { get(name: string): unknown },
    captured: { bytes: number },
    events: WorkerEvent[],
  ): ToolContext {
    const credentials = this.o.credentials;
    const limit = this.o.maxCapturedOutput ?? 65_536;
    return {
      executionId: command.execution_id,
      commandId: command.command_id,
      step: command.step,
      task: task.name,
      input,
      get context() {
        return renderContext(command, scope);
      },
      signal,
      ...(timeoutMs ? { timeoutMs } : {}),
      log: this.o.log,
      credentials: {
        async get(name: string) {
          const value = await credentials.get(name);
          redactor.add(credentialSecrets(value));
          return value;
        },
      },
      controlPlane: this.o.controlPlane,
      addSecret: (value) => redactor.add(value),
      emitOutput(stream, text) {
        if (captured.bytes >= limit) return;
        const chunk =
          text.length + captured.bytes > limit
            ? `${text.slice(0, limit - captured.bytes)}…[truncated]`
            : text;
        captured.bytes += chunk.length;
        events.push({
          type: "task.output",
          step: command.step,
          payload: { command_id: command.command_id, task: task.name, stream, text: chunk },
        });
      },
    };
  }

  private async workload(executionId: ExecutionId): Promise<JsonObject> {
    let w = this.workloads.get(executionId);
    if (!w) {
      w = (await this.o.controlPlane.getExecution(executionId)).workload;
      if (this.workloads.size > 1000) this.workloads.clear();
      this.workloads.set(executionId, w);
    }
    return w;
  }

  /** Step results stored by reference are fetched when the step's templates name them. */
  private async resolveSteps(steps: JsonObject, names: ReadonlySet<string>): Promise<JsonObject> {
    let out = steps;
    for (const [name, value] of Object.entries(steps)) {
      if (!names.has(name)) continue;
      let resolved: Json = value;
      if (isResultRef(value)) resolved = await this.o.controlPlane.resolveResult(value.ref);
      else if (value && typeof value === "object" && !Array.isArray(value) && isResultRef(value.results)) {
        resolved = { ...value, results: await this.o.controlPlane.resolveResult(value.results.ref) };
      } else continue;
      if (out === steps) out = { ...steps };
      out[name] = resolved;
    }
    return out;
  }
}

/** The render context handed to code tools (python `context`): the names templates can see. */
function renderContext(command: Command, scope: { get(name: string): unknown }): JsonObject {
  const out: JsonObject = {};
  for (const name of [
    "workload",
    "ctx",
    "input",
    "iter",
    "event",
    "error",
    "result",
    "execution_id",
    "results",
  ]) {
    const v = scope.get(name);
    if (v !== undefined) out[name] = v as Json;
  }
  for (const name of Object.keys(command.steps)) out[name] = scope.get(name) as Json;
  if (command.iter) out[command.iter.iterator] = command.iter.item;
  return out;
}

function jsonBytes(value: Json): number {
  return JSON.stringify(value).length;
}

function unknownError() {
  return { kind: "unknown" as const, retryable: false, code: "NOETL_E_UNKNOWN", message: "unknown error" };
}

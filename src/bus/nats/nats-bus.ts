/**
 * NATS JetStream bus (distributed mode). One stream (`NOETL_COMMANDS`, work-queue retention,
 * subjects `<prefix>.>`) holds the notices; a pool is the subject `<prefix>.<pool>`; the
 * workers of a pool share one durable pull consumer (`workers-<pool>` by default), so each
 * notice goes to one of them.
 *
 * - `publish` is a JetStream publish with `msgID` = command id: a re-publish within the
 *   stream's duplicate window (2 min) is dropped by the server. It resolves once the stream
 *   acknowledged the message (`acked-publisher.ts`).
 * - `subscribe` consumes with explicit acks and at most `concurrency` handlers in flight; a
 *   notice is pulled only when a handler slot is free (at most `concurrency` more wait in the
 *   client's buffer). A running handler keeps its message alive (`working()`), so long commands
 *   are not redelivered after `ack_wait`. A handler that throws naks with a 1 s delay; one that
 *   returns without settling acks (as the local bus drops the notice).
 * - The connection reconnects forever; the consume loop restarts (with backoff) whenever it
 *   ends or fails, re-creating the stream and consumer if the server lost them.
 * - On close, notices pulled but not yet handed to a handler are redelivered after `ack_wait`.
 *
 * Work-queue retention allows one consumer per subject: subscribers of a pool must use the
 * same consumer name.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect, type NatsConnection, type NodeConnectionOptions, nanos } from "@nats-io/transport-node";
import type { CommandId, ExecutionId } from "../../kernel/index.ts";
import type { Bus, CommandNotice, Delivery, Subscription } from "../bus.ts";
import { AckedPublisher } from "./acked-publisher.ts";

export interface NatsBusOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Stream name (default `NOETL_COMMANDS`). */
  stream?: string;
  /** Subject prefix (default `noetl.commands`): pool `p` is subject `<prefix>.p`. */
  subjectPrefix?: string;
  /** Stream storage (default `file`). */
  storage?: "file" | "memory";
  /** Stream replicas (default 1). */
  replicas?: number;
  /** Consumer `ack_wait` in ms (default 60 000). */
  ackWaitMs?: number;
  /** Stream duplicate window in ms (default 120 000). */
  duplicateWindowMs?: number;
  /** Extra connection options (name, credentials, TLS …). */
  connection?: Partial<NodeConnectionOptions>;
  /** Told about failures the bus recovers from by itself (consume loop restarts); for logs. */
  onError?: (error: unknown, context: string) => void;
}

type Handler = (delivery: Delivery) => Promise<void>;

const NAME = /^[A-Za-z0-9_-]+$/;
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;
const HANDLER_ERROR_NAK_MS = 1000;
const PUBLISH_ATTEMPTS = 4;
/** Floor of the consumer's max_ack_pending (raised when a subscriber needs more). */
const MIN_ACK_PENDING = 1024;

export class NatsBus implements Bus {
  readonly name = "nats";
  readonly stream: string;
  readonly subjectPrefix: string;
  private readonly subs = new Set<NatsSubscription>();
  private closing: Promise<void> | undefined;
  private readonly publisher: AckedPublisher;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: NatsBusOptions,
  ) {
    this.stream = options.stream ?? "NOETL_COMMANDS";
    this.subjectPrefix = options.subjectPrefix ?? "noetl.commands";
    this.publisher = new AckedPublisher(nc, options.connection?.inboxPrefix);
  }

  /** Connect, and create the stream when it does not exist. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const nc = await connect({
      name: "noetl",
      maxReconnectAttempts: -1,
      // no stack captured per request (each publish waits for an ack as a request): errors
      // still say what failed, and the captured stacks cost more than the publish itself
      noAsyncTraces: true,
      ...options.connection,
      servers: options.servers,
    });
    try {
      const bus = new NatsBus(nc, jetstream(nc), await jetstreamManager(nc), options);
      await bus.ensureStream();
      return bus;
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  /** @internal Forward a recovered failure to `options.onError`. */
  reportError(error: unknown, context: string): void {
    try {
      this.options.onError?.(error, context);
    } catch {
      // a failing logger must not break the bus
    }
  }

  get ackWaitMs(): number {
    return this.options.ackWaitMs ?? 60_000;
  }

  subject(pool: string): string {
    if (!NAME.test(pool)) throw new Error(`invalid pool name for NATS: ${JSON.stringify(pool)}`);
    return `${this.subjectPrefix}.${pool}`;
  }

  async publish(pool: string, notice: CommandNotice): Promise<void> {
    if (this.closing) return;
    const subject = this.subject(pool);
    const data = JSON.stringify({ execution_id: notice.execution_id, command_id: notice.command_id });
    const msgID = notice.redelivery ? `${notice.command_id}:${notice.redelivery}` : notice.command_id;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publisher.publish(subject, data, msgID);
        return;
      } catch (error) {
        // e.g. JetStream not ready yet after a server restart; msgID makes the retry safe
        if (attempt >= PUBLISH_ATTEMPTS || this.nc.isClosed()) throw error;
        await sleep(MIN_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
  }

  async subscribe(
    pool: string,
    handler: Handler,
    options: { concurrency?: number; consumer?: string } = {},
  ): Promise<Subscription> {
    if (this.closing) throw new Error("the NATS bus is closed");
    const consumer = options.consumer ?? `workers-${pool}`;
    if (!NAME.test(consumer)) throw new Error(`invalid consumer name for NATS: ${JSON.stringify(consumer)}`);
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    await this.ensureConsumer(pool, consumer, concurrency);
    const sub = new NatsSubscription(this, pool, consumer, concurrency, handler, () => this.subs.delete(sub));
    this.subs.add(sub);
    return sub;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.subs].map((s) => s.close()));
      if (!this.nc.isClosed()) {
        // drain flushes pending acks; do not hang forever on a dead server
        const drained = this.nc.drain().catch(() => undefined);
        if ((await Promise.race([drained.then(() => true), sleep(5000).then(() => false)])) === false)
          await this.nc.close().catch(() => undefined);
      }
      this.publisher.close();
    })();
    return this.closing;
  }

  /** Create the stream when missing; check that an existing one is usable. */
  async ensureStream(): Promise<void> {
    const subjects = `${this.subjectPrefix}.>`;
    let info = await this.jsm.streams.info(this.stream).catch((error: unknown) => {
      if (isApiError(error, JetStreamApiCodes.StreamNotFound)) return undefined;
      throw error;
    });
    if (!info) {
      try {
        info = await this.jsm.streams.add({
          name: this.stream,
          subjects: [subjects],
          retention: RetentionPolicy.Workqueue,
          storage: this.options.storage === "memory" ? StorageType.Memory : StorageType.File,
          num_replicas: this.options.replicas ?? 1,
          duplicate_window: nanos(this.options.duplicateWindowMs ?? 120_000),
        });
      } catch (error) {
        // another process created it meanwhile (with another config): use theirs
        info = await this.jsm.streams.info(this.stream).catch(() => {
          throw error;
        });
      }
    }
    if (info.config.retention !== RetentionPolicy.Workqueue)
      throw new Error(`NATS stream ${this.stream} exists without work-queue retention`);
    if (!info.config.subjects?.includes(subjects))
      await this.jsm.streams.update(this.stream, { subjects: [...(info.config.subjects ?? []), subjects] });
  }

  /** Create the pool's durable pull consumer, or make sure an existing one allows `concurrency`. */
  async ensureConsumer(pool: string, name: string, concurrency: number): Promise<void> {
    const needed = Math.max(MIN_ACK_PENDING, concurrency);
    const config: ConsumerConfig = {
      durable_name: name,
      filter_subject: this.subject(pool),
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.ackWaitMs),
      max_ack_pending: needed,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      max_deliver: -1,
    };
    try {
      await this.jsm.consumers.add(this.stream, config);
    } catch (error) {
      // exists with a different config (another subscriber's concurrency): keep it, raise the cap
      const info = await this.jsm.consumers.info(this.stream, name).catch(() => {
        throw error;
      });
      if (info.config.filter_subject !== config.filter_subject)
        throw new Error(
          `NATS consumer ${name} of stream ${this.stream} already consumes ${info.config.filter_subject ?? "everything"}, not pool ${pool}`,
        );
      const cap = info.config.max_ack_pending ?? 0;
      if (cap !== -1 && cap < concurrency)
        await this.jsm.consumers.update(this.stream, name, { max_ack_pending: concurrency });
    }
  }

  /** Delete the stream and everything in it (tests, `noetl` admin). */
  async deleteStream(): Promise<void> {
    await this.jsm.streams.delete(this.stream).catch((error: unknown) => {
      if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
    });
  }
}

/** One `subscribe`: a consume loop feeding at most `concurrency` handlers. */
class NatsSubscription implements Subscription {
  private active = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private messages: ConsumerMessages | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly bus: NatsBus,
    private readonly pool: string,
    private readonly consumer: string,
    private readonly concurrency: number,
    private readonly handler: Handler,
    private readonly onClosed: () => void,
  ) {
    this.loop = this.run();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.wakeUp();
      // stop() takes effect when the loop next reads the iterator (close() would wait for that)
      this.messages?.stop();
      await this.loop;
      await Promise.allSettled([...this.inFlight]);
      this.onClosed();
    })();
    return this.closing;
  }

  /** Consume until closed; restart (re-creating stream and consumer) after any failure. */
  private async run(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    let restart = false;
    while (!this.closed) {
      try {
        if (restart) {
          await this.bus.ensureStream();
          await this.bus.ensureConsumer(this.pool, this.consumer, this.concurrency);
        }
        restart = true;
        const consumer = await this.bus.js.consumers.get(this.bus.stream, this.consumer);
        const messages = await consumer.consume({
          max_messages: this.concurrency,
          abort_on_missing_resource: true,
        });
        this.messages = messages;
        if (this.closed) messages.stop(); // closed meanwhile: drain (nak) and leave
        for await (const m of messages) {
          backoff = MIN_BACKOFF_MS;
          if (this.closed) {
            m.nak();
            continue;
          }
          this.dispatch(m);
          while (this.active >= this.concurrency && !this.closed) await this.sleep();
        }
      } catch (error) {
        // consumer or stream deleted, JetStream unavailable …: retry
        if (!this.closed) this.bus.reportError(error, `consuming pool ${this.pool}`);
      }
      if (this.closed || this.bus.nc.isClosed()) break;
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private dispatch(m: JsMsg): void {
    let notice: CommandNotice;
    try {
      notice = parseNotice(m.data);
    } catch {
      m.term("not a NoETL command notice");
      return;
    }
    this.active += 1;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      try {
        fn();
      } catch {
        // connection closed: the server redelivers after ack_wait
      }
    };
    const delivery: Delivery = {
      notice,
      ack: async () => settle(() => m.ack()),
      nak: async (delayMs?: number) => settle(() => (delayMs ? m.nak(delayMs) : m.nak())),
    };
    // a long handler keeps its message: without this it would be redelivered after ack_wait
    const keepAlive = setInterval(
      () => {
        if (settled) return;
        try {
          m.working();
        } catch {
          // connection closed: see settle
        }
      },
      Math.max(1000, this.bus.ackWaitMs / 2),
    );
    keepAlive.unref?.();
    const run = (async () => {
      try {
        await this.handler(delivery);
        await delivery.ack();
      } catch {
        await delivery.nak(HANDLER_ERROR_NAK_MS);
      } finally {
        clearInterval(keepAlive);
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => {
      this.inFlight.delete(run);
      this.active -= 1;
      this.wakeUp();
    });
  }

  /** Wait until woken (a handler finished, close) or `ms` elapsed. */
  private sleep(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => done(), ms);
      const done = () => {
        if (timer) clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }

  private wakeUp(): void {
    this.wake?.();
  }
}

function parseNotice(data: Uint8Array): CommandNotice {
  const v = JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>;
  if (typeof v.execution_id !== "string" || typeof v.command_id !== "string") throw new Error("bad notice");
  return { execution_id: v.execution_id as ExecutionId, command_id: v.command_id as CommandId };
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

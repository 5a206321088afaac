/**
 * In-process bus (embedded mode). Per pool, each consumer name is a work queue (like a durable
 * JetStream consumer): every notice published to the pool goes to each consumer, and within a
 * consumer to exactly one of its subscribers. Notices published before any subscriber are kept
 * for the first consumer that subscribes. Nothing survives the process: the store is the
 * authority, and the orchestrator's reaper re-publishes what was lost. Pending `nak` timers keep
 * the process alive (they are work to do) until `close`.
 */
import type { Bus, CommandNotice, Delivery, Subscription } from "../bus.ts";

/** Options of `LocalBus`. */
export interface LocalBusOptions {
  /** Redelivery delay after a handler throws without settling its delivery (default 1000 ms). */
  retryDelayMs?: number;
}

/** The consumer name used when `subscribe` is given none. */
export const DEFAULT_CONSUMER = "workers";

interface Subscriber {
  handler: (delivery: Delivery) => Promise<void>;
  concurrency: number;
  active: number;
  closed: boolean;
  inFlight: Set<Promise<void>>;
}

/** One consumer of a pool: a queue shared by its subscribers. */
interface Consumer {
  pool: string;
  queue: CommandNotice[];
  head: number;
  /** Command ids waiting in `queue` (a second publish of a waiting command is dropped). */
  waiting: Set<string>;
  subscribers: Subscriber[];
  /** Round-robin start for the next delivery. */
  next: number;
  scheduled: boolean;
}

interface Pool {
  consumers: Map<string, Consumer>;
  /** Published while the pool had no consumer yet. */
  unclaimed: CommandNotice[];
}

/** The `Bus` port in process (see the module documentation). */
export class LocalBus implements Bus {
  readonly name = "local";
  private readonly pools = new Map<string, Pool>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly retryDelayMs: number;
  private closed = false;

  constructor(options: LocalBusOptions = {}) {
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  /** Enqueue for every consumer of the pool. Publishing after `close` is a no-op. */
  async publish(pool: string, notice: CommandNotice): Promise<void> {
    if (this.closed) return;
    const p = this.pool(pool);
    if (p.consumers.size === 0) {
      p.unclaimed.push(notice);
      return;
    }
    for (const consumer of p.consumers.values()) this.enqueue(consumer, notice);
  }

  async subscribe(
    pool: string,
    handler: (delivery: Delivery) => Promise<void>,
    options: { concurrency?: number; consumer?: string } = {},
  ): Promise<Subscription> {
    if (this.closed) throw new Error("LocalBus is closed");
    const consumer = this.consumer(pool, options.consumer ?? DEFAULT_CONSUMER);
    const sub: Subscriber = {
      handler,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 1)),
      active: 0,
      closed: false,
      inFlight: new Set(),
    };
    consumer.subscribers.push(sub);
    this.schedule(consumer);
    return {
      close: async () => {
        sub.closed = true;
        consumer.subscribers = consumer.subscribers.filter((s) => s !== sub);
        await Promise.allSettled([...sub.inFlight]);
      },
    };
  }

  /** Stop delivering, drop pending redeliveries, and await the handlers in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const subs = [...this.pools.values()].flatMap((p) =>
      [...p.consumers.values()].flatMap((c) => c.subscribers),
    );
    for (const s of subs) s.closed = true;
    await Promise.allSettled(subs.flatMap((s) => [...s.inFlight]));
  }

  /** Notices waiting (not in flight) in a pool, over all its consumers (tests, metrics). */
  backlog(pool: string): number {
    const p = this.pools.get(pool);
    if (!p) return 0;
    let n = p.unclaimed.length;
    for (const c of p.consumers.values()) n += c.queue.length - c.head;
    return n;
  }

  private pool(name: string): Pool {
    let p = this.pools.get(name);
    if (!p) {
      p = { consumers: new Map(), unclaimed: [] };
      this.pools.set(name, p);
    }
    return p;
  }

  private consumer(pool: string, name: string): Consumer {
    const p = this.pool(pool);
    let c = p.consumers.get(name);
    if (!c) {
      c = { pool, queue: [], head: 0, waiting: new Set(), subscribers: [], next: 0, scheduled: false };
      p.consumers.set(name, c);
      for (const notice of p.unclaimed) this.enqueue(c, notice);
      p.unclaimed = [];
    }
    return c;
  }

  private enqueue(consumer: Consumer, notice: CommandNotice): void {
    if (consumer.waiting.has(notice.command_id)) return;
    consumer.waiting.add(notice.command_id);
    consumer.queue.push(notice);
    this.schedule(consumer);
  }

  private schedule(consumer: Consumer): void {
    if (consumer.scheduled) return;
    consumer.scheduled = true;
    queueMicrotask(() => {
      consumer.scheduled = false;
      this.pump(consumer);
    });
  }

  /** Hand waiting notices to subscribers with a free slot, round-robin. */
  private pump(c: Consumer): void {
    if (this.closed) return;
    const subs = c.subscribers;
    while (c.head < c.queue.length && subs.length > 0) {
      let picked: Subscriber | undefined;
      for (let i = 0; i < subs.length; i++) {
        const s = subs[(c.next + i) % subs.length] as Subscriber;
        if (!s.closed && s.active < s.concurrency) {
          picked = s;
          c.next = (c.next + i + 1) % subs.length;
          break;
        }
      }
      if (!picked) break;
      const notice = c.queue[c.head] as CommandNotice;
      c.head += 1;
      c.waiting.delete(notice.command_id);
      this.deliver(c, picked, notice);
    }
    if (c.head === c.queue.length) {
      c.queue = [];
      c.head = 0;
    } else if (c.head > 1024 && c.head * 2 > c.queue.length) {
      c.queue = c.queue.slice(c.head);
      c.head = 0;
    }
  }

  private deliver(c: Consumer, sub: Subscriber, notice: CommandNotice): void {
    sub.active += 1;
    let settled = false;
    const delivery: Delivery = {
      notice,
      ack: async () => {
        settled = true;
      },
      nak: async (delayMs = 0) => {
        if (settled) return;
        settled = true;
        this.redeliver(c, notice, delayMs);
      },
    };
    const run = (async () => {
      try {
        await sub.handler(delivery);
      } catch {
        await delivery.nak(this.retryDelayMs);
      }
      // a handler that returns without ack/nak is done with the notice
      settled = true;
    })();
    sub.inFlight.add(run);
    void run.finally(() => {
      sub.inFlight.delete(run);
      sub.active -= 1;
      this.schedule(c);
    });
  }

  private redeliver(c: Consumer, notice: CommandNotice, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) this.enqueue(c, notice);
    }, delayMs);
    this.timers.add(timer);
  }
}

/**
 * In-process bus (embedded mode): a work queue per pool shared by its subscribers; each notice
 * goes to exactly one handler; at most `concurrency` handlers per subscription run at once;
 * `nak` re-queues after a delay.
 */
import type { Bus, CommandNotice, Delivery, Subscription } from "../bus.ts";

interface Sub {
  handler: (d: Delivery) => Promise<void>;
  concurrency: number;
  active: number;
  closed: boolean;
  inFlight: Set<Promise<void>>;
}

export class LocalBus implements Bus {
  readonly name = "local";
  private readonly queues = new Map<string, CommandNotice[]>();
  private readonly heads = new Map<string, number>();
  private readonly subs = new Map<string, Sub[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private scheduled = new Set<string>();

  async publish(pool: string, notice: CommandNotice): Promise<void> {
    if (this.closed) return;
    let q = this.queues.get(pool);
    if (!q) {
      q = [];
      this.queues.set(pool, q);
    }
    q.push(notice);
    this.schedule(pool);
  }

  async subscribe(
    pool: string,
    handler: (delivery: Delivery) => Promise<void>,
    options: { concurrency?: number; consumer?: string } = {},
  ): Promise<Subscription> {
    const sub: Sub = {
      handler,
      concurrency: Math.max(1, options.concurrency ?? 1),
      active: 0,
      closed: false,
      inFlight: new Set(),
    };
    const list = this.subs.get(pool) ?? [];
    list.push(sub);
    this.subs.set(pool, list);
    this.schedule(pool);
    return {
      close: async () => {
        sub.closed = true;
        const l = this.subs.get(pool);
        if (l)
          this.subs.set(
            pool,
            l.filter((s) => s !== sub),
          );
        await Promise.allSettled([...sub.inFlight]);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const all = [...this.subs.values()].flat();
    for (const s of all) s.closed = true;
    await Promise.allSettled(all.flatMap((s) => [...s.inFlight]));
    this.subs.clear();
  }

  /** Size of a pool's backlog (tests, metrics). */
  backlog(pool: string): number {
    return (this.queues.get(pool)?.length ?? 0) - (this.heads.get(pool) ?? 0);
  }

  private schedule(pool: string): void {
    if (this.scheduled.has(pool)) return;
    this.scheduled.add(pool);
    queueMicrotask(() => {
      this.scheduled.delete(pool);
      this.pump(pool);
    });
  }

  private pump(pool: string): void {
    const q = this.queues.get(pool);
    const subs = this.subs.get(pool);
    if (!q || !subs || subs.length === 0 || this.closed) return;
    let head = this.heads.get(pool) ?? 0;
    let progressed = true;
    while (head < q.length && progressed) {
      progressed = false;
      for (const sub of subs) {
        if (head >= q.length) break;
        if (sub.closed || sub.active >= sub.concurrency) continue;
        const notice = q[head] as CommandNotice;
        head += 1;
        progressed = true;
        this.deliver(pool, sub, notice);
      }
    }
    if (head > 1024 && head * 2 > q.length) {
      q.splice(0, head);
      head = 0;
    }
    this.heads.set(pool, head);
  }

  private deliver(pool: string, sub: Sub, notice: CommandNotice): void {
    sub.active += 1;
    let settled = false;
    const delivery: Delivery = {
      notice,
      ack: async () => {
        settled = true;
      },
      nak: async (delayMs = 0) => {
        settled = true;
        if (this.closed) return;
        const t = setTimeout(() => {
          this.timers.delete(t);
          void this.publish(pool, notice);
        }, delayMs);
        this.timers.add(t);
      },
    };
    const run = (async () => {
      try {
        await sub.handler(delivery);
      } catch {
        if (!settled) await delivery.nak(1000);
      }
    })();
    sub.inFlight.add(run);
    void run.finally(() => {
      sub.inFlight.delete(run);
      sub.active -= 1;
      this.schedule(pool);
    });
  }
}

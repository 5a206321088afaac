/**
 * Serialises work per key (execution id) inside one process and batches what arrives while a
 * key is busy: `push` returns when the item has been processed; the drain function receives all
 * items queued so far at once (group commit).
 */
export class KeyedBatcher<T, R> {
  private readonly queues = new Map<
    string,
    { items: Array<{ item: T; done: Deferred<R> }>; running: boolean }
  >();

  constructor(private readonly drain: (key: string, items: T[]) => Promise<R[]>) {}

  push(key: string, item: T): Promise<R> {
    let q = this.queues.get(key);
    if (!q) {
      q = { items: [], running: false };
      this.queues.set(key, q);
    }
    const done = deferred<R>();
    q.items.push({ item, done });
    if (!q.running) void this.run(key, q);
    return done.promise;
  }

  private async run(key: string, q: { items: Array<{ item: T; done: Deferred<R> }>; running: boolean }) {
    q.running = true;
    try {
      // Group commit: let reports that arrive in the same turn of the event loop join the batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (q.items.length > 0) {
        const batch = q.items.splice(0, q.items.length);
        try {
          const results = await this.drain(
            key,
            batch.map((b) => b.item),
          );
          for (const [i, b] of batch.entries()) b.done.resolve(results[i] as R);
        } catch (error) {
          for (const b of batch) b.done.reject(error);
        }
      }
    } finally {
      q.running = false;
      if (q.items.length === 0) this.queues.delete(key);
      else void this.run(key, q);
    }
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

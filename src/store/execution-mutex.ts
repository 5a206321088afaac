/**
 * A process-local mutex per key (a promise chain per execution id): `run` calls for the same key
 * execute one after the other, in call order; different keys run concurrently. A failing `fn`
 * releases the lock. Entries are dropped when a chain drains, so idle keys cost nothing.
 */
export class ExecutionMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Run `fn` once every earlier `run` of the same key has settled. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key);
    // an idle key starts `fn` now, not a microtask later
    const next = prev ? prev.then(fn, fn) : startNow(fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

function startNow<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}

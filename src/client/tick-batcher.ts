/**
 * Collects the items added in one turn of the event loop and hands them to `flush` together
 * (in chunks of at most `max`); each `add` resolves to its own item's outcome. `flush` returns
 * one outcome per item, in order; if it throws, every item of that chunk fails with the error.
 */
export class TickBatcher<I, O> {
  private pending: Array<{ item: I; resolve(o: O): void; reject(e: unknown): void }> = [];
  private scheduled = false;

  constructor(
    private readonly flush: (items: readonly I[]) => Promise<O[]>,
    private readonly max: number,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.run());
      }
    });
  }

  private run(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.max) {
      const chunk = all.slice(i, i + this.max);
      this.flush(chunk.map((p) => p.item)).then(
        (outcomes) => {
          for (const [k, p] of chunk.entries()) {
            const o = outcomes[k];
            if (o === undefined) p.reject(new Error("no outcome for a batched item"));
            else p.resolve(o);
          }
        },
        (error: unknown) => {
          for (const p of chunk) p.reject(error);
        },
      );
    }
  }
}

import type { Clock, IdSource } from "../kernel/index.ts";

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  constructor(private ms = 1_750_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Deterministic ids: "1", "2", … (optionally prefixed). */
export class CounterIds implements IdSource {
  private n = 0;
  constructor(private readonly prefix = "") {}
  next(): string {
    this.n += 1;
    return `${this.prefix}${this.n}`;
  }
}

/**
 * Branded identifiers. Snowflake ids travel as strings of digits (int64 does not fit a JS number).
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type ExecutionId = Brand<string, "ExecutionId">;
export type EventId = Brand<string, "EventId">;
export type CommandId = Brand<string, "CommandId">;

/** Source of fresh ids; injected so the pure core stays deterministic. */
export interface IdSource {
  next(): string;
}

/** Source of time in epoch milliseconds; injected so the pure core reads no clock. */
export interface Clock {
  now(): number;
}

/** 2024-01-01T00:00:00Z, the NoETL snowflake epoch. */
export const SNOWFLAKE_EPOCH_MS = 1_704_067_200_000;

/**
 * NoETL snowflake ids: `(ms since 2024-01-01) << 23 | shard << 18 | seq`, as a decimal string.
 * Monotonic per generator even when the clock stalls or steps back.
 */
export class SnowflakeIds implements IdSource {
  private lastMs = -1;
  private seq = 0;
  constructor(
    private readonly clock: Clock,
    private readonly shard = 0,
  ) {}

  next(): string {
    let ms = Math.max(this.clock.now() - SNOWFLAKE_EPOCH_MS, this.lastMs);
    if (ms === this.lastMs) {
      this.seq = (this.seq + 1) & 0x3ffff;
      if (this.seq === 0) ms += 1; // 262,144 ids in one ms: borrow the next ms
    } else {
      this.seq = 0;
    }
    this.lastMs = ms;
    const id = (BigInt(ms) << 23n) | (BigInt(this.shard & 0x1f) << 18n) | BigInt(this.seq);
    return id.toString();
  }
}

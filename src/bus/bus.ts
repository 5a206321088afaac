/**
 * Command-notification port. Messages are pointers only: `{execution_id, command_id}`; the
 * authoritative command is in the store. Adapters: `local/` (in-process), `nats/` (JetStream).
 */
import type { CommandId, ExecutionId } from "../kernel/index.ts";

export interface CommandNotice {
  execution_id: ExecutionId;
  command_id: CommandId;
  /**
   * Re-dispatch generation (the reaper sets it): transports that de-duplicate by command id
   * treat each generation as a new message, so a re-dispatch is never dropped as a duplicate.
   */
  redelivery?: number;
}

export interface Delivery {
  notice: CommandNotice;
  /** Done with the message (claimed, or found terminal). */
  ack(): Promise<void>;
  /** Let the bus redeliver it later (transient failure). */
  nak(delayMs?: number): Promise<void>;
}

export interface Subscription {
  /** Stop receiving; in-flight handlers are awaited. */
  close(): Promise<void>;
}

export interface Bus {
  readonly name: string;
  /** Publish a notice to a pool; dedup by command id where the transport supports it. */
  publish(pool: string, notice: CommandNotice): Promise<void>;
  /** Receive notices of a pool, at most `concurrency` handlers at once. */
  subscribe(
    pool: string,
    handler: (delivery: Delivery) => Promise<void>,
    options?: { concurrency?: number; consumer?: string },
  ): Promise<Subscription>;
  close(): Promise<void>;
}

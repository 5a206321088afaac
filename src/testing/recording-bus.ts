import type { Bus, CommandNotice, Subscription } from "../bus/index.ts";

/** A bus that records what is published and how each subscription was asked for, and delivers nothing. */
export class RecordingBus implements Bus {
  readonly name = "recording";
  readonly notices: CommandNotice[] = [];
  readonly subscriptions: Array<{ pool: string; concurrency?: number; consumer?: string }> = [];

  async publish(_pool: string, notice: CommandNotice): Promise<void> {
    this.notices.push(notice);
  }

  async subscribe(
    pool: string,
    _handler: unknown,
    options: { concurrency?: number; consumer?: string } = {},
  ): Promise<Subscription> {
    this.subscriptions.push({ pool, ...options });
    return { close: async () => undefined };
  }

  async close(): Promise<void> {}
}

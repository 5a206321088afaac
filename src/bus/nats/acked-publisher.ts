import { createInbox, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";

/** A publish not acknowledged within this time fails (and is retried by the bus). */
const PUBLISH_ACK_TIMEOUT_MS = 5000;

interface PendingAck {
  resolve(): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * JetStream publishes that resolve once the stream acknowledged them. The acknowledgements
 * arrive on one inbox subscription (`<inbox>.<token>` replies), subscribed at the first publish:
 * the client's own request path builds an `Error`, stack included, per request.
 */
export class AckedPublisher {
  /** Publishes waiting for their acknowledgement, by token. */
  private readonly acks = new Map<string, PendingAck>();
  private prefix: string | undefined;
  private seq = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly inboxPrefix?: string,
  ) {}

  /** Publish `data` on `subject` with `Nats-Msg-Id` = `msgID` (de-duplicated by the stream). */
  publish(subject: string, data: string, msgID: string): Promise<void> {
    const prefix = this.inbox();
    const token = (this.seq++).toString(36);
    const h = headers();
    h.set("Nats-Msg-Id", msgID);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(token);
        reject(
          new Error(`JetStream did not acknowledge a publish on ${subject} in ${PUBLISH_ACK_TIMEOUT_MS} ms`),
        );
      }, PUBLISH_ACK_TIMEOUT_MS);
      timer.unref?.();
      this.acks.set(token, { resolve, reject, timer });
      try {
        this.nc.publish(subject, data, { headers: h, reply: `${prefix}.${token}` });
      } catch (error) {
        clearTimeout(timer);
        this.acks.delete(token);
        reject(error as Error);
      }
    });
  }

  /** Fail the publishes still waiting: their acknowledgement will not come. */
  close(): void {
    for (const [token, pending] of this.acks) {
      this.acks.delete(token);
      clearTimeout(pending.timer);
      pending.reject(new Error("the NATS bus is closed"));
    }
  }

  private inbox(): string {
    if (this.prefix) return this.prefix;
    const prefix = createInbox(this.inboxPrefix);
    this.nc.subscribe(`${prefix}.*`, {
      callback: (error, msg) => {
        if (!error) this.settle(prefix, msg);
      },
    });
    this.prefix = prefix;
    return prefix;
  }

  private settle(prefix: string, msg: Msg): void {
    const token = msg.subject.slice(prefix.length + 1);
    const pending = this.acks.get(token);
    if (!pending) return;
    this.acks.delete(token);
    clearTimeout(pending.timer);
    if (msg.headers?.code === 503) {
      pending.reject(new Error("JetStream is not available (no stream answered the publish)"));
      return;
    }
    try {
      const ack = msg.json<{ error?: { code?: number; description?: string } }>();
      if (ack.error)
        pending.reject(new Error(`JetStream refused a publish: ${ack.error.description ?? ack.error.code}`));
      else pending.resolve();
    } catch (error) {
      pending.reject(error as Error);
    }
  }
}

import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { configError, encodingOf, required } from "./nats-config.ts";
import { bytesOf, storedValue } from "./payload.ts";

export const STREAM_OPERATIONS = ["publish", "js_publish", "js_get_msg", "js_stream_info"] as const;
export type StreamOperation = (typeof STREAM_OPERATIONS)[number];

/**
 * Publishing on a subject (core NATS, or JetStream with the stream's acknowledgement) and reading
 * a stream (one stored message, its state).
 */
export async function runStreamOperation(
  operation: StreamOperation,
  config: JsonObject,
  nc: NatsConnection,
): Promise<JsonObject> {
  switch (operation) {
    case "publish": {
      const subject = required(config, "subject");
      nc.publish(subject, bytesOf(messageOf(config), "text"));
      await nc.flush();
      return { subject, published: true };
    }
    case "js_publish": {
      const subject = required(config, "subject");
      const data = bytesOf(messageOf(config), encodingOf(config));
      const msgID = config.msg_id ?? config.message_id;
      if (msgID !== undefined && (typeof msgID !== "string" || msgID === ""))
        throw configError("kind: nats: `msg_id` must be a non-empty string");
      const ack = await jetstream(nc).publish(subject, data, msgID ? { msgID } : {});
      return { subject, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    }
    case "js_get_msg": {
      const stream = required(config, "stream");
      const encoding = encodingOf(config);
      const query = messageQuery(config);
      const msg = await (await jetstreamManager(nc)).streams.getMessage(stream, query);
      if (!msg) return { stream, subject: null, seq: null, data: null, time: null };
      return {
        stream,
        subject: msg.subject,
        seq: msg.seq,
        data: storedValue(msg.data, encoding),
        time: msg.time.toISOString(),
      };
    }
    case "js_stream_info": {
      const stream = required(config, "stream");
      const info = await (await jetstreamManager(nc)).streams.info(stream);
      return {
        stream: info.config.name,
        subjects: info.config.subjects ?? [],
        messages: info.state.messages,
        bytes: info.state.bytes,
        first_seq: info.state.first_seq,
        last_seq: info.state.last_seq,
        consumers: info.state.consumer_count,
        created: info.created,
      };
    }
  }
}

/** What `publish` and `js_publish` send: `data`, or `value` / `payload`. */
function messageOf(config: JsonObject): Json {
  return config.data ?? config.value ?? config.payload ?? null;
}

/** `seq` (a stream sequence) or `subject` / `last_by_subject` (that subject's last message). */
function messageQuery(config: JsonObject): { seq: number } | { last_by_subj: string } {
  const seq = config.seq ?? config.sequence;
  if (seq !== undefined && seq !== null && seq !== "") {
    const n = typeof seq === "string" ? Number(seq) : seq;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1)
      throw configError(`kind: nats: \`seq\` must be a positive integer (got ${JSON.stringify(seq)})`);
    return { seq: n };
  }
  const subject = config.last_by_subject ?? config.subject;
  if (typeof subject === "string" && subject !== "") return { last_by_subj: subject };
  throw configError("kind: nats: js_get_msg needs `seq` or `subject`");
}

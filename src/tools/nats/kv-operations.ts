import type { KV } from "@nats-io/kv";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { JsonObject } from "../../kernel/index.ts";
import { required } from "./nats-config.ts";
import { decode, payloadOf } from "./payload.ts";

export const KV_OPERATIONS = ["kv_get", "kv_put", "kv_delete", "kv_purge", "kv_keys"] as const;
export type KvOperation = (typeof KV_OPERATIONS)[number];

/** A JetStream key/value operation on `bucket` (created by `kv_put`, else it must exist). */
export async function runKvOperation(
  operation: KvOperation,
  config: JsonObject,
  nc: NatsConnection,
): Promise<JsonObject> {
  const bucket = required(config, "bucket");
  const kvm = new Kvm(nc);
  switch (operation) {
    case "kv_put": {
      const key = required(config, "key");
      const kv = await kvm.create(bucket);
      const revision = await kv.put(key, payloadOf(config.value ?? config.data ?? null));
      return { key, revision };
    }
    case "kv_get": {
      const key = required(config, "key");
      const entry = await (await openBucket(kvm, bucket)).get(key);
      if (entry?.operation !== "PUT") return { key, value: null, revision: null };
      return { key, value: decode(entry.string()), revision: entry.revision };
    }
    case "kv_delete": {
      const key = required(config, "key");
      await (await openBucket(kvm, bucket)).delete(key);
      return { key, deleted: true };
    }
    case "kv_purge": {
      const key = required(config, "key");
      await (await openBucket(kvm, bucket)).purge(key);
      return { key, purged: true };
    }
    case "kv_keys": {
      const filter = typeof config.filter === "string" && config.filter !== "" ? config.filter : undefined;
      const keys: string[] = [];
      for await (const key of await (await openBucket(kvm, bucket)).keys(filter)) keys.push(key);
      return { keys: keys.sort() };
    }
  }
}

/** Opens a bucket that must exist (a missing one fails with a clear not_found). */
async function openBucket(kvm: Kvm, bucket: string): Promise<KV> {
  const kv = await kvm.open(bucket);
  await kv.status();
  return kv;
}

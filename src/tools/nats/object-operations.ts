import type { ObjectInfo, ObjectStore } from "@nats-io/obj";
import { Objm } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import type { JsonObject } from "../../kernel/index.ts";
import { encodingOf, required } from "./nats-config.ts";
import { bytesOf, storedValue } from "./payload.ts";

export const OBJECT_OPERATIONS = [
  "object_get",
  "object_put",
  "object_delete",
  "object_list",
  "object_info",
] as const;
export type ObjectOperation = (typeof OBJECT_OPERATIONS)[number];

/** Thrown (and classified `not_found`) for a missing object store or object. */
export class ObjectNotFoundError extends Error {
  override readonly name = "ObjectNotFoundError";
}

/**
 * A JetStream object store operation on `bucket` (created by `object_put`, else it must exist);
 * the object is `name` (or `key`).
 */
export async function runObjectOperation(
  operation: ObjectOperation,
  config: JsonObject,
  nc: NatsConnection,
): Promise<JsonObject> {
  const bucket = required(config, "bucket");
  const objm = new Objm(nc);
  switch (operation) {
    case "object_put": {
      const name = required(config, "key");
      const data = bytesOf(config.data ?? config.value ?? null, encodingOf(config));
      const store = await objm.create(bucket);
      const description = typeof config.description === "string" ? config.description : undefined;
      return describe(await store.putBlob({ name, ...(description ? { description } : {}) }, data));
    }
    case "object_get": {
      const name = required(config, "key");
      const encoding = encodingOf(config);
      const data = await (await openStore(objm, bucket)).getBlob(name);
      if (data === null) return { name, data: null, size: null };
      return { name, data: storedValue(data, encoding), size: data.length };
    }
    case "object_delete": {
      const name = required(config, "key");
      const purged = await (await openStore(objm, bucket)).delete(name);
      return { name, deleted: purged.success };
    }
    case "object_list": {
      const objects = (await (await openStore(objm, bucket)).list())
        .filter((o) => !o.deleted)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { objects: objects.map(describe) };
    }
    case "object_info": {
      const name = required(config, "key");
      const info = await (await openStore(objm, bucket)).info(name);
      if (!info || info.deleted) throw new ObjectNotFoundError(`object ${name} not found in ${bucket}`);
      return describe(info);
    }
  }
}

/** An object store that must exist. */
async function openStore(objm: Objm, bucket: string): Promise<ObjectStore> {
  try {
    return await objm.open(bucket);
  } catch (error) {
    if (error instanceof Error && /not found/i.test(error.message))
      throw new ObjectNotFoundError(`object store ${bucket} not found`);
    throw error;
  }
}

function describe(info: ObjectInfo): JsonObject {
  return {
    bucket: info.bucket,
    name: info.name,
    size: info.size,
    chunks: info.chunks,
    digest: info.digest,
    modified: info.mtime,
    revision: info.revision,
    ...(info.description ? { description: info.description } : {}),
  };
}

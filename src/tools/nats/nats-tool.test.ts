import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { connect } from "@nats-io/transport-node";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { NATS_URL, natsSkipReason } from "../../testing/index.ts";
import { toolContext } from "../test-context.ts";
import type { ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { createNatsTool, ERROR_CODES } from "./index.ts";

const skip = await natsSkipReason();
const tool = createNatsTool();
const bucket = `noetl_test_${process.pid}_${Date.now()}`;

const run = (config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<Json> =>
  tool.run({ servers: NATS_URL, ...config }, toolContext(ctx));
async function failure(config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<ToolError> {
  const error: unknown = await run(config, ctx).catch((e: unknown) => e);
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}

describe("nats tool", { skip }, () => {
  let nc: NatsConnection;
  before(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  after(async () => {
    await tool.close?.();
    const kvm = new Kvm(nc);
    for (const name of [bucket, `${bucket}_auth`]) {
      await kvm
        .open(name)
        .then((kv) => kv.destroy())
        .catch(() => {});
    }
    await nc.close();
  });

  it("has kind nats and documents its codes", () => {
    assert.equal(tool.kind, "nats");
    assert.ok(ERROR_CODES.some((c) => c.code === "NOETL_E_NATS_NOT_FOUND"));
  });

  it("puts and gets strings and JSON values (creating the bucket)", async () => {
    assert.deepEqual(await run({ operation: "kv_put", bucket, key: "greeting", value: "hello" }), {
      key: "greeting",
      revision: 1,
    });
    assert.deepEqual(await run({ operation: "kv_get", bucket, key: "greeting" }), {
      key: "greeting",
      value: "hello",
      revision: 1,
    });
    const put = (await run({
      operation: "kv_put",
      bucket,
      key: "doc.1",
      value: { a: [1, true] },
    })) as JsonObject;
    assert.equal(put.revision, 2);
    assert.deepEqual(await run({ operation: "kv_get", bucket, key: "doc.1" }), {
      key: "doc.1",
      value: { a: [1, true] },
      revision: 2,
    });
  });

  it("returns a null value for a missing key", async () => {
    await run({ operation: "kv_put", bucket, key: "present", value: 1 });
    assert.deepEqual(await run({ operation: "kv_get", bucket, key: "absent" }), {
      key: "absent",
      value: null,
      revision: null,
    });
  });

  it("lists keys and deletes a key", async () => {
    await run({ operation: "kv_put", bucket, key: "gone", value: "x" });
    const before = (await run({ operation: "kv_keys", bucket })) as { keys: string[] };
    assert.ok(before.keys.includes("gone"));
    assert.deepEqual([...before.keys].sort(), before.keys);
    assert.deepEqual(await run({ operation: "kv_delete", bucket, key: "gone" }), {
      key: "gone",
      deleted: true,
    });
    assert.deepEqual(((await run({ operation: "kv_get", bucket, key: "gone" })) as JsonObject).value, null);
    const afterDelete = (await run({ operation: "kv_keys", bucket })) as { keys: string[] };
    assert.ok(!afterDelete.keys.includes("gone"));
    const filtered = (await run({ operation: "kv_keys", bucket, filter: "doc.>" })) as { keys: string[] };
    assert.deepEqual(filtered.keys, ["doc.1"]);
  });

  it("reports a missing bucket as not_found", async () => {
    for (const operation of ["kv_get", "kv_delete", "kv_keys"]) {
      const error = await failure({ operation, bucket: `${bucket}_missing`, key: "k" });
      assert.equal(error.info.kind, "not_found", operation);
      assert.equal(error.info.code, "NOETL_E_NATS_NOT_FOUND");
    }
  });

  it("publishes JSON-encoded data", async () => {
    const subject = `noetl.test.${process.pid}.${Date.now()}`;
    const sub = nc.subscribe(subject, { max: 2 });
    await nc.flush();
    assert.deepEqual(await run({ operation: "publish", subject, data: { n: 1 } }), {
      subject,
      published: true,
    });
    await run({ operation: "publish", subject, data: "raw" });
    const received: string[] = [];
    for await (const msg of sub) received.push(msg.string());
    assert.deepEqual(received, ['{"n":1}', "raw"]);
  });

  it("uses an auth credential and registers its secret", async () => {
    const secrets: string[] = [];
    const out = await run(
      { operation: "kv_put", bucket: `${bucket}_auth`, key: "k", value: "v", auth: "nats_cred" },
      {
        credentials: { get: async () => ({ type: "nats", user: "noetl", pass: "pw-secret" }) },
        addSecret: (v) => secrets.push(v),
      },
    );
    assert.deepEqual(out, { key: "k", revision: 1 });
    assert.deepEqual(secrets, ["pw-secret"]);
  });

  it("reconnects after close()", async () => {
    await tool.close?.();
    assert.equal(
      ((await run({ operation: "kv_get", bucket, key: "greeting" })) as JsonObject).value,
      "hello",
    );
  });

  it("validates the config", async () => {
    assert.equal((await failure({ operation: "kv_nope", bucket })).info.code, "NOETL_E_NATS_CONFIG");
    assert.equal((await failure({ operation: "kv_get", bucket })).info.code, "NOETL_E_NATS_CONFIG");
    assert.equal((await failure({ operation: "publish" })).info.code, "NOETL_E_NATS_CONFIG");
    const badKey = await failure({ operation: "kv_put", bucket, key: "bad key!", value: 1 });
    assert.equal(badKey.info.kind, "schema");
  });

  it("reports an unreachable server as connection (retryable)", async () => {
    const error = await failure({ servers: "nats://127.0.0.1:1", operation: "kv_get", bucket, key: "k" });
    assert.equal(error.info.kind, "connection");
    assert.equal(error.info.retryable, true);
    assert.equal(error.info.code, "NOETL_E_NATS_CONNECTION");
  });
});

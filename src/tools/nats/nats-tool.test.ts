import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
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
const stream = `NOETL_TEST_TOOL_${process.pid}_${Date.now()}`;
const streamSubject = `noetl_test_tool.${process.pid}.${Date.now()}`;

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
    await new Objm(nc)
      .open(`${bucket}_obj`)
      .then((os) => os.destroy())
      .catch(() => {});
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
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

  it("purges a key's history", async () => {
    await run({ operation: "kv_put", bucket, key: "counter", value: 1 });
    await run({ operation: "kv_put", bucket, key: "counter", value: 2 });
    assert.deepEqual(await run({ operation: "kv_purge", bucket, key: "counter" }), {
      key: "counter",
      purged: true,
    });
    assert.equal(((await run({ operation: "kv_get", bucket, key: "counter" })) as JsonObject).value, null);
    const kv = await new Kvm(nc).open(bucket);
    const history: unknown[] = [];
    for await (const e of await kv.history({ key: "counter" })) history.push(e.operation);
    assert.deepEqual(history, ["PURGE"]);
  });

  it("puts, reads, lists, describes and deletes objects (creating the store)", async () => {
    const store = `${bucket}_obj`;
    const put = (await run({
      operation: "object_put",
      bucket: store,
      key: "reports/a.json",
      data: { n: 1 },
    })) as JsonObject;
    assert.equal(put.name, "reports/a.json");
    assert.equal(put.size, 7);
    assert.match(String(put.digest), /^SHA-256=/);
    await run({ operation: "object_put", bucket: store, key: "b.txt", data: "plain text" });
    const bytes = Buffer.from([0, 255, 1, 254]).toString("base64");
    await run({ operation: "object_put", bucket: store, key: "c.bin", data: bytes, encoding: "base64" });
    assert.deepEqual(await run({ operation: "object_get", bucket: store, key: "reports/a.json" }), {
      name: "reports/a.json",
      data: { n: 1 },
      size: 7,
    });
    assert.equal(
      ((await run({ operation: "object_get", bucket: store, key: "b.txt" })) as JsonObject).data,
      "plain text",
    );
    assert.deepEqual(
      await run({ operation: "object_get", bucket: store, key: "c.bin", encoding: "base64" }),
      {
        name: "c.bin",
        data: bytes,
        size: 4,
      },
    );
    const info = (await run({ operation: "object_info", bucket: store, key: "b.txt" })) as JsonObject;
    assert.equal(info.size, 10);
    assert.equal(info.bucket, store);
    const listed = (await run({ operation: "object_list", bucket: store })) as { objects: JsonObject[] };
    assert.deepEqual(
      listed.objects.map((o) => o.name),
      ["b.txt", "c.bin", "reports/a.json"],
    );
    assert.deepEqual(await run({ operation: "object_delete", bucket: store, key: "b.txt" }), {
      name: "b.txt",
      deleted: true,
    });
    assert.deepEqual(await run({ operation: "object_delete", bucket: store, key: "never" }), {
      name: "never",
      deleted: false,
    });
    assert.deepEqual(await run({ operation: "object_get", bucket: store, key: "b.txt" }), {
      name: "b.txt",
      data: null,
      size: null,
    });
    const missing = await failure({ operation: "object_info", bucket: store, key: "b.txt" });
    assert.equal(missing.info.kind, "not_found");
    const after = (await run({ operation: "object_list", bucket: store })) as { objects: JsonObject[] };
    assert.deepEqual(
      after.objects.map((o) => o.name),
      ["c.bin", "reports/a.json"],
    );
    for (const operation of ["object_get", "object_list", "object_info", "object_delete"]) {
      const error = await failure({ operation, bucket: `${bucket}_obj_missing`, key: "x" });
      assert.equal(error.info.kind, "not_found", operation);
      assert.equal(error.info.code, "NOETL_E_NATS_NOT_FOUND");
    }
  });

  it("publishes to a stream and reads its messages and state", async () => {
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${streamSubject}.>`] });
    const subject = `${streamSubject}.orders`;
    assert.deepEqual(await run({ operation: "js_publish", subject, data: { id: 1 }, msg_id: "order-1" }), {
      subject,
      stream,
      seq: 1,
      duplicate: false,
    });
    // the same msg_id within the stream's duplicate window is stored once
    const again = (await run({
      operation: "js_publish",
      subject,
      data: { id: 1 },
      msg_id: "order-1",
    })) as JsonObject;
    assert.deepEqual([again.seq, again.duplicate], [1, true]);
    await run({ operation: "js_publish", subject, data: "second" });
    const first = (await run({ operation: "js_get_msg", stream, seq: 1 })) as JsonObject;
    assert.deepEqual([first.subject, first.seq, first.data], [subject, 1, { id: 1 }]);
    assert.ok(!Number.isNaN(Date.parse(String(first.time))));
    const last = (await run({ operation: "js_get_msg", stream, subject })) as JsonObject;
    assert.deepEqual([last.seq, last.data], [2, "second"]);
    assert.deepEqual(await run({ operation: "js_get_msg", stream, seq: 99 }), {
      stream,
      subject: null,
      seq: null,
      data: null,
      time: null,
    });
    const info = (await run({ operation: "js_stream_info", stream })) as JsonObject;
    assert.deepEqual([info.stream, info.messages, info.first_seq, info.last_seq], [stream, 2, 1, 2]);
    assert.deepEqual(info.subjects, [`${streamSubject}.>`]);
    const notFound: JsonObject[] = [
      { operation: "js_stream_info", stream: `${stream}_MISSING` },
      { operation: "js_get_msg", stream: `${stream}_MISSING`, seq: 1 },
      { operation: "js_publish", subject: `noetl_test_nostream.${process.pid}`, data: 1 },
    ];
    for (const config of notFound) {
      const error = await failure(config);
      assert.equal(error.info.kind, "not_found", String(config.operation));
      assert.equal(error.info.code, "NOETL_E_NATS_NOT_FOUND");
    }
    assert.equal(
      (await failure({ operation: "js_get_msg", stream, seq: "x" })).info.code,
      "NOETL_E_NATS_CONFIG",
    );
    assert.equal((await failure({ operation: "js_get_msg", stream })).info.code, "NOETL_E_NATS_CONFIG");
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
    assert.equal(
      (await failure({ operation: "object_put", bucket, data: 1 })).info.code,
      "NOETL_E_NATS_CONFIG",
    );
    const badEncoding = await failure({ operation: "object_get", bucket, key: "x", encoding: "hex" });
    assert.equal(badEncoding.info.code, "NOETL_E_NATS_CONFIG");
  });

  it("reports an unreachable server as connection (retryable)", async () => {
    const error = await failure({ servers: "nats://127.0.0.1:1", operation: "kv_get", bucket, key: "k" });
    assert.equal(error.info.kind, "connection");
    assert.equal(error.info.retryable, true);
    assert.equal(error.info.code, "NOETL_E_NATS_CONNECTION");
  });
});

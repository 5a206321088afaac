import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExecutionId, Json, JsonObject } from "../../kernel/index.ts";
import type { ControlPlane, ResultRef } from "../../protocol/index.ts";
import { toolContext } from "../test-context.ts";
import type { ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { artifactTool } from "./artifact-tool.ts";

/** A control plane keeping results in a map (the store's part is tested with the stores). */
function resultsPlane(): { plane: ControlPlane; stored: Map<string, Json> } {
  const stored = new Map<string, Json>();
  const base = toolContext().controlPlane;
  const plane: ControlPlane = {
    ...base,
    async putResult(executionId: ExecutionId, name: string, data: Json) {
      const ref = `noetl://execution/${executionId}/result/${name}/${stored.size}`;
      stored.set(ref, data);
      return {
        kind: "result_ref",
        ref,
        store: "test",
        bytes: Buffer.byteLength(JSON.stringify(data)),
      } as unknown as ResultRef;
    },
    async resolveResult(ref: string) {
      if (!stored.has(ref)) throw new Error(`no ${ref}`);
      return stored.get(ref) as Json;
    },
  };
  return { plane, stored };
}

const run = (config: JsonObject, ctx: Partial<ToolContext>): Promise<Json> =>
  artifactTool.run(config, toolContext(ctx));

async function failure(config: JsonObject, ctx: Partial<ToolContext>): Promise<ToolError> {
  const error: unknown = await run(config, ctx).catch((e: unknown) => e);
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}

describe("artifact tool", () => {
  it("puts a value (named after the step and task) and gets it back", async () => {
    const { plane, stored } = resultsPlane();
    const ctx = { controlPlane: plane, step: "fetch", task: "save" };
    const put = (await run({ action: "put", data: { rows: [1, 2] } }, ctx)) as JsonObject;
    const text = JSON.stringify({ rows: [1, 2] });
    assert.deepEqual(Object.keys(put).sort(), ["compressed", "size_bytes", "uri"]);
    assert.match(String(put.uri), /\/result\/fetch\.save\//);
    assert.equal(put.size_bytes, text.length);
    assert.equal(put.compressed, false);
    assert.deepEqual(stored.get(String(put.uri)), { rows: [1, 2] });
    // the task's `name` (its label) names the value
    const named = (await run({ data: "x" }, { ...ctx, task: "report" })) as JsonObject;
    assert.match(String(named.uri), /\/result\/fetch\.report\//);
    // get returns {data, uri, size_bytes, compressed}
    const got = { data: { rows: [1, 2] }, uri: put.uri, size_bytes: text.length, compressed: false };
    // by reference string, by a put's result, by a ResultRef map, under `ref`, `result_ref` and `uri`
    assert.deepEqual(await run({ action: "get", ref: put.uri as string }, ctx), got);
    assert.deepEqual(await run({ ref: put }, ctx), got);
    assert.deepEqual(await run({ result_ref: { kind: "result_ref", ref: put.uri as string } }, ctx), got);
    assert.deepEqual(await run({ action: "get", uri: named.uri as string }, ctx), {
      data: "x",
      uri: named.uri,
      size_bytes: 3,
      compressed: false,
    });
    // size_bytes counts UTF-8 bytes of the stored JSON
    const accented = (await run({ data: "é" }, ctx)) as JsonObject;
    assert.equal(((await run({ uri: accented.uri as string }, ctx)) as JsonObject).size_bytes, 4);
    // the data of a put may come from the task's input, the reference of a get too
    const fromInput = (await run({}, { ...ctx, input: { data: [3] } })) as JsonObject;
    assert.deepEqual(stored.get(String(fromInput.uri)), [3]);
    assert.deepEqual(
      ((await run({ action: "get" }, { ...ctx, input: { result_ref: fromInput } })) as JsonObject).data,
      [3],
    );
  });

  it("reports a reference it cannot resolve as missing_reference, and bad configs as schema", async () => {
    const { plane } = resultsPlane();
    const ctx = { controlPlane: plane };
    const missing = await failure({ ref: "noetl://execution/1/result/nope/0" }, ctx);
    assert.deepEqual(
      [missing.info.kind, missing.info.code],
      ["missing_reference", "NOETL_E_ARTIFACT_MISSING"],
    );
    const noRef = await failure({ action: "get" }, ctx);
    assert.deepEqual([noRef.info.kind, noRef.info.code], ["schema", "NOETL_E_ARTIFACT_CONFIG"]);
    const badAction = await failure({ action: "copy" }, ctx);
    assert.equal(badAction.info.code, "NOETL_E_ARTIFACT_CONFIG");
  });
});

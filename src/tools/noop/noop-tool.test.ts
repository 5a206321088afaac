import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toolContext } from "../test-context.ts";
import { noopTool } from "./index.ts";

describe("noop tool", () => {
  it("has kind noop", () => {
    assert.equal(noopTool.kind, "noop");
  });

  it("returns config.result when given", async () => {
    assert.deepEqual(await noopTool.run({ result: { a: 1 } }, toolContext({ input: { b: 2 } })), { a: 1 });
  });

  it("returns null when config.result is explicitly null", async () => {
    assert.equal(await noopTool.run({ result: null }, toolContext({ input: { b: 2 } })), null);
  });

  it("returns {status: noop, step} without a result, whatever the input", async () => {
    assert.deepEqual(await noopTool.run({}, toolContext({ step: "route", input: { b: 2 } })), {
      status: "noop",
      step: "route",
    });
    assert.deepEqual(await noopTool.run({}, toolContext({ step: "start" })), {
      status: "noop",
      step: "start",
    });
  });
});

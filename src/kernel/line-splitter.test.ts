import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineSplitter } from "./line-splitter.ts";

describe("LineSplitter", () => {
  it("answers the lines each chunk completes, joining a line cut across chunks", () => {
    const lines = new LineSplitter();
    assert.deepEqual(lines.push('{"a":1}\n{"b"'), ['{"a":1}']);
    assert.equal(lines.pendingLength, 4);
    assert.deepEqual(lines.push(":2"), []);
    assert.equal(lines.pendingLength, 6);
    assert.deepEqual(lines.push('}\n\n{"c":3}\n'), ['{"b":2}', "", '{"c":3}']);
    assert.equal(lines.pendingLength, 0);
  });

  it("keeps a chunk without a newline whole until its line ends", () => {
    const lines = new LineSplitter();
    assert.deepEqual(lines.push("abc"), []);
    assert.deepEqual(lines.push("def"), []);
    assert.deepEqual(lines.push("\n"), ["abcdef"]);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LineSink, writeLine } from "./worker-channel.ts";

/** A sink that records what reaches the "wire": what is written while uncorked, or on uncork. */
function sink() {
  const wire: string[] = [];
  let held: string[] = [];
  const s: LineSink & { wire: string[] } = {
    wire,
    writableCorked: 0,
    cork() {
      (this as { writableCorked: number }).writableCorked += 1;
    },
    uncork() {
      (this as { writableCorked: number }).writableCorked -= 1;
      if (this.writableCorked === 0 && held.length > 0) {
        wire.push(held.join(""));
        held = [];
      }
    },
    write(chunk: string) {
      if (this.writableCorked > 0) held.push(chunk);
      else wire.push(chunk);
      return true;
    },
  };
  return s;
}

describe("writeLine", () => {
  it("sends the lines of one turn together, as JSON lines, once the turn ends", () => {
    const s = sink();
    const flushes: Array<() => void> = [];
    const soon = (f: () => void) => flushes.push(f);
    writeLine(s, { id: 1, status: 202, body: {} }, soon);
    writeLine(s, { id: 2, status: 200, body: { a: "x\ny" } }, soon);
    writeLine(s, { id: 3, op: "next" }, soon);
    assert.equal(s.wire.length, 0, "held until the turn ends");
    assert.equal(flushes.length, 1, "one flush per turn");
    flushes[0]?.();
    assert.equal(s.wire.length, 1);
    assert.deepEqual(
      s.wire[0]
        ?.split("\n")
        .slice(0, -1)
        .map((l) => JSON.parse(l)),
      [
        { id: 1, status: 202, body: {} },
        { id: 2, status: 200, body: { a: "x\ny" } },
        { id: 3, op: "next" },
      ],
    );
    writeLine(s, { id: 4 }, soon);
    assert.equal(flushes.length, 2, "the next turn corks again");
    flushes[1]?.();
    assert.deepEqual(s.wire[1], '{"id":4}\n');
  });

  it("leaves a socket someone else corked to them (no extra flush)", () => {
    const s = sink();
    s.cork();
    const flushes: Array<() => void> = [];
    writeLine(s, { id: 1 }, (f) => flushes.push(f));
    assert.equal(flushes.length, 0);
    s.uncork();
    assert.deepEqual(s.wire, ['{"id":1}\n']);
  });
});

/**
 * A template error at run time names the playbook line of its task or step (DECISIONS 31), in
 * the message and as `line`/`column`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Harness, harness } from "../support/run-playbook.ts";

let h: Harness;
before(async () => {
  h = await harness({ memory: true });
});
after(() => h?.close());

describe("error positions", () => {
  it("a task's template error names the task's line (worker side)", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: pos_task, path: pos/task }
workflow:
  - step: start
    tool:
      - { name: fine, kind: noop, result: 1 }
      - name: broken
        kind: noop
        result: "{{ nothing.there }}"
`);
    assert.equal(r.status, "failed");
    const error = r.error as { message: string; line: number; column: number; task: string };
    assert.equal(error.task, "broken");
    assert.deepEqual([error.line, error.column], [8, 9]);
    assert.match(error.message, /'nothing' is undefined .*\(playbook line 8, column 9\)$/);
  });

  it("a step's template error names the step's line (engine side)", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: pos_step, path: pos/step }
workflow:
  - step: start
    tool: { kind: noop, result: 1 }
    next: { arcs: [{ step: second }] }
  - step: second
    input: { v: "{{ start.missing.deeper }}" }
    tool: { kind: noop }
`);
    assert.equal(r.status, "failed");
    const error = r.error as { message: string; line: number };
    assert.equal(error.line, 8);
    assert.match(error.message, /^input of step 'second': .*\(playbook line 8, column 5\)$/);
  });
});

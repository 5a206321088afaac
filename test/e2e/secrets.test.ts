/**
 * `kind: secrets` end to end, embedded: the worker reads the value from its environment, the later
 * tasks of the step use it, and nothing the execution records (events, results, errors, output,
 * ctx) holds it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Harness, harness } from "../support/run-playbook.ts";

const SECRET = "s3cr3t-from-the-worker-env";
let h: Harness;

describe("secrets: a value from the worker's environment, redacted everywhere", () => {
  before(async () => {
    process.env.NOETL_TEST_SECRETS_VALUE = SECRET;
    h = await harness({ memory: true });
  });
  after(async () => {
    delete process.env.NOETL_TEST_SECRETS_VALUE;
    await h?.close();
  });

  it("lets the step's later tasks use the value and records only [REDACTED]", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: secrets_env, path: e2e/secrets_env }
workflow:
  - step: use
    tool:
      - { name: token, kind: secrets, secret: NOETL_TEST_SECRETS_VALUE, provider: env }
      - name: check
        kind: shell
        env: { S: "{{ token.value }}" }
        command: 'test "$S" = "${SECRET}" && echo "ok $S" && echo "err $S" >&2'
        spec:
          policy:
            rules:
              - when: "{{ output.status == 'ok' }}"
                then: { do: continue, set: { ctx.leak: "{{ token.value }}" } }
    next: { arcs: [{ step: after }] }
  - step: after
    tool: { kind: noop, result: { seen: "{{ use.stdout }}", ctx: "{{ ctx.leak }}" } }
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.result, { seen: "ok [REDACTED]\n", ctx: "[REDACTED]" });
    const recorded = JSON.stringify({ events: r.events, steps: r.steps, result: r.result });
    assert.ok(!recorded.includes(SECRET), "the secret leaked into what the execution recorded");
  });

  it("the single-object form names the secret with `name`; a failing later task does not leak it", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: secrets_fail, path: e2e/secrets_fail }
workflow:
  - step: get
    tool: { kind: secrets, name: NOETL_TEST_SECRETS_VALUE }
    next: { arcs: [{ step: boom }] }
  - step: boom
    tool:
      - { name: again, kind: secrets, secret: NOETL_TEST_SECRETS_VALUE }
      - { name: fail, kind: shell, command: 'echo "bad {{ again.value }}" >&2; exit 2' }
`);
    assert.equal(r.status, "failed");
    assert.deepEqual(r.steps.get, { value: "[REDACTED]" });
    assert.match((r.error as { message: string }).message, /bad \[REDACTED\]/);
    assert.ok(!JSON.stringify(r.events).includes(SECRET), "the secret leaked into the events");
  });

  it("an unset variable fails the step with NOETL_E_SECRETS_MISSING", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: secrets_missing, path: e2e/secrets_missing }
workflow:
  - step: get
    tool: { kind: secrets, name: NOETL_TEST_SECRETS_UNSET }
`);
    assert.equal(r.status, "failed");
    assert.equal((r.error as { code: string }).code, "NOETL_E_SECRETS_MISSING");
  });
});

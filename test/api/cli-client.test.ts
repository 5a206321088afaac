/**
 * The `noetl` client commands against a server (through test/support/api-stack.ts; runs
 * bin/noetl.js on the compiled build).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ApiStack, apiStack } from "../support/api-stack.ts";
import { runNoetlAsync } from "../support/noetl-cli.ts";

let api: ApiStack;
before(async () => {
  api = await apiStack();
});
after(() => api.close());

describe("CLI client commands against the server", () => {
  it("catalog register/list/get, exec --wait, status, events, credential via --server", async () => {
    const env = { ...process.env, NOETL_HOME: api.home, NOETL_LOG_LEVEL: "silent" };
    const noetl = async (...args: string[]) => {
      const r = await runNoetlAsync([...args, "--server", api.server.url], env);
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const reg = await noetl("catalog", "register", "examples/hello.yaml", "--json");
    assert.equal(reg.code, 0, reg.err);
    assert.equal(JSON.parse(reg.out).path, "examples/hello");
    assert.match((await noetl("catalog", "list")).out, /examples\/hello/);
    assert.match((await noetl("catalog", "get", "examples/hello")).out, /kind: Playbook/);
    const run = await noetl("exec", "examples/hello", "--set", "name=Ada", "--wait", "--json");
    assert.equal(run.code, 0, run.err);
    const doc = JSON.parse(run.out);
    assert.deepEqual(doc.result, { message: "HELLO, ADA!", chars: 11 });
    const status = JSON.parse((await noetl("status", doc.execution_id, "--json")).out);
    assert.equal(status.status, "completed");
    const events = (await noetl("events", doc.execution_id, "--json", "--follow")).out.trim().split("\n");
    assert.equal(JSON.parse(events.at(-1) as string).type, "playbook.completed");
    assert.equal(
      (await noetl("credential", "add", "cli_cred", "--type", "generic", "--data", '{"k": "v-secret-1"}'))
        .code,
      0,
    );
    assert.match((await noetl("credential", "list")).out, /cli_cred\tgeneric/);
  });
});

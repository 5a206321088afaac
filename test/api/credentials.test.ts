/**
 * The credential routes (through test/support/api-stack.ts): data only on request, never in
 * lists, and secrets redacted from events.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ApiStack, apiStack } from "../support/api-stack.ts";

let api: ApiStack;
before(async () => {
  api = await apiStack();
});
after(() => api.close());

describe("HTTP API + remote worker", () => {
  it("credentials: data only with include_data, never in lists; secrets redacted from events", async () => {
    await api.http.post("/api/credentials", {
      name: "svc",
      type: "generic",
      data: { token: "s3cr3t-value-xyz" },
    });
    const list = JSON.stringify(await api.http.get("/api/credentials"));
    assert.ok(list.includes("svc") && !list.includes("s3cr3t"));
    assert.ok(!JSON.stringify(await api.http.get("/api/credentials/svc")).includes("s3cr3t"));
    const withData = await api.http.get<{ data: { token: string } }>(
      "/api/credentials/svc?include_data=true",
    );
    assert.equal(withData.data.token, "s3cr3t-value-xyz");
    const leak = `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: leak, path: api/leak }
keychain: [{ name: svc, kind: credential }]
workflow:
  - step: a
    tool: { kind: javascript, input: { t: "{{ keychain.svc.token }}" }, code: "return { echoed: t, msg: 'token is ' + t }" }
`;
    const r = await api.runToEnd(leak);
    assert.equal(r.result.status, "completed");
    const events = JSON.stringify(await api.http.get(`/api/executions/${r.execution_id}/events`));
    assert.ok(!events.includes("s3cr3t-value-xyz"), "secret leaked into events");
    assert.ok(events.includes("[REDACTED]"));
  });
});

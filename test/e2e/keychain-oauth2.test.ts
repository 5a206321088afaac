/**
 * The `oauth2` keychain kind against a local token endpoint: the token request is rendered from
 * workload and earlier entries, made once per execution while the token lives, its token
 * redacted from what steps report, and a refused request fails the step with the provider's
 * error code (never the secrets it was sent).
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type Harness, harness } from "../support/run-playbook.ts";

const TOKEN = "tok-0123456789abcdef";
let h: Harness;
let server: Server;
let base = "";
const requests: Array<{ body: string; type: string | undefined; auth: string | undefined }> = [];

describe("keychain oauth2", () => {
  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        requests.push({ body, type: req.headers["content-type"], auth: req.headers["x-app"] as string });
        const form = new URLSearchParams(body);
        res.setHeader("content-type", "application/json");
        if (form.get("client_secret") !== "shh-secret-42") {
          res.statusCode = 401;
          res.end(JSON.stringify({ error: "invalid_client", error_description: "bad secret shh" }));
          return;
        }
        res.end(JSON.stringify({ access_token: TOKEN, token_type: "Bearer", expires_in: 3600 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    h = await harness({ memory: true });
  });
  after(async () => {
    await h?.close();
    server?.close();
  });

  // the client secret comes from the environment, so that it is in neither the playbook nor the log
  const playbook = (secret: string) => {
    process.env.NOETL_TEST_OAUTH_SECRET = secret;
    return `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: oauth2_flow, path: keychain/oauth2_flow }
workload: { token_url: "${base}/token", app: "noetl-test" }
keychain:
  - { name: client_secret, kind: env, env: NOETL_TEST_OAUTH_SECRET }
  - name: api
    kind: oauth2
    endpoint: "{{ workload.token_url }}"
    headers: { x-app: "{{ workload.app }}" }
    data: { grant_type: client_credentials, client_id: client-1, client_secret: "{{ keychain.client_secret }}" }
workflow:
  - step: a
    tool: { kind: javascript, input: { t: "{{ keychain.api.access_token }}", ty: "{{ keychain.api.token_type }}" }, code: "return { header: ty + ' ' + t, n: t.length }" }
    next: { arcs: [{ step: b }] }
  - step: b
    tool: { kind: javascript, input: { t: "{{ keychain.api.access_token }}" }, code: "return t.length" }
`;
  };

  it("asks once per execution, renders the request, redacts the token but not its type", async () => {
    requests.length = 0;
    const r = await h.run(playbook("shh-secret-42"));
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.steps.a, { header: "Bearer [REDACTED]", n: TOKEN.length });
    assert.equal(r.steps.b, TOKEN.length);
    assert.equal(requests.length, 1, "the token is cached for the execution while it lives");
    const [req] = requests as [(typeof requests)[number]];
    assert.equal(req.type, "application/x-www-form-urlencoded");
    assert.equal(req.auth, "noetl-test");
    assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), {
      grant_type: "client_credentials",
      client_id: "client-1",
      client_secret: "shh-secret-42",
    });
    assert.ok(!JSON.stringify(r.events).includes(TOKEN), "the token leaked into the events");
  });

  it("a refused request fails the step with the provider's error, not the secret", async () => {
    const r = await h.run(playbook("wrong-secret-0"));
    assert.equal(r.status, "failed");
    const error = r.error as { code: string; message: string };
    assert.match(
      error.message,
      /keychain entry 'api' \(oauth2\): token request to .* failed with HTTP 401 \(invalid_client/,
    );
    assert.ok(!JSON.stringify(r.events).includes("wrong-secret-0"), "the client secret leaked");
  });
});

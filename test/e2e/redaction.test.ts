/**
 * Secrets are redacted from what a step reports, and only secrets: a stored credential's host,
 * user and database name stay as they are in results (DECISIONS 36; `credential-secrets.ts`).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pgCredentialData, postgresSkipReason } from "../../src/testing/index.ts";
import { type Harness, harness } from "../support/run-playbook.ts";

const PASSWORD = "pw-Secret-4242";
let h: Harness;

describe("redaction of credentials", () => {
  before(async () => {
    h = await harness({ memory: true });
    await h.app.credentials.put("pg_like", "postgres", {
      db_host: "127.0.0.1",
      db_user: "postgres",
      db_name: "test",
      db_password: PASSWORD,
    });
    await h.app.credentials.put("odd", "generic", {
      url: "https://svc:url-pass-777@api.example.com/v1",
      client_marker: "unknown-field-999",
      region: "eu-west",
    });
  });
  after(() => h?.close());

  it("keeps a credential's host, user and database in results; redacts its password", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: redact_pg_like, path: redact/pg_like }
keychain: [{ name: pg, kind: credential, ref: pg_like }]
workflow:
  - step: a
    tool:
      kind: javascript
      input: { c: "{{ keychain.pg }}" }
      code: "return { user: c.db_user, db: c.db_name, host: c.db_host, phrase: 'latest contest', pw: c.db_password, said: 'pw is ' + c.db_password }"
`);
    assert.equal(r.status, "completed");
    assert.deepEqual(r.result, {
      user: "postgres",
      db: "test",
      host: "127.0.0.1",
      phrase: "latest contest",
      pw: "[REDACTED]",
      said: "pw is [REDACTED]",
    });
    assert.ok(!JSON.stringify(r.events).includes(PASSWORD), "the password leaked into the events");
  });

  it("keychain entries are rendered against workload and earlier entries, and redacted", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: keychain_templates, path: redact/keychain_templates }
workload: { tok: "abcd1234efgh", user: "svc" }
keychain:
  - { name: t, kind: static, value: "{{ workload.tok }}" }
  - { name: pair, kind: static, map: { user: "{{ workload.user }}", header: "Bearer {{ keychain.t }}" } }
  - { name: b, kind: bearer, token: "{{ workload.tok }}-b" }
workflow:
  - step: a
    tool:
      kind: javascript
      input: { t: "{{ keychain.t }}", p: "{{ keychain.pair }}", b: "{{ keychain.b.token }}" }
      code: "return { length: t.length, header: p.header, same: p.header === 'Bearer ' + t, bearer: b === t + '-b' }"
`);
    assert.equal(r.status, "completed", JSON.stringify(r.error));
    assert.deepEqual(r.result, { length: 12, header: "Bearer [REDACTED]", same: true, bearer: true });
    // (the workload, where this test keeps the token, is in the log as given)
    const reported = r.events.filter((e) => e.type === "call.done" || e.type === "step.enter");
    assert.ok(!JSON.stringify(reported).includes("abcd1234efgh"), "a keychain value leaked into the events");
  });

  it("redacts every field it does not know to be locating, and a URL's password", async () => {
    const r = await h.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: redact_odd, path: redact/odd }
keychain: [{ name: odd, kind: credential }]
workflow:
  - step: a
    tool: { kind: javascript, input: { c: "{{ keychain.odd }}" }, code: "return c" }
`);
    assert.equal(r.status, "completed");
    assert.deepEqual(r.result, {
      url: "https://svc:[REDACTED]@api.example.com/v1",
      client_marker: "[REDACTED]",
      region: "eu-west",
      type: "generic",
    });
  });
});

const skip = await postgresSkipReason();
describe("redaction of a postgres task's credential", { skip }, () => {
  let pg: Harness;
  before(async () => {
    pg = await harness({ memory: true });
    await pg.app.credentials.put("pg_test", "postgres", pgCredentialData());
  });
  after(() => pg?.close());

  it("rows holding the database's name or user come back unchanged", async () => {
    const r = await pg.run(`apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: redact_rows, path: redact/rows }
workflow:
  - step: q
    tool: { kind: postgres, auth: pg_test, command: "SELECT 'latest contest' AS t, current_user AS u, current_database() AS d" }
`);
    assert.equal(r.status, "completed");
    const pgData = pgCredentialData();
    const row = (r.result as { rows?: Array<Record<string, unknown>> }).rows?.[0];
    assert.deepEqual(row, { t: "latest contest", u: pgData.db_user, d: pgData.db_name });
  });
});

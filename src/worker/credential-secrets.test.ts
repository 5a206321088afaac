import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { credentialSecrets } from "./credential-secrets.ts";

describe("credential secrets", () => {
  it("locating fields are not secrets; everything else is, whatever its name", () => {
    assert.deepEqual(
      credentialSecrets({
        DB_HOST: "h",
        db_user: "postgres",
        db_name: "test",
        db_password: "pw",
        x: { y: 1 },
      }),
      ["pw", { y: 1 }],
    );
    assert.deepEqual(credentialSecrets("bare-token"), ["bare-token"]);
    assert.deepEqual(credentialSecrets(["a", "b"]), [["a", "b"]]);
  });

  it("a locating URL's password is a secret, percent-decoded", () => {
    assert.deepEqual(credentialSecrets({ url: "postgres://u:p%40ss@h/db", base_url: "https://h/x" }), [
      "p@ss",
    ]);
    assert.deepEqual(credentialSecrets({ servers: ["nats://a:one@h1", "nats://h2", "not a url @"] }), [
      "one",
    ]);
  });
});

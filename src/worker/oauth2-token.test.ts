import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { JsonObject } from "../kernel/index.ts";
import { requestToken, TokenCache, tokenSecrets } from "./oauth2-token.ts";

describe("oauth2 tokens", () => {
  let server: Server;
  let base = "";
  before(async () => {
    server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/huge") res.end(JSON.stringify({ access_token: "x".repeat(1_000_001) }));
      else res.end(JSON.stringify({ access_token: "tok-1", token_type: "Bearer", expires_in: 120 }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server?.close());

  it("refuses a response larger than a token response can be", async () => {
    await assert.rejects(requestToken("api", { endpoint: `${base}/huge` }), /larger than 1000000 characters/);
    assert.deepEqual(await requestToken("api", { endpoint: `${base}/token` }), {
      access_token: "tok-1",
      token_type: "Bearer",
      expires_in: 120,
    });
  });

  it("asks once per execution and entry while the token lives (expires_in less a minute)", async () => {
    let asked = 0;
    let now = 0;
    const cache = new TokenCache(
      async () => {
        asked += 1;
        return { access_token: `t${asked}`, expires_in: 120 } as JsonObject;
      },
      () => now,
    );
    const entry = { endpoint: "https://auth.example/token" };
    assert.equal((await cache.get("x1", "api", entry)).access_token, "t1");
    now = 59_000;
    assert.equal((await cache.get("x1", "api", entry)).access_token, "t1");
    assert.equal((await cache.get("x2", "api", entry)).access_token, "t2", "another execution asks again");
    now = 60_001;
    assert.equal((await cache.get("x1", "api", entry)).access_token, "t3", "expired after 120 s less 60");
  });

  it("the token fields are secrets, not token_type, expires_in or scope", () => {
    assert.deepEqual(
      tokenSecrets({
        access_token: "a",
        refresh_token: "r",
        id_token: "i",
        token_type: "Bearer",
        expires_in: 1,
        scope: "s",
      }),
      ["a", "r", "i"],
    );
  });
});

import assert from "node:assert/strict";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { toolContext } from "../test-context.ts";
import type { ToolContext } from "../tool.ts";
import { ToolError } from "../tool.ts";
import { createHttpTool, ERROR_CODES } from "./index.ts";
import { parseRetryAfter } from "./retry-after.ts";

const tool = createHttpTool();
let base = "";

const run = (config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<JsonObject> =>
  tool.run(config, toolContext(ctx)) as Promise<JsonObject>;
async function failure(config: JsonObject, ctx: Partial<ToolContext> = {}): Promise<ToolError> {
  const error: unknown = await run(config, ctx).catch((e: unknown) => e);
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}

function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(text);
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  const q = url.searchParams;
  const path = url.pathname;
  if (path === "/echo") {
    send(res, 200, {
      method: req.method ?? "",
      path,
      query: Object.fromEntries(q),
      all: q.getAll("tag"),
      headers: req.headers as JsonObject,
      body,
    });
  } else if (path === "/text") {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "x-custom": "yes" });
    res.end("hello, world");
  } else if (path === "/bad-json") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{not json");
  } else if (path.startsWith("/status/")) {
    const status = Number(path.slice("/status/".length));
    const headers: Record<string, string> = {};
    if (q.has("retry")) headers["retry-after"] = q.get("retry") ?? "";
    send(res, status, { error: `status ${status}` }, headers);
  } else if (path === "/slow") {
    setTimeout(() => send(res, 200, { slow: true }), Number(q.get("ms") ?? 1000)).unref();
  } else if (path === "/slow-body") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("start");
    setTimeout(() => res.end("end"), Number(q.get("ms") ?? 1000)).unref();
  } else if (path === "/big") {
    const size = Number(q.get("bytes"));
    res.writeHead(200, { "content-type": "text/plain" });
    const chunk = Buffer.alloc(1024 * 1024, "x");
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        if (!res.write(part)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
  } else if (path === "/huge-declared") {
    res.writeHead(200, { "content-type": "text/plain", "content-length": String(60 * 1024 * 1024) });
    res.write("x");
  } else if (path.startsWith("/redirect/")) {
    const n = Number(path.slice("/redirect/".length));
    res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}` : "/echo?done=1" });
    res.end();
  } else {
    send(res, 404, { error: "no route" });
  }
}

describe("http tool", () => {
  let server: Server;
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await tool.close?.();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("has kind http and documents its codes", () => {
    assert.equal(tool.kind, "http");
    assert.ok(ERROR_CODES.some((c) => c.code === "NOETL_E_HTTP_STATUS"));
  });

  it("returns {status_code, headers, url, elapsed, data, body} with parsed JSON", async () => {
    const out = await run({ url: `${base}/echo` });
    assert.deepEqual(Object.keys(out).sort(), ["body", "data", "elapsed", "headers", "status_code", "url"]);
    assert.equal(out.status_code, 200);
    assert.equal(out.url, `${base}/echo`);
    assert.equal((out.headers as JsonObject)["content-type"], "application/json");
    assert.equal(typeof out.elapsed, "number");
    assert.equal((out.data as JsonObject).method, "GET");
    assert.deepEqual(out.body, out.data);
  });

  it("returns text for non-JSON and unparsable JSON bodies", async () => {
    const out = await run({ url: `${base}/text` });
    assert.equal(out.data, "hello, world");
    assert.equal(out.body, "hello, world");
    assert.equal((out.headers as JsonObject)["x-custom"], "yes");
    assert.equal((await run({ url: `${base}/bad-json` })).data, "{not json");
  });

  it("sends params (lists repeat) and headers", async () => {
    const out = await run({
      url: `${base}/echo?fixed=1`,
      params: { q: "a b", n: 5, tag: ["x", "y"], skip: null },
      headers: { "X-Test": "yes", "X-Num": 7 },
    });
    const data = out.data as JsonObject;
    assert.deepEqual(data.query, { fixed: "1", q: "a b", n: "5", tag: "y" });
    assert.deepEqual(data.all, ["x", "y"]);
    assert.equal((data.headers as JsonObject)["x-test"], "yes");
    assert.equal((data.headers as JsonObject)["x-num"], "7");
    assert.equal(out.url, `${base}/echo?fixed=1&q=a+b&n=5&tag=x&tag=y`);
  });

  it("sends JSON, raw and form bodies", async () => {
    const json = (await run({ url: `${base}/echo`, method: "post", json: { a: 1 } })).data as JsonObject;
    assert.equal(json.method, "POST");
    assert.equal(json.body, '{"a":1}');
    assert.equal((json.headers as JsonObject)["content-type"], "application/json");

    const data = (await run({ url: `${base}/echo`, method: "PUT", data: [1, 2] })).data as JsonObject;
    assert.equal(data.body, "[1,2]", "a data list is JSON");
    assert.equal((data.headers as JsonObject)["content-type"], "application/json");

    const payload = (await run({ url: `${base}/echo`, method: "PATCH", payload: { a: 1 } }))
      .data as JsonObject;
    assert.equal(payload.body, '{"a":1}');
    assert.equal((payload.headers as JsonObject)["content-type"], "application/json");

    const raw = (
      await run({
        url: `${base}/echo`,
        method: "POST",
        body: "plain text",
        headers: { "content-type": "text/plain" },
      })
    ).data as JsonObject;
    assert.equal(raw.body, "plain text");
    assert.equal((raw.headers as JsonObject)["content-type"], "text/plain");

    const form = (await run({ url: `${base}/echo`, method: "POST", form: { a: "1 2", b: "&" } }))
      .data as JsonObject;
    assert.equal(form.body, "a=1+2&b=%26");
    assert.equal((form.headers as JsonObject)["content-type"], "application/x-www-form-urlencoded");
  });

  it("NoETL's data: {query, body} splits; a GET's plain data is its query string", async () => {
    const split = await run({
      url: `${base}/echo`,
      method: "POST",
      params: { p: 1 },
      data: { query: { q: "a b" }, body: { b: 2 } },
    });
    assert.equal(split.url, `${base}/echo?p=1&q=a+b`);
    assert.equal((split.data as JsonObject).body, '{"b":2}');
    const get = await run({ url: `${base}/echo`, data: { page: 2, tag: ["x", "y"] } });
    assert.equal(get.url, `${base}/echo?page=2&tag=x&tag=y`);
    assert.equal((get.data as JsonObject).body, "");
    const post = (await run({ url: `${base}/echo`, method: "POST", data: { query: 1, other: 2 } }))
      .data as JsonObject;
    assert.equal(post.body, "query=1&other=2", "a map with other keys is the form as it is");
  });

  it("sends a POST/PUT/PATCH's plain data map as form fields (httpx data=)", async () => {
    for (const method of ["POST", "PUT", "PATCH"]) {
      const out = (
        await run({
          url: `${base}/echo`,
          method,
          data: { grant_type: "client_credentials", scope: ["a", "b"], n: 1 },
        })
      ).data as JsonObject;
      assert.equal(out.body, "grant_type=client_credentials&scope=a&scope=b&n=1", method);
      assert.equal((out.headers as JsonObject)["content-type"], "application/x-www-form-urlencoded");
    }
    const asJson = (
      await run({
        url: `${base}/echo`,
        method: "POST",
        headers: { "Content-Type": "application/json" },
        data: { a: 1 },
      })
    ).data as JsonObject;
    assert.equal(asJson.body, '{"a":1}', "an explicit JSON content type keeps data JSON");
  });

  for (const [status, kind, retryable] of [
    [400, "client_error", false],
    [401, "auth", false],
    [403, "auth", false],
    [404, "not_found", false],
    [422, "client_error", false],
    [500, "server_error", true],
    [503, "server_error", true],
  ] as const) {
    it(`classifies HTTP ${status} as ${kind}`, async () => {
      const error = await failure({ url: `${base}/status/${status}` });
      assert.equal(error.info.kind, kind);
      assert.equal(error.info.retryable, retryable);
      assert.equal(error.info.code, "NOETL_E_HTTP_STATUS");
      assert.equal(error.info.status_code, status);
      assert.match(error.info.message, new RegExp(`^HTTP ${status}: `));
      const data = error.data as JsonObject;
      assert.equal(data.status_code, status);
      assert.deepEqual(data.data, { error: `status ${status}` });
      const http = error.extra?.http as JsonObject;
      assert.equal(http.status, status);
      assert.equal((http.headers as JsonObject)["content-type"], "application/json");
    });
  }

  it("classifies 429 as rate_limit with retry_after from seconds or an HTTP date", async () => {
    const seconds = await failure({ url: `${base}/status/429`, params: { retry: "7" } });
    assert.equal(seconds.info.kind, "rate_limit");
    assert.equal(seconds.info.retryable, true);
    assert.equal(seconds.info.retry_after, 7);
    const date = new Date(Date.now() + 30_000).toUTCString();
    const dated = await failure({ url: `${base}/status/429`, params: { retry: date } });
    assert.ok(
      typeof dated.info.retry_after === "number" &&
        dated.info.retry_after >= 28 &&
        dated.info.retry_after <= 31,
      String(dated.info.retry_after),
    );
    const none = await failure({ url: `${base}/status/429` });
    assert.equal(none.info.retry_after, undefined);
  });

  it("times out a slow response (retryable)", async () => {
    const started = Date.now();
    const error = await failure({ url: `${base}/slow`, params: { ms: 5000 }, timeout: 0.2 });
    assert.equal(error.info.kind, "timeout");
    assert.equal(error.info.retryable, true);
    assert.equal(error.info.code, "NOETL_E_HTTP_TIMEOUT");
    assert.ok(Date.now() - started < 3000);
    const body = await failure({ url: `${base}/slow-body`, params: { ms: 5000 }, timeout: 0.3 });
    assert.equal(body.info.kind, "timeout");
  });

  it("reports the task timeout and cancellation from the context signal", async () => {
    const timedOut = await failure(
      { url: `${base}/slow`, params: { ms: 5000 } },
      { signal: AbortSignal.timeout(150) },
    );
    assert.equal(timedOut.info.kind, "timeout");
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled")), 100);
    const cancelled = await failure(
      { url: `${base}/slow`, params: { ms: 5000 } },
      { signal: controller.signal },
    );
    assert.equal(cancelled.info.kind, "cancelled");
    assert.equal(cancelled.info.code, "NOETL_E_CANCELLED");
  });

  it("reads a 5 MB body", async () => {
    const out = await run({ url: `${base}/big`, params: { bytes: 5 * 1024 * 1024 } });
    assert.equal((out.data as string).length, 5 * 1024 * 1024);
  });

  it("refuses bodies over 50 MiB (declared or streamed)", async () => {
    const declared = await failure({ url: `${base}/huge-declared` });
    assert.equal(declared.info.code, "NOETL_E_HTTP_TOO_LARGE");
    const streamed = await failure({ url: `${base}/big`, params: { bytes: 51 * 1024 * 1024 } });
    assert.equal(streamed.info.code, "NOETL_E_HTTP_TOO_LARGE");
  });

  it("with follow_redirects: true follows up to 5 redirects and reports the final url", async () => {
    const out = await run({ url: `${base}/redirect/3`, follow_redirects: true });
    assert.equal(out.status_code, 200);
    assert.equal(out.url, `${base}/echo?done=1`);
    assert.equal((await run({ url: `${base}/redirect/1`, allow_redirects: true })).status_code, 200);
    const tooMany = await failure({ url: `${base}/redirect/7`, follow_redirects: true });
    assert.equal(tooMany.info.code, "NOETL_E_HTTP_REDIRECTS");
  });

  it("fails an unfollowed redirect (the default and follow_redirects: false) as HTTP 3xx with the response", async () => {
    const configs: JsonObject[] = [{}, { follow_redirects: false }, { allow_redirects: false }];
    for (const config of configs) {
      const error = await failure({ url: `${base}/redirect/1`, ...config });
      assert.equal(error.info.code, "NOETL_E_HTTP_STATUS");
      assert.equal(error.info.kind, "client_error");
      assert.equal(error.info.retryable, false);
      assert.equal(error.info.status_code, 302);
      assert.equal(error.info.message, "HTTP 302: Found");
      const data = error.data as JsonObject;
      assert.equal(data.status_code, 302);
      assert.equal(data.url, `${base}/redirect/1`);
      assert.equal((data.headers as JsonObject).location, "/echo?done=1");
      const http = error.extra?.http as JsonObject;
      assert.equal(http.status, 302);
      assert.equal((http.headers as JsonObject).location, "/echo?done=1");
    }
  });

  it("fails a final 3xx that is not a redirect to follow (304) even with follow_redirects: true", async () => {
    const error = await failure({ url: `${base}/status/304`, follow_redirects: true });
    assert.equal(error.info.code, "NOETL_E_HTTP_STATUS");
    assert.equal(error.info.kind, "client_error");
    assert.equal(error.info.message, "HTTP 304: Not Modified");
    assert.deepEqual(error.extra?.http, { status: 304, headers: (error.data as JsonObject).headers });
  });

  it("treats every 2xx as success", async () => {
    for (const status of [201, 204]) {
      const out = await run({ url: `${base}/status/${status}` });
      assert.equal(out.status_code, status);
    }
  });

  it("authenticates with a bearer credential and registers the token as a secret", async () => {
    const secrets: string[] = [];
    const names: string[] = [];
    const out = await run(
      { url: `${base}/echo`, auth: "api_token" },
      {
        credentials: {
          get: async (name) => {
            names.push(name);
            return { type: "bearer", token: "t0ken" };
          },
        },
        addSecret: (v) => secrets.push(v),
      },
    );
    assert.deepEqual(names, ["api_token"]);
    assert.equal(((out.data as JsonObject).headers as JsonObject).authorization, "Bearer t0ken");
    assert.deepEqual(secrets, ["t0ken"]);
  });

  it("authenticates with basic and api_key credentials", async () => {
    const creds: Record<string, JsonObject> = {
      b: { type: "basic", username: "u", password: "p" },
      k: { type: "api_key", header: "X-Api-Key", key: "k3y" },
      inferred: { type: "http", token: "tok" },
    };
    const ctx: Partial<ToolContext> = {
      credentials: { get: async (name) => creds[name] ?? {} },
    };
    const headersFor = async (auth: string) =>
      ((await run({ url: `${base}/echo`, auth }, ctx)).data as JsonObject).headers as JsonObject;
    assert.equal((await headersFor("b")).authorization, `Basic ${Buffer.from("u:p").toString("base64")}`);
    assert.equal((await headersFor("k"))["x-api-key"], "k3y");
    assert.equal((await headersFor("inferred")).authorization, "Bearer tok");
    const bad = await failure({ url: `${base}/echo`, auth: "nothing" }, ctx);
    assert.equal(bad.info.code, "NOETL_E_HTTP_CONFIG");
  });

  it("reports a refused connection as connection (retryable)", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await failure({ url: `http://127.0.0.1:${port}/` });
    assert.equal(error.info.kind, "connection");
    assert.equal(error.info.retryable, true);
    assert.equal(error.info.code, "NOETL_E_HTTP_CONNECTION");
  });

  it("rejects a missing or non-http url", async () => {
    assert.equal((await failure({})).info.code, "NOETL_E_HTTP_CONFIG");
    assert.equal((await failure({ url: "ftp://example.com/x" })).info.code, "NOETL_E_HTTP_CONFIG");
    assert.equal((await failure({ url: "not a url" })).info.kind, "schema");
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2024-01-01T00:00:00Z");
  it("parses delta seconds and HTTP dates", () => {
    assert.equal(parseRetryAfter("120", now), 120);
    assert.equal(parseRetryAfter(" 1.5 ", now), 1.5);
    assert.equal(parseRetryAfter("Mon, 01 Jan 2024 00:01:00 GMT", now), 60);
    assert.equal(parseRetryAfter("Sun, 31 Dec 2023 23:00:00 GMT", now), 0);
  });
  it("ignores absent or invalid values", () => {
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter("", now), undefined);
    assert.equal(parseRetryAfter("soon", now), undefined);
  });
});

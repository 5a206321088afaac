/**
 * `noetl context …` as users run it: contexts kept in `<NOETL_HOME>/config.yaml` (mode 0600),
 * validation (exit 2), a corrupt file, and the current context choosing the server and the
 * runtime of `exec|run` (after `-r`, `--server` and NOETL_SERVER_URL), against a real server.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { readConfig } from "../../src/app/index.ts";
import { type MemoryStack, memoryStack } from "../support/memory-stack.ts";
import { runNoetl, runNoetlAsync } from "../support/noetl-cli.ts";

const homes: string[] = [];
after(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), "noetl-ctx-"));
  homes.push(home);
  return home;
}

function envOf(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NOETL_HOME: home, NOETL_LOG_LEVEL: "silent", ...extra };
  if (!("NOETL_SERVER_URL" in extra)) delete env.NOETL_SERVER_URL;
  return env;
}

const noetl = (home: string, ...args: string[]) => runNoetl(args, envOf(home));
/** `noetl` without blocking this process (the in-process server must keep answering). */
const noetlAsync = (home: string, args: string[], extra: Record<string, string> = {}) =>
  runNoetlAsync(args, envOf(home, extra));

describe("noetl context", () => {
  it("add, list, use, current, set-runtime and delete keep <home>/config.yaml, mode 0600", () => {
    const home = newHome();
    const file = join(home, "config.yaml");
    assert.equal(noetl(home, "context", "current").status, 1);
    let r = noetl(home, "context", "add", "dev", "--server-url", "http://127.0.0.1:8082/");
    assert.equal(r.status, 0, r.stderr);
    r = noetl(
      home,
      "context",
      "add",
      "prod",
      "--server-url",
      "https://noetl.example",
      "--runtime",
      "distributed",
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(parse(readFileSync(file, "utf8")), {
      contexts: {
        dev: { server_url: "http://127.0.0.1:8082", runtime: "auto" },
        prod: { server_url: "https://noetl.example", runtime: "distributed" },
      },
    });
    assert.equal(noetl(home, "context", "current").status, 1, "added without --set-current");

    assert.equal(noetl(home, "context", "use", "prod").status, 0);
    assert.equal(noetl(home, "context", "current").stdout, "prod  https://noetl.example  distributed\n");
    assert.equal(noetl(home, "context", "set-runtime", "local").status, 0);
    assert.deepEqual(JSON.parse(noetl(home, "context", "current", "-j").stdout), {
      name: "prod",
      server_url: "https://noetl.example",
      runtime: "local",
    });
    assert.equal(
      noetl(home, "context", "list").stdout,
      "  dev   http://127.0.0.1:8082  auto\n* prod  https://noetl.example  local\n",
    );

    r = noetl(home, "context", "add", "dev", "--server-url", "http://10.0.0.1:8082", "--set-current");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /replaced context 'dev'/);
    assert.equal(noetl(home, "context", "delete", "dev").status, 0);
    assert.deepEqual(JSON.parse(noetl(home, "context", "list", "-j").stdout), {
      current_context: null,
      contexts: [{ name: "prod", server_url: "https://noetl.example", runtime: "local" }],
    });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(home), ["config.yaml"], "no temporary file left");
  });

  it("keeps the keys it does not use (NoETL's auth0 settings) when it rewrites the file", () => {
    const home = newHome();
    writeFileSync(
      join(home, "config.yaml"),
      "current_context: gw\ncontexts:\n  gw:\n    server_url: https://gw.example\n    auth0_domain: x.auth0.com\n",
    );
    assert.equal(noetl(home, "context", "set-runtime", "distributed").status, 0);
    assert.deepEqual(parse(readFileSync(join(home, "config.yaml"), "utf8")), {
      current_context: "gw",
      contexts: {
        gw: { server_url: "https://gw.example", auth0_domain: "x.auth0.com", runtime: "distributed" },
      },
    });
  });

  it("refuses bad names, URLs, runtimes and unknown contexts with exit 2", () => {
    const home = newHome();
    for (const [args, message] of [
      [["add", "a b", "--server-url", "http://x"], /context name 'a b'/],
      [["add", "a", "--server-url", "not a url"], /is not a URL/],
      [["add", "a", "--server-url", "ftp://x"], /http or https/],
      [["add", "a", "--server-url", "http://x", "--runtime", "cloud"], /not 'cloud'/],
      [["use", "nope"], /no context 'nope'/],
      [["delete", "nope"], /no context 'nope'/],
      [["set-runtime", "local"], /no current context/],
    ] as Array<[string[], RegExp]>) {
      const r = noetl(home, "context", ...args);
      assert.equal(r.status, 2, args.join(" "));
      assert.match(r.stderr, /^error NOETL_E_CLI_ARGUMENT: /, args.join(" "));
      assert.match(r.stderr, message, args.join(" "));
    }
    assert.equal(noetl(home, "context", "add", "a", "--server-url", "http://x").status, 0);
    const r = noetl(home, "context", "set-runtime", "sometimes");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /NOETL_E_CLI_ARGUMENT: runtime is local, distributed or auto, not 'sometimes'/);
  });

  it("a corrupt config.yaml is an error naming the file, never a stack trace", () => {
    const home = newHome();
    const file = join(home, "config.yaml");
    for (const [text, what] of [
      ["contexts: [\n", /not valid YAML/],
      ["- a\n", /not a mapping/],
      ["contexts:\n  a: { runtime: local }\n", /context 'a' has no server_url/],
      ["contexts:\n  a: { server_url: 'http://x', runtime: cloud }\n", /not 'cloud'/],
    ] as Array<[string, RegExp]>) {
      writeFileSync(file, text);
      for (const args of [
        ["context", "list"],
        ["context", "use", "a"],
        ["run", "examples/hello.yaml", "-q"],
      ]) {
        const r = noetl(home, ...args);
        assert.equal(r.status, 2, `${args.join(" ")} on ${text}`);
        assert.equal(
          r.stderr.split("\n")[0]?.startsWith(`error NOETL_E_CONFIG_FILE: ${file}: `),
          true,
          r.stderr,
        );
        assert.match(r.stderr, what);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      }
      assert.equal(readFileSync(file, "utf8"), text, "left as it was");
    }
  });
});

describe("the current context picks the server and the runtime", () => {
  const home = newHome();
  const config = readConfig({ NOETL_LOG_LEVEL: "silent" }, { home, secretKey: "ctx-test" });
  let stack: MemoryStack;
  before(async () => {
    stack = await memoryStack(config, 2);
  });
  after(() => stack.close());
  const cli = (...args: string[]) => noetlAsync(home, args);
  const runtimeOf = async (...args: string[]) => {
    const r = await cli(...args, "--dry-run", "-j");
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
    return JSON.parse(r.stdout).runtime as string;
  };

  it("auto: a catalog path runs on the context's server; -r, --server and NOETL_SERVER_URL come first", async () => {
    let r = await cli("context", "add", "srv", "--server-url", stack.server.url, "--set-current");
    assert.equal(r.status, 0, r.stderr);
    r = await cli("catalog", "register", "examples/hello.yaml");
    assert.equal(r.status, 0, r.stderr);
    // The embedded store of this home has no catalog: `run PATH` only succeeds on the server.
    r = await cli("run", "examples/hello", "--set", "name=Ada", "-j");
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.result, { message: "HELLO, ADA!", chars: 11 });
    r = await cli("status", doc.execution_id, "--json");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, "completed");

    assert.equal(await runtimeOf("exec", "examples/hello.yaml"), "local", "auto: a file runs locally");
    assert.equal(await runtimeOf("run", "examples/hello"), "distributed");
    const elsewhere = "http://127.0.0.1:9";
    for (const [args, extra] of [
      [["exec", "examples/hello", "--dry-run", "--server", elsewhere], {}],
      [["exec", "examples/hello", "--dry-run"], { NOETL_SERVER_URL: elsewhere }],
    ] as Array<[string[], Record<string, string>]>) {
      r = await noetlAsync(home, args, extra);
      assert.notEqual(r.status, 0, `${args.join(" ")}: went to the context's server`);
      assert.match(r.stderr, /127\.0\.0\.1:9\b/);
    }
  });

  it("the context's runtime goes before the reference type, -r before the context", async () => {
    assert.equal((await cli("context", "set-runtime", "distributed")).status, 0);
    assert.equal(await runtimeOf("exec", "examples/hello.yaml"), "distributed");
    assert.equal(await runtimeOf("exec", "examples/hello.yaml", "-r", "local"), "local");
    const r = await cli("exec", "examples/hello.yaml", "--set", "name=Bo", "--wait", "-j");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).result, { message: "HELLO, BO!", chars: 10 });
    const listed = await noetlAsync(home, ["list", "executions", "-j", "--server", stack.server.url]);
    assert.equal(listed.stdout.trim().split("\n").length, 2, "both runs are the server's");

    assert.equal((await cli("context", "set-runtime", "local")).status, 0);
    assert.equal(await runtimeOf("exec", "examples/hello", "-r", "distributed"), "distributed");
    // local: the catalog path is looked up in the embedded store, which does not have it
    const local = await cli("run", "examples/hello");
    assert.equal(local.status, 1, local.stderr);
    assert.match(local.stderr, /NOETL_E_CATALOG_NOT_FOUND/);
    assert.equal((await cli("catalog", "list", "--json")).stdout, "", "the embedded catalog");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Json, JsonObject } from "../../kernel/index.ts";
import { toolContext } from "../test-context.ts";
import { ToolError } from "../tool.ts";
import { createSecretsTool, ERROR_CODES } from "./index.ts";

const tool = createSecretsTool({ env: { API_TOKEN: "tok-12345", PIN: "123", EMPTY: "" } });

async function run(config: JsonObject): Promise<{ result: Json; secrets: string[] }> {
  const secrets: string[] = [];
  const result = await tool.run(config, toolContext({ addSecret: (v) => secrets.push(v) }));
  return { result, secrets };
}

async function failure(config: JsonObject): Promise<ToolError> {
  const error: unknown = await run(config).catch((e: unknown) => e);
  assert.ok(error instanceof ToolError, `expected a ToolError, got ${String(error)}`);
  return error;
}

describe("secrets tool", () => {
  it("has kind secrets and documents its codes", () => {
    assert.equal(tool.kind, "secrets");
    assert.deepEqual(
      ERROR_CODES.map((c) => c.code),
      ["NOETL_E_SECRETS_CONFIG", "NOETL_E_SECRETS_MISSING", "NOETL_E_SECRETS_TOO_SHORT"],
    );
  });

  it("returns {value} of the worker's environment variable and registers it as a secret", async () => {
    assert.deepEqual(await run({ name: "API_TOKEN" }), {
      result: { value: "tok-12345" },
      secrets: ["tok-12345"],
    });
    assert.deepEqual(await run({ name: "label", secret: "API_TOKEN", provider: "env" }), {
      result: { value: "tok-12345" },
      secrets: ["tok-12345"],
    });
  });

  it("fails without the value in its message: unset variable, unknown provider, no name, a value too short to redact", async () => {
    const missing = await failure({ name: "NOPE" });
    assert.deepEqual([missing.info.kind, missing.info.code], ["not_found", "NOETL_E_SECRETS_MISSING"]);
    const provider = await failure({ name: "API_TOKEN", provider: "vault" });
    assert.deepEqual([provider.info.kind, provider.info.code], ["schema", "NOETL_E_SECRETS_CONFIG"]);
    assert.equal((await failure({})).info.code, "NOETL_E_SECRETS_CONFIG");
    for (const name of ["PIN", "EMPTY"]) {
      const short = await failure({ name });
      assert.equal(short.info.code, "NOETL_E_SECRETS_TOO_SHORT");
      assert.ok(!short.info.message.includes("123"));
    }
  });
});

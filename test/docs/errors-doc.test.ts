/**
 * Every documented error code of every module appears in docs/errors.md, and every code listed
 * there exists (Fastify-style sync test).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import type { ErrorCodeDoc } from "../../src/kernel/index.ts";

const MODULES = [
  "../../src/app/index.ts",
  "../../src/tools/playbook/index.ts",
  "../../src/expr/index.ts",
  "../../src/dsl/index.ts",
  "../../src/engine/index.ts",
  "../../src/orchestrator/index.ts",
  "../../src/worker/index.ts",
  "../../src/store/index.ts",
  "../../src/cli/error-codes.ts",
  "../../src/tools/python/index.ts",
  "../../src/tools/shell/index.ts",
  "../../src/tools/http/index.ts",
  "../../src/tools/postgres/index.ts",
  "../../src/tools/duckdb/index.ts",
  "../../src/tools/javascript/index.ts",
  "../../src/tools/artifact/index.ts",
  "../../src/tools/secrets/index.ts",
  "../../src/tools/nats/index.ts",
  "../../src/api/index.ts",
];

async function allCodes(): Promise<ErrorCodeDoc[]> {
  const codes: ErrorCodeDoc[] = [];
  for (const m of MODULES) {
    if (!existsSync(new URL(m, import.meta.url))) continue; // modules not built yet
    const mod = (await import(m)) as { ERROR_CODES?: ErrorCodeDoc[] };
    codes.push(...(mod.ERROR_CODES ?? []));
  }
  return codes;
}

test("docs/errors.md lists every error code the modules export", async () => {
  const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
  const codes = await allCodes();
  assert.ok(codes.length > 20, `only ${codes.length} codes found`);
  const missing = codes.filter((c) => !doc.includes(`\`${c.code}\``)).map((c) => c.code);
  assert.deepEqual(missing, [], `add these codes to docs/errors.md: ${missing.join(", ")}`);
});

test("every code in docs/errors.md is exported by a module", async () => {
  const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
  const known = new Set((await allCodes()).map((c) => c.code));
  const documented = [...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1] as string);
  const stale = documented.filter((c) => !known.has(c));
  assert.deepEqual(stale, [], `docs/errors.md lists codes no module exports: ${stale.join(", ")}`);
});

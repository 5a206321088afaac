#!/usr/bin/env node
// Fails when a checked-in generated file (playbook JSON Schema, docs/errors.md) is stale.
// Regenerate with: npm run gen
import { spawnSync } from "node:child_process";

for (const script of ["scripts/gen-schema.ts", "scripts/gen-errors-doc.ts", "scripts/vendor-ui.mjs"]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, "--check"], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

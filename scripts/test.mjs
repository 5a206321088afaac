#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node:test through tsx.
// Usage: node scripts/test.mjs [--unit] [path-filter...]
//   --unit   skip the suites under test/ (end-to-end, distributed, chaos) and the build
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const args = process.argv.slice(2);
const unitOnly = args.includes("--unit");
const filters = args.filter((a) => !a.startsWith("--"));
const roots = unitOnly ? ["src"] : ["src", "test"];

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === "node_modules" || name === "fixtures") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(process.cwd(), path));
  }
  return out;
}

const files = roots
  .flatMap((r) => collect(r, []))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
// The CLI suites run bin/noetl.js, which runs the compiled build: bring it up to date first.
if (!unitOnly) {
  const build = spawnSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=120000", ...files],
  { stdio: "inherit", env: { ...process.env, NOETL_LOG_LEVEL: process.env.NOETL_LOG_LEVEL ?? "silent" } },
);
process.exit(result.status ?? 1);

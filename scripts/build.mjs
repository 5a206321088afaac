#!/usr/bin/env node
// Compiles the native SQLite WAL shim (scripts/build-native.mjs), then src/ to dist/ (plain ESM
// JavaScript) and copies the non-TypeScript files the code loads at run time, then bundles the CLI
// into dist/bundle/ (scripts/bundle-cli.mjs), which is what `noetl` runs.
// Without TypeScript installed (a production install without dev dependencies) it builds only the
// shim: `noetl` then runs the sources through tsx.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// The native SQLite WAL shim first: a production install without TypeScript uses it too.
const native = spawnSync(process.execPath, [join(root, "scripts/build-native.mjs")], { stdio: "inherit" });
if (native.status !== 0) process.exit(native.status ?? 1);
let tsc;
try {
  tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
} catch {
  console.error("build: typescript is not installed; noetl will run the sources through tsx");
  process.exit(0);
}
rmSync(join(root, "dist"), { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);
for (const asset of ["tools/python/runner.py"]) {
  mkdirSync(dirname(join(root, "dist", asset)), { recursive: true });
  cpSync(join(root, "src", asset), join(root, "dist", asset));
}
// The CLI bundled into a few files (faster start-up; see the script)
const bundle = spawnSync(process.execPath, [join(root, "scripts/bundle-cli.mjs")], { stdio: "inherit" });
if (bundle.status !== 0) process.exit(bundle.status ?? 1);
writeFileSync(join(root, "dist", "BUILT"), `${new Date().toISOString()}\n`);

#!/usr/bin/env node
// Compiles the SQLite WAL shim (src/store/sqlite/native/wal-coalesce.c) into build/native/, with
// the C compiler that built better-sqlite3 (`$CC`, else `cc`) against its bundled SQLite headers.
// Optional: without a compiler (or on Windows) it says so and exits 0; SQLite then writes its WAL
// frames one by one (see src/store/sqlite/wal-coalescing.ts).
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src/store/sqlite/native/wal-coalesce.c");
const out = join(root, "build/native", `wal-coalesce.${process.platform === "darwin" ? "dylib" : "so"}`);

function skip(reason) {
  console.error(
    `build: the SQLite WAL shim was not compiled (${reason}); SQLite commits work without it, slower`,
  );
  process.exit(0);
}

if (process.platform === "win32") skip("not built on Windows");
let headers;
try {
  headers = join(
    dirname(createRequire(join(root, "package.json")).resolve("better-sqlite3/package.json")),
    "deps/sqlite3",
  );
} catch {
  skip("better-sqlite3 is not installed");
}
mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
const cc = process.env.CC || "cc";
const r = spawnSync(cc, ["-O2", "-fPIC", "-shared", "-I", headers, "-o", out, source], {
  stdio: ["ignore", "inherit", "inherit"],
});
if (r.error) skip(`${cc}: ${r.error.message}`);
if (r.status !== 0) skip(`${cc} exited with ${r.status}`);

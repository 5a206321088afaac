#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js and what it imports) into a few files under
// dist/bundle/, which `bin/noetl.js` runs when they exist. Node then loads ~15 files instead of
// ~400 (our modules, zod's, yaml's): `noetl --version` 0.26 → 0.16 s, `noetl run
// examples/hello.yaml` 0.45 → 0.37 s on the 2-core benchmark machine, quiet (2026-12-07).
//
// - Our modules, zod, yaml and commander are bundled; every other package stays an import of
//   node_modules (native addons, and packages that find their own files at run time).
// - Code splitting keeps the CLI's lazy imports lazy: the server, NATS and PostgreSQL code load
//   only for the commands that use them.
// - Each of our modules' `import.meta.url` is replaced by the URL its compiled file has in dist/
//   (which stays in place), so the files found relative to it (the python runner, the UI, the
//   native SQLite shim) are found as when dist/ runs unbundled.
// - CommonJS packages inside an ES module bundle call `require`: each chunk defines one.
//
// Without esbuild (a production install without dev dependencies) it does nothing: `noetl` runs
// dist/ unbundled.
import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const outdir = join(dist, "bundle");
const BUNDLED_PACKAGES = new Set(["zod", "yaml", "commander"]);

let esbuild;
try {
  esbuild = await import(pathToFileURL(createRequire(join(root, "package.json")).resolve("esbuild")).href);
} catch {
  console.error("bundle: esbuild is not installed; noetl will run dist/ unbundled");
  process.exit(0);
}

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`). */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

const packagesPlugin = {
  name: "noetl-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      if (BUNDLED_PACKAGES.has(packageName(args.path))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const metaUrlPlugin = {
  name: "noetl-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(`${dist}/`)) return undefined; // a bundled package's file
      let contents = await readFile(args.path, "utf8");
      if (contents.includes("import.meta.url")) {
        const url = `new URL(${JSON.stringify(`./${relative(outdir, args.path)}`)}, import.meta.url).href`;
        contents = contents.replaceAll("import.meta.url", url);
      }
      return { contents, loader: "js" };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [join(dist, "cli/main.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
  banner: {
    js: 'import { createRequire as __noetlCreateRequire } from "node:module";\nconst require = __noetlCreateRequire(import.meta.url);',
  },
  plugins: [packagesPlugin, metaUrlPlugin],
});

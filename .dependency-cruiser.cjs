/**
 * Layer rules of ARCHITECTURE.md, enforced on every `npm run verify`.
 * A folder may import only the folders listed for it, always through their index.ts.
 */
const allow = {
  kernel: [],
  protocol: ["kernel"],
  expr: ["kernel", "protocol"],
  dsl: ["kernel", "protocol", "expr"],
  engine: ["kernel", "protocol", "expr", "dsl"],
  store: ["kernel", "protocol", "dsl"],
  bus: ["kernel", "protocol"],
  tools: ["kernel", "protocol"],
  orchestrator: ["kernel", "protocol", "expr", "dsl", "engine", "store", "bus"],
  worker: ["kernel", "protocol", "expr", "engine", "tools", "bus"],
  api: ["kernel", "protocol", "dsl", "orchestrator", "store", "expr"],
  client: ["kernel", "protocol"],
  app: ["kernel", "protocol", "expr", "dsl", "engine", "store", "bus", "tools", "orchestrator", "worker", "api", "client"],
  cli: ["kernel", "protocol", "dsl", "app", "client", "expr"],
  testing: ["kernel", "protocol", "expr", "dsl", "engine", "store", "bus", "tools", "orchestrator", "worker"],
};
const pure = ["kernel", "protocol", "expr", "dsl", "engine"];
const pureDeps = { dsl: ["yaml", "zod"], protocol: ["zod"] };

const layerRules = Object.entries(allow).map(([folder, deps]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder} may import only: ${deps.join(", ") || "nothing"}`,
  severity: "error",
  from: { path: `^src/${folder}/` },
  to: { path: "^src/", pathNot: [`^src/${folder}/`, ...deps.map((d) => `^src/${d}/`)] },
}));

// Ports never import their adapters; adapters and tools are leaves (no sibling adapters).
const leafRules = [
  {
    name: "port-not-adapter",
    severity: "error",
    from: { path: "^src/(store|bus|tools)/[^/]+\\.ts$" },
    to: { path: "^src/$1/[^/]+/" },
  },
  {
    name: "adapters-are-leaves",
    severity: "error",
    from: { path: "^src/(store|bus|tools)/([^/]+)/" },
    to: { path: "^src/$1/[^/]+/", pathNot: "^src/$1/$2/" },
  },
  {
    name: "services-use-ports",
    comment: "only app/ and testing/ wire adapters",
    severity: "error",
    from: { path: "^src/", pathNot: "^src/(app|testing|store|bus|tools)/" },
    to: { path: "^src/(store|bus|tools)/[^/]+/" },
  },
];

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "through-index",
      comment: "import another folder only through its index.ts",
      severity: "error",
      from: { path: "^src/([^/]+)/" },
      to: { path: "^src/", pathNot: ["^src/$1/", "/index\\.ts$"] },
    },
    ...layerRules,
    ...leafRules,
    {
      name: "pure-no-node",
      comment: "the pure core (kernel, protocol, expr, dsl, engine) does no I/O",
      severity: "error",
      from: { path: `^src/(${pure.join("|")})/`, pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },
    ...pure.map((p) => ({
      name: `pure-npm-${p}`,
      severity: "error",
      from: { path: `^src/${p}/`, pathNot: "\\.test\\.ts$" },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer"],
        pathNot: (pureDeps[p] ?? []).map((d) => `node_modules/${d}/`),
      },
    })),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.ts$|/fixtures/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};

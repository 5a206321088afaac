/**
 * Template rendering speed (`npm run bench:templates`): renders per second of a simple path,
 * a typical SQL template and a condition, compiled once and rendered against a layered scope.
 */
import { compile, evaluateCondition, layered } from "../src/expr/index.ts";

const scope = layered(
  { workload: { api_url: "https://api.example.com", schema: "public", batch: 500 } },
  { ctx: { page: 7, items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `n${i}` })) } },
  { fetch: { data: { rows: [{ id: 1, name: "a" }], total: 1 } } },
);

const CASES: Array<[string, () => unknown]> = [
  ["simple path `{{ ctx.page }}`", () => compile("{{ ctx.page }}").render(scope)],
  [
    "SQL template",
    () =>
      compile(
        "INSERT INTO {{ workload.schema }}.items(id, name) VALUES {% for i in ctx.items %}({{ i.id }}, '{{ i.name | replace(\"'\", \"''\") }}'){{ ',' if not loop.last }}{% endfor %} ON CONFLICT DO NOTHING",
      ).render(scope),
  ],
  [
    "condition `{{ fetch.data.total > 0 and ctx.page < 10 }}`",
    () => evaluateCondition("{{ fetch.data.total > 0 and ctx.page < 10 }}", scope),
  ],
];

for (const [name, fn] of CASES) {
  for (let i = 0; i < 2000; i++) fn(); // warm-up (compile cache, JIT)
  const n = 100_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ms = performance.now() - t;
  console.log(
    `${name}: ${Math.round((n / ms) * 1000).toLocaleString("en")} renders/s (${((ms * 1000) / n).toFixed(2)} µs each)`,
  );
}

/**
 * The benchmark workloads of BENCHMARKS.md, as playbooks. Each returns the YAML and the payload
 * for one execution.
 */
export interface Workload {
  id: string;
  description: string;
  /** Executions started at once per timed run (W3 = 10). */
  batch: number;
  /** Executions per timed run done one after another (W1 = 100 in a row). */
  series: number;
  /** Steps executed per execution (for per-step figures). */
  steps: number;
  yaml: string;
  payload: Record<string, unknown>;
}

function chain(n: number, kind: "javascript" | "python" | "noop"): string {
  const steps: string[] = [];
  for (let i = 1; i <= n; i++) {
    const prev = i === 1 ? "0" : `"{{ s${i - 1}.value }}"`;
    const tool =
      kind === "javascript"
        ? `{ kind: javascript, code: "return { step: ${i}, value: prev + 1 }" }`
        : kind === "python"
          ? `{ kind: python, code: "result = {'step': ${i}, 'value': prev + 1}" }`
          : `{ kind: noop, result: { step: ${i}, value: "{{ input.prev + 1 }}" } }`;
    steps.push(
      `  - step: s${i}\n    input: { prev: ${prev} }\n    tool: ${tool}` +
        (i < n ? `\n    next: { arcs: [{ step: s${i + 1} }] }` : ""),
    );
  }
  return `apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: { name: chain_${kind}_${n}, path: bench/chain_${kind}_${n} }\nworkflow:\n${steps.join("\n")}\n`;
}

function loop(kind: "javascript" | "python"): string {
  const code = kind === "javascript" ? "return { i, doubled: 2 * i }" : "result = {'i': i, 'doubled': 2 * i}";
  return `apiVersion: noetl.io/v2
kind: Playbook
metadata: { name: loop_${kind}, path: bench/loop_${kind} }
workload: { items: [] }
workflow:
  - step: fan
    loop: { in: "{{ workload.items }}", iterator: i, spec: { mode: parallel, max_in_flight: 50 } }
    tool: { kind: ${kind}, input: { i: "{{ i }}" }, code: "${code}" }
    next: { arcs: [{ step: total }] }
  - step: total
    input: { sum: "{{ fan.results | sum(attribute='doubled') }}" }
    tool: { kind: javascript, code: "return { sum }" }
`;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export const WORKLOADS: Record<string, () => Workload> = {
  W1: () => ({
    id: "W1",
    description: "3-step chain (javascript)",
    batch: 1,
    series: 100,
    steps: 3,
    yaml: chain(3, "javascript"),
    payload: {},
  }),
  "W1-10": () => ({
    id: "W1-10",
    description: "10-step chain (javascript)",
    batch: 1,
    series: 100,
    steps: 10,
    yaml: chain(10, "javascript"),
    payload: {},
  }),
  "W1-noop": () => ({
    id: "W1-noop",
    description: "W1 with noop tasks whose result template computes the value (no worker thread)",
    batch: 1,
    series: 100,
    steps: 3,
    yaml: chain(3, "noop"),
    payload: {},
  }),
  "W1-10-noop": () => ({
    id: "W1-10-noop",
    description: "W1-10 with noop tasks",
    batch: 1,
    series: 100,
    steps: 10,
    yaml: chain(10, "noop"),
    payload: {},
  }),
  W2: () => ({
    id: "W2",
    description: "parallel loop of 1,000 (max_in_flight 50) + aggregate",
    batch: 1,
    series: 1,
    steps: 1001,
    yaml: loop("javascript"),
    payload: { items: range(1000) },
  }),
  "W2-10k": () => ({
    id: "W2-10k",
    description: "W2 with 10,000 items",
    batch: 1,
    series: 1,
    steps: 10_001,
    yaml: loop("javascript"),
    payload: { items: range(10_000) },
  }),
  "W2-100k": () => ({
    id: "W2-100k",
    description: "W2 with 100,000 items",
    batch: 1,
    series: 1,
    steps: 100_001,
    yaml: loop("javascript"),
    payload: { items: range(100_000) },
  }),
  W3: () => ({
    id: "W3",
    description: "10 × W1 started at once",
    batch: 10,
    series: 1,
    steps: 30,
    yaml: chain(3, "javascript"),
    payload: {},
  }),
  "W3-noop": () => ({
    id: "W3-noop",
    description: "10 × W1-noop started at once",
    batch: 10,
    series: 1,
    steps: 30,
    yaml: chain(3, "noop"),
    payload: {},
  }),
  "WP-1": () => ({
    id: "WP-1",
    description: "W1 with python steps",
    batch: 1,
    series: 100,
    steps: 3,
    yaml: chain(3, "python"),
    payload: {},
  }),
  "WP-2": () => ({
    id: "WP-2",
    description: "W2 with python steps",
    batch: 1,
    series: 1,
    steps: 1001,
    yaml: loop("python"),
    payload: { items: range(1000) },
  }),
};

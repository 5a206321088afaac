/**
 * The static routing graph of a playbook: successors (arcs and the implicit route to `end`),
 * back-edges (found by DFS from the entry and the handlers) and the AND-join upstream sets
 * (DECISIONS 10–12).
 */
import type { Playbook, Step } from "../dsl/index.ts";

export interface Graph {
  steps: ReadonlyMap<string, Step>;
  /** Index of each step in `workflow` (for deterministic ordering). */
  order: ReadonlyMap<string, number>;
  /** Forward and backward successors of each step (arc targets, or the implicit `end`). */
  successors: ReadonlyMap<string, readonly string[]>;
  /** Distinct upstream steps over forward edges; a step with two or more is an AND-join. */
  upstreams: ReadonlyMap<string, ReadonlySet<string>>;
  /** `from→to` keys of back-edges. */
  backEdges: ReadonlySet<string>;
}

export const IMPLICIT_END = "end";

export function successorsOf(step: Step, steps: ReadonlyMap<string, Step>): string[] {
  if (step.next) return [...new Set(step.next.arcs.map((a) => a.step))];
  if (step.step !== IMPLICIT_END && steps.has(IMPLICIT_END)) return [IMPLICIT_END];
  return [];
}

/** Graphs already built, by playbook (a parsed playbook is never changed; executions share it). */
const built = new WeakMap<Playbook, Graph>();

/** The playbook's graph, built once per playbook object. */
export function graphOf(playbook: Playbook): Graph {
  let graph = built.get(playbook);
  if (graph === undefined) {
    graph = buildGraph(playbook);
    built.set(playbook, graph);
  }
  return graph;
}

export function buildGraph(playbook: Playbook): Graph {
  const steps = new Map(playbook.workflow.map((s) => [s.step, s] as const));
  const order = new Map(playbook.workflow.map((s, i) => [s.step, i] as const));
  const successors = new Map<string, string[]>();
  for (const s of playbook.workflow)
    successors.set(
      s.step,
      successorsOf(s, steps).filter((t) => steps.has(t)),
    );

  // Iterative DFS: an edge to a node on the current stack is a back-edge.
  const backEdges = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const roots = [
    playbook.executor.entry_step,
    playbook.executor.on_error,
    playbook.executor.final_step,
    ...steps.keys(),
  ];
  for (const root of roots) {
    if (!root || state.has(root) || !steps.has(root)) continue;
    const stack: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: string; next: number };
      const succ = successors.get(top.node) ?? [];
      if (top.next >= succ.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const to = succ[top.next++] as string;
      const seen = state.get(to);
      if (seen === 1) backEdges.add(`${top.node}→${to}`);
      else if (seen === undefined) {
        state.set(to, 1);
        stack.push({ node: to, next: 0 });
      }
    }
  }

  const upstreams = new Map<string, Set<string>>();
  for (const s of playbook.workflow) upstreams.set(s.step, new Set());
  for (const [from, targets] of successors) {
    for (const to of targets) if (!backEdges.has(`${from}→${to}`)) upstreams.get(to)?.add(from);
  }
  return { steps, order, successors, upstreams, backEdges };
}

export function isJoin(graph: Graph, step: string): boolean {
  return (graph.upstreams.get(step)?.size ?? 0) >= 2;
}

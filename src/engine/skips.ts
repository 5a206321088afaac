/**
 * Skips and joins (DECISIONS 11, 13): a successor that was not fired is skipped, and so is what
 * only it leads to (`step.skipped`, transitively); a join counts a skipped or untaken branch as
 * resolved and is entered once every upstream that can still run has arrived or resolved.
 */
import type { DecisionContext } from "./decision-context.ts";
import { mergeArrivals } from "./entry-context.ts";
import { isJoin } from "./graph.ts";

type SkipReason = "untaken" | "admission" | "upstream";

/** Successors of `from` that were not fired: joins count the branch as resolved, others are skipped. */
export function skipUntaken(d: DecisionContext, from: string, fired: ReadonlySet<string>): void {
  const s = d.state;
  for (const target of s.graph.successors.get(from) ?? []) {
    if (fired.has(target) || s.graph.backEdges.has(`${from}→${target}`)) continue;
    if (isJoin(s.graph, target)) checkJoin(d, target);
    else if (untouched(d, target)) skip(d, target, "untaken", from);
  }
}

/** Skips `step` and, breadth first, every successor that only it could have started. */
export function skip(d: DecisionContext, step: string, reason: SkipReason, from?: string): void {
  const s = d.state;
  const work: Array<[string, SkipReason, string | undefined]> = [[step, reason, from]];
  while (work.length > 0) {
    const [name, why, origin] = work.shift() as [string, SkipReason, string | undefined];
    if (s.skipped.has(name)) continue;
    d.emit("step.skipped", name, { reason: why, ...(origin ? { from: origin } : {}) });
    for (const target of s.graph.successors.get(name) ?? []) {
      if (s.graph.backEdges.has(`${name}→${target}`)) continue;
      if (isJoin(s.graph, target)) checkJoin(d, target);
      else if (untouched(d, target)) work.push([target, "upstream", name]);
    }
  }
}

/** Enters the join `name` once all its upstreams arrived or resolved (skips it if none arrived). */
export function checkJoin(d: DecisionContext, name: string): void {
  const s = d.state;
  const js = s.joins.get(name);
  if (!js) return;
  const ups = s.graph.upstreams.get(name) ?? new Set<string>();
  for (const u of ups) if (!js.arrived.has(u) && !js.resolved.has(u)) return;
  if (js.arrived.size === 0) return skip(d, name, "upstream");
  d.enter(name, mergeArrivals(s, name));
}

function untouched(d: DecisionContext, step: string): boolean {
  const s = d.state;
  return (s.runs.get(step) ?? 0) === 0 && !s.skipped.has(step) && !s.loops.has(step);
}

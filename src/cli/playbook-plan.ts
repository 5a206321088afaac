import type { Playbook } from "../dsl/index.ts";

/** What `noetl exec|run --dry-run` shows: the steps a run could enter, where it starts, the tools. */
export interface PlaybookPlan {
  path: string;
  version?: number;
  runtime: "local" | "distributed";
  entry_step: string;
  final_step?: string;
  on_error?: string;
  steps: Array<{ step: string; tools: string[]; loop: boolean; next: string[] }>;
}

export function playbookPlan(
  playbook: Playbook,
  where: { path: string; version?: number; runtime: "local" | "distributed"; entryStep?: string },
): PlaybookPlan {
  const x = playbook.executor;
  return {
    path: where.path,
    ...(where.version !== undefined ? { version: where.version } : {}),
    runtime: where.runtime,
    entry_step: where.entryStep ?? x.entry_step,
    ...(x.final_step ? { final_step: x.final_step } : {}),
    ...(x.on_error ? { on_error: x.on_error } : {}),
    steps: playbook.workflow.map((s) => ({
      step: s.step,
      tools: s.tasks.map((t) => (synthetic(t.name, s.step) ? t.kind : `${t.name}: ${t.kind}`)),
      loop: s.loop !== undefined,
      next: (s.next?.arcs ?? []).map((a) => a.step),
    })),
  };
}

/** The plan for a person: one line per step (`▶` marks the entry step). */
export function formatPlan(plan: PlaybookPlan): string {
  const lines = [
    `${plan.path}${plan.version !== undefined ? ` v${plan.version}` : ""} (${plan.runtime}): starts at ${plan.entry_step}`,
  ];
  if (plan.final_step) lines.push(`final step: ${plan.final_step}`);
  if (plan.on_error) lines.push(`on error: ${plan.on_error}`);
  const width = Math.max(...plan.steps.map((s) => s.step.length));
  for (const s of plan.steps) {
    const mark = s.step === plan.entry_step ? "▶" : " ";
    const next = s.next.length > 0 ? `  → ${s.next.join(", ")}` : "";
    lines.push(`${mark} ${s.step.padEnd(width)}  ${s.loop ? "loop of " : ""}${s.tools.join(", ")}${next}`);
  }
  return `${lines.join("\n")}\n`;
}

/** A label the parser made up (`<step>_task`, `task_<i>`, the step's own name): not worth showing. */
function synthetic(name: string, step: string): boolean {
  return name === "" || name === step || name === `${step}_task` || /^task_\d+$/.test(name);
}

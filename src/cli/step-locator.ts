/**
 * Where a failing step or task is written in the playbook file: `file:line:column`, for the
 * CLI's progress and error lines (DECISIONS 3: errors name the offending node). A runtime error
 * names its task (`error.task`) and the event its step; the parsed playbook knows their positions.
 */
import type { Playbook } from "../dsl/index.ts";

/** `at`: a position the error itself carries (a template's), which wins. */
export type StepLocator = (
  step: string | undefined,
  task?: string,
  at?: { line: number; column: number },
) => string | undefined;

export function stepLocator(playbook: Playbook, file: string): StepLocator {
  return (step, task, at) => {
    if (at) return `${file}:${at.line}:${at.column}`;
    const candidates =
      step === undefined ? playbook.workflow : playbook.workflow.filter((s) => s.step === step);
    for (const s of candidates) {
      const t = task === undefined ? undefined : s.tasks.find((x) => x.name === task);
      if (step === undefined && t === undefined) continue;
      const pos = t?.pos ?? s.pos;
      if (pos) return `${file}:${pos.line}:${pos.column}`;
    }
    return undefined;
  };
}

/**
 * Which of a decision's new commands go to which reporting worker (`Handoff`): each report that
 * asked takes, in order, up to its `max` of the commands of its pool not taken yet.
 */
import type { Command, Handoff } from "../protocol/index.ts";

export interface HandoffAssignment {
  command: Command;
  workerId: string;
  /** The index of the report it answers. */
  report: number;
}

export function planHandoffs(
  handoffs: ReadonlyArray<Handoff | undefined>,
  commands: readonly Command[],
): HandoffAssignment[] {
  const out: HandoffAssignment[] = [];
  if (commands.length === 0) return out;
  const free = [...commands];
  for (const [report, h] of handoffs.entries()) {
    for (let n = 0; h && n < h.max; n++) {
      const k = free.findIndex((c) => c.pool === h.pool);
      const command = free[k];
      if (!command) break;
      free.splice(k, 1);
      out.push({ command, workerId: h.worker_id, report });
    }
  }
  return out;
}

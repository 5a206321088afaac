/**
 * Which of a decision's new commands go to which reporting worker (`Handoff`): each report that
 * asked takes, in order, up to its `max` of the commands of its pool not taken yet. Grouped by
 * worker, so each worker's share is claimed in one store call.
 */
import type { Command, Handoff } from "../protocol/index.ts";

export interface HandoffShare {
  workerId: string;
  commands: Command[];
  /** For each command, the index of the report it answers. */
  reports: number[];
}

export function planHandoffs(
  handoffs: ReadonlyArray<Handoff | undefined>,
  commands: readonly Command[],
): HandoffShare[] {
  const shares = new Map<string, HandoffShare>();
  if (commands.length === 0) return [];
  const free = [...commands];
  for (const [report, h] of handoffs.entries()) {
    for (let n = 0; h && n < h.max; n++) {
      const k = free.findIndex((c) => c.pool === h.pool);
      const command = free[k];
      if (!command) break;
      free.splice(k, 1);
      let share = shares.get(h.worker_id);
      if (!share) {
        share = { workerId: h.worker_id, commands: [], reports: [] };
        shares.set(h.worker_id, share);
      }
      share.commands.push(command);
      share.reports.push(report);
    }
  }
  return [...shares.values()];
}

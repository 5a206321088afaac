/**
 * A report that asked for a hand-off and was already taken (a retry after its reply was lost) is
 * answered with the commands its worker holds in the execution, so what was handed to it then is
 * not left waiting for its lease to end. The worker skips any it is running.
 */
import type { ClaimResult, Command, Handoff, NoetlEvent, WorkerEvent } from "../protocol/index.ts";

/** A worker's report as the orchestrator drains it. */
export interface Report {
  events: WorkerEvent[];
  handoff?: Handoff | undefined;
}

/**
 * Adds, to `byReport`, the held commands of each report none of whose events was `inserted`
 * (all its events carry ids: it was taken before). `heldBy`: the commands a worker holds on a
 * live lease in this execution.
 */
export async function answerRepeats(
  reports: readonly Report[],
  inserted: readonly NoetlEvent[],
  byReport: ClaimResult[][],
  heldBy: (workerId: string) => Promise<Command[]>,
  leaseMs: number,
): Promise<void> {
  const repeats = reports.flatMap((r, i) =>
    r.handoff && byReport[i]?.length === 0 && r.events.length > 0 && r.events.every((e) => e.event_id)
      ? [i]
      : [],
  );
  if (repeats.length === 0) return;
  const taken = new Set<string>(inserted.map((e) => e.event_id));
  const held = new Map<string, Command[]>();
  for (const i of repeats) {
    const r = reports[i];
    if (!r?.handoff || r.events.some((e) => taken.has(e.event_id ?? ""))) continue;
    const worker = r.handoff.worker_id;
    let mine = held.get(worker);
    if (!mine) {
      mine = await heldBy(worker);
      held.set(worker, mine);
    }
    // each held command answers one repeat only
    for (const command of mine.splice(0))
      byReport[i]?.push({ status: "claimed", command, lease_ms: leaseMs });
  }
}

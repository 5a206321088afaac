/**
 * The command table's share of a commit (none in exclusive mode, where the orchestrator holds its
 * open commands in memory): the new commands' rows — claimed at once for the workers they go
 * straight to (a hand-off, or an answer to a request for work) — and the status changes the
 * committed events imply.
 */
import type { Command, NoetlEvent } from "../protocol/index.ts";
import type { CommitBatch } from "../store/index.ts";
import { commandUpdatesOf } from "./command-updates.ts";
import { leaseClaims } from "./lease-claims.ts";

export function commandRows(
  events: readonly NoetlEvent[],
  commands: Command[],
  assigned: Iterable<{ readonly command: Command; readonly workerId: string }>,
  now: number,
  leaseMs: number,
): Pick<CommitBatch, "commands" | "commandUpdates" | "claims"> {
  const claims = leaseClaims(assigned, now, leaseMs);
  return { commands, commandUpdates: commandUpdatesOf(events), ...(claims.length > 0 ? { claims } : {}) };
}

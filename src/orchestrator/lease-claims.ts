/**
 * The claims committed with new commands that go straight to a worker (a hand-off, or an answer
 * to a request for work): each command CLAIMED by its worker from `now`, leased for `leaseMs`.
 */
import type { Command } from "../protocol/index.ts";
import type { CommandClaim } from "../store/index.ts";

export function leaseClaims(
  assigned: Iterable<{ readonly command: Command; readonly workerId: string }>,
  now: number,
  leaseMs: number,
): CommandClaim[] {
  const out: CommandClaim[] = [];
  for (const { command, workerId } of assigned)
    out.push({ command_id: command.command_id, worker_id: workerId, at: now, lease_until: now + leaseMs });
  return out;
}

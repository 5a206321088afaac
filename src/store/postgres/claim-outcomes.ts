/** The `ClaimOutcome` of a claim statement's row (`claimCommand`, `claimCommands`). */
import type { ExecutionStatus } from "../../protocol/index.ts";
import { isTerminalStatus } from "../command-status.ts";
import type { ClaimOutcome } from "../store.ts";
import type { CommandRecord } from "./rows.ts";
import { toCommand } from "./rows.ts";

/** The outcome of a claim that took (or renewed) the command; with its execution's status. */
export function claimedOutcome(
  r: CommandRecord & { execution_status: ExecutionStatus | null },
): ClaimOutcome {
  const row = toCommand(r);
  return r.execution_status === null
    ? { status: "claimed", row }
    : { status: "claimed", row, executionStatus: r.execution_status };
}

/** The outcome of a claim that did not take an existing command: finished, or held by another. */
export function unclaimedOutcome(r: CommandRecord): ClaimOutcome {
  const row = toCommand(r);
  return { status: isTerminalStatus(row.status) ? "already_terminal" : "active_claim", row };
}

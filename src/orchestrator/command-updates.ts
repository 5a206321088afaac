import type { CommandId } from "../kernel/index.ts";
import type { CommandStatus, NoetlEvent } from "../protocol/index.ts";
import type { CommandUpdate } from "../store/index.ts";

/** The command-row status an event implies, if any (the command table is a projection of events). */
const STATUS_BY_EVENT: Partial<Record<NoetlEvent["type"], CommandStatus>> = {
  "command.started": "RUNNING",
  "call.done": "COMPLETED",
  "command.completed": "COMPLETED",
  "call.error": "FAILED",
  "command.failed": "FAILED",
  "command.cancelled": "CANCELLED",
};

export function commandUpdatesOf(events: readonly NoetlEvent[]): CommandUpdate[] {
  const latest = new Map<CommandId, CommandUpdate>();
  for (const e of events) {
    const status = STATUS_BY_EVENT[e.type];
    if (!status) continue;
    const payload = e.payload as { command_id?: CommandId; worker_id?: string };
    if (!payload.command_id) continue;
    const prev = latest.get(payload.command_id);
    // a terminal status is never downgraded by a later informative event in the same batch
    if (prev && isTerminal(prev.status) && !isTerminal(status)) continue;
    latest.set(payload.command_id, {
      command_id: payload.command_id,
      status,
      ...(payload.worker_id ? { worker_id: payload.worker_id } : {}),
      at: e.at,
    });
  }
  return [...latest.values()];
}

export function isTerminal(status: CommandStatus): boolean {
  return status === "COMPLETED" || status === "FAILED" || status === "CANCELLED";
}

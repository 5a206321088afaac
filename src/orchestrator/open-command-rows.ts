/**
 * A resume's command rows (not in exclusive mode, where there are none): the commands in flight
 * go back to PENDING, those with an open row as that row holds them (the copy made when they were
 * issued), those without one — issued while an exclusive orchestrator owned the store — get a row.
 */
import type { Command } from "../protocol/index.ts";
import type { Store } from "../store/index.ts";

const OPEN = ["PENDING", "CLAIMED", "RUNNING"] as const;

/** Re-opens the rows of `inFlight` (commands rebuilt from the state) and returns the commands to publish. */
export async function reopenCommandRows(
  store: Store,
  inFlight: readonly Command[],
  now: number,
): Promise<Command[]> {
  const first = inFlight[0];
  if (first === undefined) return [];
  const rows = await store.listCommands({ execution_id: first.execution_id, status: [...OPEN] });
  const open = new Map(rows.map((r) => [r.command.command_id, r]));
  const missing: Command[] = [];
  for (const c of inFlight)
    if (!open.has(c.command_id) && !(await store.getCommand(c.command_id))) missing.push(c);
  const claimed = rows.filter((r) => r.status !== "PENDING");
  if (claimed.length > 0 || missing.length > 0) {
    await store.commit({
      events: [],
      ...(missing.length > 0 ? { commands: missing } : {}),
      commandUpdates: claimed.map((r) => ({
        command_id: r.command.command_id,
        status: "PENDING" as const,
        at: now,
      })),
    });
  }
  return [...rows.map((r) => r.command), ...missing];
}

/**
 * The reaper's pass: commands whose worker lost its lease (CLAIMED/RUNNING past `lease_until`)
 * or whose notice was lost (PENDING for longer than `stalePendingMs`) are announced again, at
 * most 100 per pass.
 */
import type { Bus } from "../bus/index.ts";
import type { Store } from "../store/index.ts";
import type { OrchestratorLog } from "./log.ts";

export async function reapCommands(
  deps: { store: Store; bus: Bus; log: OrchestratorLog },
  now: number,
  stalePendingMs: number,
): Promise<number> {
  const expired = await deps.store.listCommands({
    status: ["CLAIMED", "RUNNING"],
    leaseExpiredBefore: now,
    limit: 100,
  });
  const lost = await deps.store.listCommands({
    status: ["PENDING"],
    createdBefore: now - stalePendingMs,
    limit: 100,
  });
  const all = [...expired, ...lost].slice(0, 100);
  for (const row of all) {
    const c = row.command;
    // each claim generation is a new message for transports that de-duplicate by id
    await deps.bus.publish(c.pool, {
      execution_id: c.execution_id,
      command_id: c.command_id,
      redelivery: row.claims + 1,
    });
  }
  if (all.length > 0) deps.log.warn("reaper re-dispatched commands", { count: all.length });
  return all.length;
}

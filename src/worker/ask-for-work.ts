/**
 * One worker slot's loop of requests for work (`ControlPlane.next`): a request waits on the
 * control plane; what it is answered with runs in the slot (with the chain it hands over), then
 * the slot asks again. A control plane that cannot be reached is asked again after a growing
 * pause (at most 5 s). Ends when the worker stops (its signal aborts the waiting request).
 */
import type { ClaimResult, Handoff } from "../protocol/index.ts";
import type { ToolLogger } from "../tools/index.ts";
import { abortableSleep } from "./abortable-sleep.ts";

export interface AskForWork {
  next(request: Handoff, signal: AbortSignal): Promise<ClaimResult[]>;
  request: Handoff;
  signal: AbortSignal;
  stopping(): boolean;
  log: ToolLogger;
  /** Runs what a request was answered with (and what those commands hand over). */
  run(claims: ClaimResult[]): Promise<void>;
}

export async function askForWork(o: AskForWork): Promise<void> {
  for (let failures = 0; !o.stopping(); ) {
    let claims: ClaimResult[];
    try {
      claims = await o.next(o.request, o.signal);
      failures = 0;
    } catch (error) {
      if (o.stopping()) break;
      if (failures++ === 0)
        o.log.warn("request for work failed; asking again", { error: (error as Error).message });
      await abortableSleep(Math.min(5000, 50 * 2 ** failures), o.signal);
      continue;
    }
    await o.run(claims);
  }
}

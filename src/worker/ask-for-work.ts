/**
 * One worker slot's loop of requests for work (`ControlPlane.next`): a request waits on the
 * control plane; what it is answered with runs in the slot (with the chain it hands over), then
 * the slot asks again. A control plane that cannot be reached is asked again after a growing
 * pause (at most 5 s). Ends when the worker stops (its signal aborts the waiting request).
 * A worker runs one loop per request it keeps waiting; they share one {@link AskingHealth}, so an
 * unreachable server is logged once, not once per loop.
 * Each request carries a `request_id` (`newRequestId`), kept when the request is sent again after
 * a failure: its answer may have been written and lost with the connection, and the server then
 * answers the retry with the commands it gave that id (see `WorkRequest`).
 */
import type { ClaimResult, Handoff, WorkRequest } from "../protocol/index.ts";
import type { ToolLogger } from "../tools/index.ts";
import { abortableSleep } from "./abortable-sleep.ts";

/** The failing state shared by a worker's loops: logs when the first starts or stops failing. */
export class AskingHealth {
  private failing = 0;
  constructor(private readonly log: ToolLogger) {}

  failed(error: unknown): void {
    if (this.failing++ === 0)
      this.log.warn("request for work failed; asking again", { error: (error as Error).message });
  }

  succeeded(): void {
    if (this.failing > 0) this.log.info("requests for work answered again", { failures: this.failing });
    this.failing = 0;
  }
}

export interface AskForWork {
  next(request: WorkRequest, signal: AbortSignal): Promise<ClaimResult[]>;
  request: Handoff;
  /** A new request id (unique for this worker). */
  newRequestId(): string;
  signal: AbortSignal;
  stopping(): boolean;
  health: AskingHealth;
  /** Runs what a request was answered with (and what those commands hand over). */
  run(claims: ClaimResult[]): Promise<void>;
}

export async function askForWork(o: AskForWork): Promise<void> {
  let request: WorkRequest = { ...o.request, request_id: o.newRequestId() };
  for (let failures = 0; !o.stopping(); ) {
    let claims: ClaimResult[];
    try {
      claims = await o.next(request, o.signal);
      if (failures > 0) o.health.succeeded();
      failures = 0;
      // answered: the next request is a new one
      request = { ...o.request, request_id: o.newRequestId() };
    } catch (error) {
      if (o.stopping()) break;
      o.health.failed(error);
      failures++;
      await abortableSleep(Math.min(5000, 50 * 2 ** failures), o.signal);
      continue;
    }
    await o.run(claims);
  }
}

/**
 * What recent requests for work were answered with, by worker and request id, so that a request
 * sent again after its answer was lost in transit (`WorkRequest.request_id`) gets the same commands
 * at once instead of leaving them claimed until their lease ends. Kept in memory for a lease's
 * length (after that the reaper takes the commands back) and at most `maxEntries` answers.
 */
import type { CommandId } from "../kernel/index.ts";

interface Answered {
  ids: CommandId[];
  at: number;
}

export class AnsweredRequests {
  private readonly answers = new Map<string, Answered>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Remembers the commands a request was answered with (`now`: the clock's reading). */
  remember(workerId: string, requestId: string, ids: CommandId[], now: number): void {
    const key = keyOf(workerId, requestId);
    this.answers.delete(key);
    this.answers.set(key, { ids, at: now });
    // oldest first: drop what is past its lease, and the oldest beyond the bound
    for (const [k, a] of this.answers) {
      if (this.answers.size <= this.maxEntries && now - a.at <= this.maxAgeMs) break;
      this.answers.delete(k);
    }
  }

  /** The commands a request was answered with, forgotten as they are returned. */
  take(workerId: string, requestId: string, now: number): CommandId[] | undefined {
    const key = keyOf(workerId, requestId);
    const a = this.answers.get(key);
    if (a === undefined) return undefined;
    this.answers.delete(key);
    return now - a.at <= this.maxAgeMs ? a.ids : undefined;
  }

  get size(): number {
    return this.answers.size;
  }
}

function keyOf(workerId: string, requestId: string): string {
  return `${workerId}\u0000${requestId}`;
}

/**
 * The body of a PostgreSQL commit: the batch's events without their repeats, its parameters, one
 * call of `commit_batch_claim` through the commit groups (`commit-groups.ts`), run again after a
 * deadlock or serialisation failure, and the seqs it returns matched back to the events.
 */
import type { EventId } from "../../kernel/index.ts";
import type { NoetlEvent } from "../../protocol/index.ts";
import type { CommitBatch, CommitResult, ExpectedExecution } from "../store.ts";
import type { CommitGroups } from "./commit-groups.ts";
import { claimParams, commitParams } from "./commit-params.ts";
import { firstOccurrences } from "./first-occurrences.ts";
import { NOT_CURRENT, RETRYABLE, sqlState } from "./sql-state.ts";

/**
 * Commits `batch`; with `expected` (`commitIfCurrent`), only if the execution is still where the
 * caller saw it (undefined if not). `lockKey`: the advisory lock key of `expected`'s execution
 * (null without `expected`).
 */
export async function commitBatch(
  commits: CommitGroups,
  batch: CommitBatch,
  expected: ExpectedExecution | undefined,
  lockKey: string | null,
): Promise<CommitResult | undefined> {
  const empty = batch.events.length === 0 && !batch.commands?.length && !batch.commandUpdates?.length;
  if (empty && !batch.execution && !expected) return { inserted: [], duplicates: [] };
  // an event repeated within the batch is a duplicate of its first occurrence: not sent
  const events = batch.events.length > 1 ? firstOccurrences(batch.events) : batch.events;
  const values = commitParams(batch, events, expected, lockKey);
  values.push(...claimParams(batch.claims ?? []));
  const order = expected?.execution_id ?? batch.execution?.execution_id ?? events[0]?.execution_id ?? "";
  let seqs: Array<number | null>;
  for (let attempt = 1; ; attempt++) {
    try {
      seqs = await commits.commit(values, order);
      break;
    } catch (error) {
      if (expected && sqlState(error) === NOT_CURRENT) return undefined;
      // a deadlock or serialisation failure rolled the whole statement back: run it again
      if (attempt >= 5 || !RETRYABLE.has(sqlState(error))) throw error;
    }
  }
  const inserted: NoetlEvent[] = [];
  const duplicates: EventId[] = [];
  let k = 0;
  for (const e of batch.events) {
    const seq = events === batch.events || events[k] === e ? seqs[k++] : null;
    if (seq === null || seq === undefined) duplicates.push(e.event_id);
    else inserted.push({ ...e, seq } as NoetlEvent);
  }
  return { inserted, duplicates };
}

/**
 * The parameters of `commit_batch_claim` (`SQL.commit`: $1 … $32, the function's arguments in the
 * order of migration 2, then the claims' $33 … $36) for a batch, its events without their repeats.
 * The arrays go as array literals written by `JSON.stringify` (`array-literal.ts`).
 */
import type { NoetlEvent } from "../../protocol/index.ts";
import type { CommandClaim, CommitBatch, ExpectedExecution } from "../store.ts";
import { arrayLiteral, jsonTextsLiteral } from "./array-literal.ts";

/** `lockKey`: the advisory lock key of `expected`'s execution (null without `expected`). */
export function commitParams(
  batch: CommitBatch,
  events: readonly NoetlEvent[],
  expected: ExpectedExecution | undefined,
  lockKey: string | null,
): unknown[] {
  const commands = batch.commands ?? [];
  const updates = batch.commandUpdates ?? [];
  const x = batch.execution;
  const at = batch.events[0]?.at ?? updates[0]?.at ?? Date.now();
  // the executions to lock, in id order (every commit locks in this order: no deadlocks), with
  // the time a missing row is created at (the first event's)
  const firstAt = new Map<string, number>();
  for (const e of events) if (!firstAt.has(e.execution_id)) firstAt.set(e.execution_id, e.at);
  if (x && !firstAt.has(x.execution_id)) firstAt.set(x.execution_id, at);
  if (expected && !firstAt.has(expected.execution_id)) firstAt.set(expected.execution_id, at);
  const lock = [...firstAt.keys()].sort();
  return [
    arrayLiteral(events.map((e) => e.execution_id)),
    arrayLiteral(events.map((e) => e.event_id)),
    arrayLiteral(events.map((e) => e.type)),
    arrayLiteral(events.map((e) => e.step ?? null)),
    arrayLiteral(events.map((e) => e.at)),
    jsonTextsLiteral(events.map((e) => JSON.stringify(e.payload))),
    arrayLiteral(events.map((e) => e.cause ?? null)),
    arrayLiteral(commands.map((c) => c.command_id)),
    arrayLiteral(commands.map((c) => c.execution_id)),
    arrayLiteral(commands.map((c) => c.step)),
    arrayLiteral(commands.map((c) => c.pool)),
    jsonTextsLiteral(commands.map((c) => JSON.stringify(c))),
    at,
    arrayLiteral(updates.map((u) => u.command_id)),
    arrayLiteral(updates.map((u) => u.status)),
    arrayLiteral(updates.map((u) => u.worker_id ?? null)),
    arrayLiteral(updates.map((u) => u.at)),
    arrayLiteral(lock),
    arrayLiteral(lock.map((id) => firstAt.get(id) ?? at)),
    x?.execution_id ?? null,
    x?.path ?? null,
    x?.catalog_version ?? null,
    x?.status ?? null,
    x?.parent_execution_id ?? null,
    x?.started_at ?? null,
    x?.ended_at ?? null,
    x?.result === undefined ? null : JSON.stringify(x.result),
    x?.error === undefined ? null : JSON.stringify(x.error),
    at,
    expected?.execution_id ?? null,
    expected?.last_seq ?? null,
    lockKey,
  ];
}

/** The hand-off claims of a batch (none: empty arrays), appended to `commitParams` ($33–$36). */
export function claimParams(claims: readonly CommandClaim[]): unknown[] {
  return [
    arrayLiteral(claims.map((k) => k.command_id)),
    arrayLiteral(claims.map((k) => k.worker_id)),
    arrayLiteral(claims.map((k) => k.lease_until)),
    arrayLiteral(claims.map((k) => k.at)),
  ];
}

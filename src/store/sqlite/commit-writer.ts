/**
 * The body of a SQLite commit, run inside one IMMEDIATE transaction: the execution row upserted,
 * the events written (`event-writer.ts`), command status updates, then the new commands (claimed
 * at once when the batch hands them off), in one multi-row insert.
 */
import type Database from "better-sqlite3";
import type { EventId, ExecutionId } from "../../kernel/index.ts";
import type { NoetlEvent } from "../../protocol/index.ts";
import { isTerminalStatus } from "../command-status.ts";
import type { CommandUpdate, CommitBatch, CommitResult, ExecutionRow } from "../store.ts";
import { EventWriter } from "./event-writer.ts";
import { insertRows } from "./multi-row-insert.ts";
import { INSERT_COMMANDS, SQL } from "./sqlite-sql.ts";

export class CommitWriter {
  private readonly events: EventWriter;

  /** `stmt`: the store's cached prepared statement for an SQL text. */
  constructor(private readonly stmt: (sql: string) => Database.Statement) {
    this.events = new EventWriter(stmt);
  }

  /** Writes `batch` (inside the caller's IMMEDIATE transaction). */
  write(batch: CommitBatch): CommitResult {
    const inserted: NoetlEvent[] = [];
    const duplicates: EventId[] = [];
    const at = batch.events[0]?.at ?? batch.commandUpdates?.[0]?.at ?? Date.now();
    if (batch.execution) this.upsertExecution(batch.execution, at);

    this.events.write(batch.events, inserted, duplicates);
    // Status updates first: a finished command grows its row (status, completed_at), and it
    // usually sits on the last page of the table, which the new commands' rows may just have
    // filled — growing it then re-balances three pages (3–4 WAL frames) instead of one. An update
    // of a command this batch inserts still comes after its insert.
    const updates = batch.commandUpdates ?? [];
    const issued =
      batch.commands?.length && updates.length ? new Set(batch.commands.map((c) => c.command_id)) : undefined;
    for (const u of updates) if (!issued?.has(u.command_id)) this.updateCommand(u);
    if (batch.commands && batch.commands.length > 0) {
      const claims = batch.claims?.length ? new Map(batch.claims.map((k) => [k.command_id, k])) : undefined;
      const commandRows: unknown[] = [];
      for (const c of batch.commands) {
        const k = claims?.get(c.command_id);
        commandRows.push(
          c.command_id,
          c.command_id,
          c.execution_id,
          c.step,
          c.pool,
          k ? "CLAIMED" : "PENDING",
          JSON.stringify(c),
          at,
          k?.worker_id ?? null,
          k?.lease_until ?? null,
          k?.at ?? null,
          k ? 1 : 0,
        );
      }
      insertRows(this.stmt, INSERT_COMMANDS, 12, commandRows);
    }
    if (issued) for (const u of updates) if (issued.has(u.command_id)) this.updateCommand(u);
    return { inserted, duplicates };
  }

  private updateCommand(u: CommandUpdate): void {
    this.stmt(SQL.updateCommand).run({
      command_id: u.command_id,
      status: u.status,
      worker_id: u.worker_id ?? null,
      terminal: isTerminalStatus(u.status) ? 1 : 0,
      at: u.at,
    });
  }

  private upsertExecution(e: Partial<ExecutionRow> & { execution_id: ExecutionId }, at: number): void {
    this.stmt(SQL.upsertExecution).run({
      execution_id: e.execution_id,
      at,
      path: e.path ?? null,
      catalog_version: e.catalog_version ?? null,
      status: e.status ?? null,
      parent_execution_id: e.parent_execution_id ?? null,
      started_at: e.started_at ?? null,
      ended_at: e.ended_at ?? null,
      result: e.result === undefined ? null : JSON.stringify(e.result),
      error: e.error === undefined ? null : JSON.stringify(e.error),
    });
  }
}

/**
 * Writes a commit's events into the SQLite `event` table (see migrations.ts, migration 3): seqs
 * follow each execution's last one, and an event whose (execution_id, event_id) is already stored,
 * or repeated in the batch, is skipped and reported as a duplicate.
 *
 * Uniqueness has two guards, so that the common case appends where it writes:
 * - a decimal int64 event id (the engine's and workers' snowflakes) is claimed in `event_key`, a
 *   table keyed by that number: ids grow with time, so claims append to its last page (SQLite
 *   adds a page when it is full, where a sorted index re-balances three siblings: ~1.9 WAL frames
 *   per chain commit for the old (execution_id, event_id) index, ~1 for this table). The event
 *   row is marked `keyed`.
 * - any other id, and a number another execution claimed first, goes through the unique index on
 *   (execution_id, event_id) that covers only the rows not `keyed`.
 */
import type Database from "better-sqlite3";
import type { EventId, ExecutionId } from "../../kernel/index.ts";
import type { NoetlEvent } from "../../protocol/index.ts";
import { eachStatement, insertRows } from "./multi-row-insert.ts";
import { CLAIM_EVENT_KEYS, INSERT_EVENTS, SQL } from "./sqlite-sql.ts";

/** Where an execution's events stand: its number (`xid`) and its last seq (0 before any; < 2^32). */
export interface Position {
  xid: number;
  last: number;
}

const INT64_MAX = "9223372036854775807";

/** Whether `id` is the canonical decimal form of a positive int64 (what `event_key` holds). */
export function isKeyableId(id: string): boolean {
  const n = id.length;
  if (n === 0 || n > 19) return false;
  const first = id.charCodeAt(0);
  if (first < 49 || first > 57) return false; // 1-9: no sign, no leading zero
  for (let i = 1; i < n; i++) {
    const c = id.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return n < 19 || id <= INT64_MAX;
}

/** Columns of one INSERT_EVENTS row. */
const WIDTH = 11;

export class EventWriter {
  constructor(private readonly stmt: (sql: string) => Database.Statement) {}

  /**
   * Inserts `events` (inside the caller's transaction), pushing each stored one, with its seq, to
   * `inserted` and each skipped one's id to `duplicates`.
   */
  write(events: readonly NoetlEvent[], inserted: NoetlEvent[], duplicates: EventId[]): void {
    if (events.length === 0) return;
    // Optimistic: claim every numeric id and insert every row with multi-row statements;
    // duplicates are rare (a report delivered twice). If a claim or a row met its key, take the
    // batch's claims and rows out again and redo it checking each event.
    const base = new Map<ExecutionId, Position>();
    const rows: unknown[] = [];
    const keys: Array<[string, number, number]> = [];
    const seqs = new Map<ExecutionId, { xid: number; seq: number }>();
    for (const event of events) {
      const cursor = this.cursor(event.execution_id, event.at, base, seqs);
      const seq = ++cursor.seq;
      const keyed = isKeyableId(event.event_id);
      if (keyed) keys.push([event.event_id, cursor.xid, seq]);
      pushRow(rows, cursor.xid, seq, event, keyed);
      inserted.push({ ...event, seq } as NoetlEvent);
    }
    const claimed = this.claimKeys(keys);
    if (claimed.length === keys.length && insertRows(this.stmt, INSERT_EVENTS, WIDTH, rows) === events.length)
      return;
    const undoClaim = this.stmt(SQL.deleteEventKey);
    for (const k of claimed) undoClaim.run(k);
    for (const p of base.values()) this.stmt(SQL.deleteEventsAfter).run(p);
    inserted.length = 0;
    this.writeChecked(events, base, inserted, duplicates);
  }

  /** `write`'s careful path: each event checked against both guards and the batch itself. */
  private writeChecked(
    events: readonly NoetlEvent[],
    base: Map<ExecutionId, Position>,
    inserted: NoetlEvent[],
    duplicates: EventId[],
  ): void {
    const seen = new Set<string>();
    const seqs = new Map<ExecutionId, { xid: number; seq: number }>();
    const owner = this.stmt(SQL.eventKeyOwner).pluck();
    const claim = this.stmt(SQL.claimEventKey);
    const unkeyedExists = this.stmt(SQL.unkeyedEventExists).pluck();
    const rows: unknown[] = [];
    for (const event of events) {
      const id = event.execution_id;
      const key = `${id}\u0000${event.event_id}`;
      if (seen.has(key)) {
        duplicates.push(event.event_id);
        continue;
      }
      seen.add(key);
      const cursor = this.cursor(id, event.at, base, seqs);
      let keyed = false;
      if (isKeyableId(event.event_id)) {
        const xid = owner.get(event.event_id) as number | undefined;
        if (xid === cursor.xid) {
          duplicates.push(event.event_id);
          continue;
        }
        if (xid === undefined) {
          claim.run(event.event_id, cursor.xid, cursor.seq + 1);
          keyed = true;
        }
      }
      if (!keyed && unkeyedExists.get(id, event.event_id) !== undefined) {
        duplicates.push(event.event_id);
        continue;
      }
      const seq = ++cursor.seq;
      pushRow(rows, cursor.xid, seq, event, keyed);
      inserted.push({ ...event, seq } as NoetlEvent);
    }
    insertRows(this.stmt, INSERT_EVENTS, WIDTH, rows);
  }

  /** The execution's seq cursor in this batch, from its stored position on first use. */
  private cursor(
    id: ExecutionId,
    at: number,
    base: Map<ExecutionId, Position>,
    seqs: Map<ExecutionId, { xid: number; seq: number }>,
  ): { xid: number; seq: number } {
    let cursor = seqs.get(id);
    if (cursor === undefined) {
      let p = base.get(id);
      if (p === undefined) {
        p = this.position(id, at);
        base.set(id, p);
      }
      cursor = { xid: p.xid, seq: p.last };
      seqs.set(id, cursor);
    }
    return cursor;
  }

  /** The execution's number and last seq; creates its projection row (defaults) when there is none yet. */
  private position(id: ExecutionId, at: number): Position {
    const p = this.stmt(SQL.position).get(id) as Position | undefined;
    if (p) return p;
    return { xid: Number(this.stmt(SQL.ensureExecution).run(id, at).lastInsertRowid), last: 0 };
  }

  /**
   * Claims the ids of `keys` (id, xid, seq) in `event_key`; returns the ids claimed, all of them unless
   * one was held already (then a statement failed and wrote nothing; the redo releases the ids of
   * the statements before it). Claims go in id order: a batch's ids were not all drawn in its
   * order (a worker's report is older than the engine's answer to it), and an id below the last
   * page's greatest is an insert inside the table, which re-balances three siblings when the page
   * is full, where an append adds a page.
   */
  private claimKeys(keys: Array<[string, number, number]>): string[] {
    const total = keys.length;
    if (total === 0) return [];
    if (total > 1) keys.sort(byNumericId);
    const flat: unknown[] = [];
    for (const [k, xid, seq] of keys) flat.push(k, xid, seq);
    const claimed: string[] = [];
    eachStatement(CLAIM_EVENT_KEYS, 3, flat, (sql, params, from, n) => {
      try {
        this.stmt(sql).run(params);
      } catch (error) {
        // an id held already: the statement wrote nothing
        if ((error as { code?: string }).code !== "SQLITE_CONSTRAINT_PRIMARYKEY") throw error;
        return false;
      }
      for (let i = from; i < from + n; i++) claimed.push((keys[i] as [string, number, number])[0]);
      return true;
    });
    return claimed;
  }
}

/** Orders keyable ids (canonical decimals) by value: shorter first, then as text. */
function byNumericId(a: [string, number, number], b: [string, number, number]): number {
  const x = a[0];
  const y = b[0];
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function pushRow(rows: unknown[], xid: number, seq: number, event: NoetlEvent, keyed: boolean): void {
  rows.push(
    xid,
    seq,
    event.execution_id,
    seq,
    event.event_id,
    event.type,
    event.step ?? null,
    event.at,
    JSON.stringify(event.payload),
    event.cause ?? null,
    keyed ? 1 : null,
  );
}

/**
 * Runs a {@link MultiRowInsert}: flattened rows in statements of up to
 * {@link ROWS_PER_STATEMENT} rows, each statement prepared once per row count.
 */
import type Database from "better-sqlite3";
import { type MultiRowInsert, ROWS_PER_STATEMENT } from "./sqlite-sql.ts";

/** Inserts `values` (flattened rows of `width` columns); returns the number of rows written. */
export function insertRows(
  stmt: (sql: string) => Database.Statement,
  statement: MultiRowInsert,
  width: number,
  values: unknown[],
): number {
  const total = values.length / width;
  let changes = 0;
  for (let from = 0; from < total; from += ROWS_PER_STATEMENT) {
    const n = Math.min(ROWS_PER_STATEMENT, total - from);
    changes += stmt(multiRowSql(statement, n)).run(
      from === 0 && n === total ? values : values.slice(from * width, (from + n) * width),
    ).changes;
  }
  return changes;
}

/** The statement's SQL for `n` rows (built once per row count). */
export function multiRowSql(statement: MultiRowInsert, n: number): string {
  let sql = statement.sql[n];
  if (sql === undefined) {
    sql = `${statement.head} VALUES ${new Array(n).fill(statement.row).join(",")}${statement.tail}`;
    statement.sql[n] = sql;
  }
  return sql;
}

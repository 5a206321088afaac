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
  let changes = 0;
  eachStatement(statement, width, values, (sql, params) => {
    changes += stmt(sql).run(params).changes;
    return true;
  });
  return changes;
}

/**
 * Hands each statement of the insert to `run`, in row order: its SQL, its values and the rows it
 * covers (`from`, `n`); stops when `run` answers false.
 */
export function eachStatement(
  statement: MultiRowInsert,
  width: number,
  values: unknown[],
  run: (sql: string, params: unknown[], from: number, n: number) => boolean,
): void {
  const total = values.length / width;
  for (let from = 0; from < total; from += ROWS_PER_STATEMENT) {
    const n = Math.min(ROWS_PER_STATEMENT, total - from);
    const params = from === 0 && n === total ? values : values.slice(from * width, (from + n) * width);
    if (!run(multiRowSql(statement, n), params, from, n)) return;
  }
}

/** The statement's SQL for `n` rows (built once per row count). */
function multiRowSql(statement: MultiRowInsert, n: number): string {
  let sql = statement.sql[n];
  if (sql === undefined) {
    sql = `${statement.head} VALUES ${new Array(n).fill(statement.row).join(",")}${statement.tail}`;
    statement.sql[n] = sql;
  }
  return sql;
}

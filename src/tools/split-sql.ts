import { sqlSegments } from "./sql-segments.ts";

/**
 * Splits a SQL script into statements on top-level `;`. Semicolons inside single-quoted strings
 * (`''` escapes; `E'…'` backslash escapes), double-quoted identifiers, dollar-quoted bodies
 * (`$$…$$`, `$tag$…$tag$`), `--` line comments and (nested) `/* … *\/` block comments do not split
 * (the lexical rules are `sqlSegments`'). Statements are trimmed; fragments holding only
 * whitespace and comments are dropped.
 */
export function splitSql(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let meaningful = false;
  const flush = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (meaningful && text !== "") statements.push(text);
    meaningful = false;
  };
  for (const segment of sqlSegments(sql)) {
    if (segment.kind === "comment") continue;
    if (segment.kind !== "code") {
      meaningful = true;
      continue;
    }
    for (let i = segment.start; i < segment.end; i += 1) {
      const c = sql[i] as string;
      if (c === ";") {
        flush(i);
        start = i + 1;
      } else if (!/\s/.test(c)) meaningful = true;
    }
  }
  flush(sql.length);
  return statements;
}

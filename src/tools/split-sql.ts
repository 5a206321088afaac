/**
 * Splits a SQL script into statements on top-level `;`. Semicolons inside single-quoted strings
 * (`''` escapes; `E'…'` backslash escapes), double-quoted identifiers, dollar-quoted bodies
 * (`$$…$$`, `$tag$…$tag$`), `--` line comments and (nested) `/* … *\/` block comments do not split.
 * Statements are trimmed; fragments holding only whitespace and comments are dropped.
 */
export function splitSql(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let meaningful = false;
  let i = 0;
  const n = sql.length;
  const flush = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (meaningful && text !== "") statements.push(text);
    meaningful = false;
  };
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const eol = sql.indexOf("\n", i + 2);
      i = eol < 0 ? n : eol + 1;
      continue;
    }
    if (c === "/" && next === "*") {
      i = skipBlockComment(sql, i);
      continue;
    }
    if (c === ";") {
      flush(i);
      start = i + 1;
      i += 1;
      continue;
    }
    if (!/\s/.test(c)) meaningful = true;
    if (c === "'") {
      const prev = sql[i - 1];
      const escapes = (prev === "E" || prev === "e") && !isIdentChar(sql[i - 2]);
      i = skipQuoted(sql, i, "'", escapes);
      continue;
    }
    if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
      continue;
    }
    if (c === "$" && !isIdentChar(sql[i - 1])) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
        continue;
      }
    }
    i += 1;
  }
  flush(n);
  return statements;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

/** Index just past the closing quote (a doubled quote is an escaped one). */
function skipQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === "\\") {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  return sql.length;
}

/** Index just past the end of a (possibly nested) block comment. */
function skipBlockComment(sql: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    if (sql[i] === "/" && sql[i + 1] === "*") {
      depth += 1;
      i += 2;
    } else if (sql[i] === "*" && sql[i + 1] === "/") {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  return sql.length;
}

/**
 * The lexical layout of a SQL text (PostgreSQL rules, shared by the statement splitter and the
 * postgres parameter translation): where code is, and where single-quoted strings (`''` escapes;
 * `E'…'` backslash escapes), double-quoted identifiers, dollar-quoted bodies (`$$…$$`,
 * `$tag$…$tag$`), `--` line comments and (nested) `/* … *\/` block comments are. Only `code`
 * segments hold operators, `;` and parameter placeholders.
 */
export type SqlSegmentKind = "code" | "string" | "identifier" | "dollar" | "comment";

export interface SqlSegment {
  kind: SqlSegmentKind;
  /** Index of the first character. */
  start: number;
  /** Index just past the last character. An unterminated quote or comment runs to the end. */
  end: number;
}

/** Cuts `sql` into consecutive segments covering it whole; code runs are maximal. */
export function sqlSegments(sql: string): SqlSegment[] {
  const segments: SqlSegment[] = [];
  const n = sql.length;
  let codeStart = 0;
  let i = 0;
  const push = (kind: SqlSegmentKind, start: number, end: number) => {
    if (start > codeStart) segments.push({ kind: "code", start: codeStart, end: start });
    segments.push({ kind, start, end });
    codeStart = end;
    i = end;
  };
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const eol = sql.indexOf("\n", i + 2);
      push("comment", i, eol < 0 ? n : eol + 1);
      continue;
    }
    if (c === "/" && next === "*") {
      push("comment", i, skipBlockComment(sql, i));
      continue;
    }
    if (c === "'") {
      const prev = sql[i - 1];
      const escapes = (prev === "E" || prev === "e") && !isIdentChar(sql[i - 2]);
      push("string", i, skipQuoted(sql, i, "'", escapes));
      continue;
    }
    if (c === '"') {
      push("identifier", i, skipQuoted(sql, i, '"', false));
      continue;
    }
    if (c === "$" && !isIdentChar(sql[i - 1])) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        push("dollar", i, close < 0 ? n : close + tag[0].length);
        continue;
      }
    }
    i += 1;
  }
  if (n > codeStart) segments.push({ kind: "code", start: codeStart, end: n });
  return segments;
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

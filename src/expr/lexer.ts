import { TemplateError } from "./template-error.ts";

export type TokenType =
  | "text"
  | "var_begin"
  | "var_end"
  | "block_begin"
  | "block_end"
  | "name"
  | "string"
  | "int"
  | "float"
  | "op"
  | "eof";

export interface Token {
  type: TokenType;
  value: string;
  pos: number;
}

const OPERATORS = [
  "//",
  "**",
  "==",
  "!=",
  "<=",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "~",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  ".",
  "|",
  "=",
];

/** Splits a template into text and tag tokens (whitespace control and comments applied). */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let stripNext = false;
  while (i < src.length) {
    const open = findOpen(src, i);
    let text = src.slice(i, open === -1 ? src.length : open);
    if (stripNext) text = text.replace(/^\s+/, "");
    stripNext = false;
    if (open === -1) {
      if (text) out.push({ type: "text", value: text, pos: i });
      break;
    }
    const kind = src[open + 1] as "{" | "%" | "#";
    const minus = src[open + 2] === "-";
    if (minus) text = text.replace(/\s+$/, "");
    if (text) out.push({ type: "text", value: text, pos: i });
    let j = open + 2 + (minus || src[open + 2] === "+" ? 1 : 0);
    if (kind === "#") {
      const end = src.indexOf("#}", j);
      if (end === -1) throw syntax(src, open, "unterminated comment");
      stripNext = src[end - 1] === "-";
      i = end + 2;
      continue;
    }
    const close = kind === "{" ? "}}" : "%}";
    out.push({ type: kind === "{" ? "var_begin" : "block_begin", value: "", pos: open });
    j = lexExpression(src, j, close, out);
    stripNext = src[j - 1] === "-" && src.slice(j, j + 2) === close;
    if (src.slice(j, j + 2) !== close) throw syntax(src, open, `unterminated tag, expected '${close}'`);
    out.push({ type: kind === "{" ? "var_end" : "block_end", value: "", pos: j });
    i = j + 2;
    if (kind === "%" && isRawTag(out)) {
      out.splice(out.length - 3, 3);
      const endRaw = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;
      endRaw.lastIndex = i;
      const m = endRaw.exec(src);
      if (!m) throw syntax(src, open, "missing {% endraw %}");
      let raw = src.slice(i, m.index);
      if (stripNext) raw = raw.replace(/^\s+/, "");
      if (m[1] === "-") raw = raw.replace(/\s+$/, "");
      if (raw) out.push({ type: "text", value: raw, pos: i });
      stripNext = m[2] === "-";
      i = m.index + m[0].length;
    }
  }
  out.push({ type: "eof", value: "", pos: src.length });
  return out;
}

/** The last three tokens are `{% raw %}`. */
function isRawTag(out: Token[]): boolean {
  const n = out.length;
  return (
    out[n - 3]?.type === "block_begin" &&
    out[n - 2]?.type === "name" &&
    out[n - 2]?.value === "raw" &&
    out[n - 1]?.type === "block_end"
  );
}

function findOpen(src: string, from: number): number {
  let k = src.indexOf("{", from);
  while (k !== -1) {
    const c = src[k + 1];
    if (c === "{" || c === "%" || c === "#") return k;
    k = src.indexOf("{", k + 1);
  }
  return -1;
}

/** Lexes expression tokens until `close` (optionally preceded by '-'); returns the index of close. */
function lexExpression(src: string, start: number, close: string, out: Token[]): number {
  let i = start;
  let depth = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i += 1;
      continue;
    }
    if (depth === 0 && src.startsWith(close, i)) return i;
    if (depth === 0 && c === "-" && src.startsWith(close, i + 1)) return i + 1;
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[A-Za-z0-9_]/.test(src[j] as string)) j += 1;
      out.push({ type: "name", value: src.slice(i, j), pos: i });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9]+)?/.exec(src.slice(i)) as RegExpExecArray;
      const text = m[0];
      const isFloat = m[1] !== undefined || m[2] !== undefined;
      out.push({ type: isFloat ? "float" : "int", value: text.replace(/_/g, ""), pos: i });
      i += text.length;
      continue;
    }
    if (c === "'" || c === '"') {
      const [value, end] = lexString(src, i);
      out.push({ type: "string", value, pos: i });
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw syntax(src, i, `unexpected character '${c}'`);
    if (op === "(" || op === "[" || op === "{") depth += 1;
    if (op === ")" || op === "]" || op === "}") {
      if (depth === 0) {
        if (src.startsWith(close, i)) return i;
        throw syntax(src, i, `unexpected '${op}'`);
      }
      depth -= 1;
    }
    out.push({ type: "op", value: op, pos: i });
    i += op.length;
  }
  return i;
}

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "0": "\0",
};

function lexString(src: string, start: number): [string, number] {
  const quote = src[start];
  let i = start + 1;
  let value = "";
  while (i < src.length) {
    const c = src[i] as string;
    if (c === quote) return [value, i + 1];
    if (c === "\\") {
      const n = src[i + 1] as string;
      if (n === "u" && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
        value += String.fromCharCode(Number.parseInt(src.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      value += ESCAPES[n] ?? `\\${n}`;
      i += 2;
      continue;
    }
    value += c;
    i += 1;
  }
  throw syntax(src, start, "unterminated string literal");
}

export function syntax(src: string, pos: number, message: string): TemplateError {
  return new TemplateError("NOETL_E_TEMPLATE_SYNTAX", message, { template: src, offset: pos });
}

import type { Json, JsonObject } from "../../kernel/index.ts";
import { isJsonObject } from "../../kernel/index.ts";
import { sqlSegments } from "../sql-segments.ts";
import type { ToolError } from "../tool.ts";

/** A statement ready for `pg`: its text with `$n` placeholders and the values they bind. */
export interface BoundStatement {
  text: string;
  values?: Json[];
}

/** One statement's placeholders, found in code only (not in strings, identifiers, comments…). */
interface Scan {
  /** The text cut at the `%(name)s`/`%s` placeholders, with `%%` turned into `%`. */
  parts: (string | { name: string } | { position: true })[];
  named: number;
  positional: number;
  /** Whether the code holds `$1`-style parameters. */
  dollar: boolean;
}

/**
 * Binds `params` (DECISIONS 34, reference §5: "parameters supported") to the statements:
 * - a list with `$1…` placeholders (no `%s`): bound as is, single statement only;
 * - a list with psycopg `%s` placeholders: each `%s` becomes the next `$n`, the values are consumed
 *   in order across the statements, and their number must match;
 * - a map with psycopg `%(name)s` placeholders: each statement binds the names it uses (`$1…` in
 *   order of first use, a repeated name reuses its `$n`); a name missing from the map is an error.
 * Placeholders are recognised in code only, never inside string literals, quoted identifiers,
 * comments or dollar-quoted bodies (`sqlSegments`). In the psycopg forms `%%` is `%` everywhere in
 * the statement, literals included, as psycopg does (so SQL written for it, e.g. `like 'a%%'`, runs
 * unchanged); a lone `%` that starts no placeholder stays as is. The `$n` form is sent untouched.
 */
export function bindParams(
  statements: string[],
  params: Json | undefined,
  configError: (message: string) => ToolError,
): BoundStatement[] {
  if (params === undefined || params === null) return statements.map((text) => ({ text }));
  if (!Array.isArray(params) && !isJsonObject(params)) {
    throw configError("kind: postgres: `params` must be a list (`$1`, `%s`) or a map (`%(name)s`)");
  }
  const scans = statements.map(scan);
  const mixed = scans.findIndex((s) => s.dollar && s.named + s.positional > 0);
  if (mixed >= 0) {
    throw configError(`kind: postgres: statement ${mixed} mixes \`$n\` and \`%s\`/\`%(name)s\` placeholders`);
  }
  if (Array.isArray(params)) return bindList(statements, scans, params, configError);
  return bindMap(scans, params, configError);
}

function bindList(
  statements: string[],
  scans: Scan[],
  params: Json[],
  configError: (message: string) => ToolError,
): BoundStatement[] {
  if (scans.some((s) => s.named > 0)) {
    throw configError("kind: postgres: `%(name)s` placeholders need `params` as a map, not a list");
  }
  const positional = scans.reduce((n, s) => n + s.positional, 0);
  if (positional === 0) {
    if (statements.length > 1) {
      throw configError(
        `kind: postgres: \`params\` with \`$n\` placeholders needs a single statement (got ${statements.length}); use \`%s\` to spread them over several`,
      );
    }
    return statements.map((text) => ({ text, values: params }));
  }
  if (positional !== params.length) {
    throw configError(
      `kind: postgres: the SQL has ${positional} \`%s\` placeholders but \`params\` has ${params.length} values`,
    );
  }
  let next = 0;
  return scans.map((s) => {
    const values: Json[] = [];
    const text = s.parts
      .map((part) => {
        if (typeof part === "string") return part;
        values.push(params[next] as Json);
        next += 1;
        return `$${values.length}`;
      })
      .join("");
    return values.length > 0 ? { text, values } : { text };
  });
}

function bindMap(
  scans: Scan[],
  params: JsonObject,
  configError: (message: string) => ToolError,
): BoundStatement[] {
  if (scans.some((s) => s.positional > 0)) {
    throw configError("kind: postgres: `%s` placeholders need `params` as a list, not a map");
  }
  const dollar = scans.findIndex((s) => s.dollar);
  if (dollar >= 0) {
    throw configError(
      `kind: postgres: statement ${dollar} uses \`$n\` placeholders; with a \`params\` map use \`%(name)s\``,
    );
  }
  return scans.map((s) => {
    const numbers = new Map<string, number>();
    const values: Json[] = [];
    const text = s.parts
      .map((part) => {
        if (typeof part === "string") return part;
        const name = (part as { name: string }).name;
        let n = numbers.get(name);
        if (n === undefined) {
          if (!Object.hasOwn(params, name))
            throw configError(`kind: postgres: parameter "${name}" is not in \`params\``);
          values.push(params[name] as Json);
          n = values.length;
          numbers.set(name, n);
        }
        return `$${n}`;
      })
      .join("");
    return values.length > 0 ? { text, values } : { text };
  });
}

const NAMED = /^%\(([^()]+)\)s/;

function scan(sql: string): Scan {
  const out: Scan = { parts: [], named: 0, positional: 0, dollar: false };
  let text = "";
  for (const segment of sqlSegments(sql)) {
    if (segment.kind !== "code") {
      text += sql.slice(segment.start, segment.end).replaceAll("%%", "%");
      continue;
    }
    const code = sql.slice(segment.start, segment.end);
    if (/(^|[^A-Za-z0-9_$])\$\d/.test(code)) out.dollar = true;
    let i = 0;
    while (i < code.length) {
      const c = code[i] as string;
      if (c !== "%") {
        text += c;
        i += 1;
        continue;
      }
      if (code[i + 1] === "%") {
        text += "%";
        i += 2;
        continue;
      }
      if (code[i + 1] === "s") {
        out.parts.push(text, { position: true });
        text = "";
        out.positional += 1;
        i += 2;
        continue;
      }
      const named = NAMED.exec(code.slice(i));
      if (named) {
        out.parts.push(text, { name: named[1] as string });
        text = "";
        out.named += 1;
        i += named[0].length;
        continue;
      }
      text += c;
      i += 1;
    }
  }
  out.parts.push(text);
  return out;
}

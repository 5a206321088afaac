/**
 * PostgreSQL array literals built by `JSON.stringify`, for the commit's array parameters.
 *
 * `pg` turns a JavaScript array into an array literal element by element, running two regular
 * expressions over every string (`\` → `\\`, `"` → `\"`): for the commit's JSON payloads, a
 * noticeable share of a distributed step's JavaScript. `JSON.stringify` of the array writes the
 * same escapes in one native pass: `["a\"b",null,12]` → `{"a\"b",null,12}`, which PostgreSQL
 * reads as the elements `a"b`, NULL (an unquoted `null` is NULL to it) and `12`. It differs from
 * the array literal in two ways only, both handled here: it writes control characters as
 * escapes (`\n`: PostgreSQL would read `n`) and lone surrogates as `\udXXX`. An array holding a
 * string with either, or a number that is not finite, goes to `pg` as it is.
 */

/** Control characters (`JSON.stringify` escapes them) and surrogates (it escapes the lone ones). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters looked for
const NOT_VERBATIM = /[\u0000-\u001f\ud800-\udfff]/;

type Element = string | number | null;

/**
 * The array literal of `values`, or `values` themselves when `JSON.stringify` would not write
 * them as PostgreSQL reads them (`pg` then builds the literal).
 */
export function arrayLiteral(values: readonly Element[]): string | readonly Element[] {
  for (const v of values) {
    if (typeof v === "string" ? NOT_VERBATIM.test(v) : typeof v === "number" && !Number.isFinite(v))
      return values;
  }
  return braces(JSON.stringify(values));
}

/**
 * The array literal of JSON texts made by `JSON.stringify`, which never holds a control
 * character or a lone surrogate (it writes both as escapes): no check needed.
 */
export function jsonTextsLiteral(texts: readonly string[]): string {
  return braces(JSON.stringify(texts));
}

function braces(json: string): string {
  return `{${json.slice(1, -1)}}`;
}

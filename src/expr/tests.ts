import { isFloat, isNumber } from "./py-float.ts";
import { TemplateError } from "./template-error.ts";
import {
  isMapping,
  isUndefined,
  PyFunction,
  pyCompare,
  pyContains,
  pyEquals,
  pyStr,
  refuseStrict,
} from "./values.ts";

type Test = (value: unknown, ...args: unknown[]) => boolean;

const num = isNumber;

/** Whether a test can do arithmetic on `v` (a number); a strict Undefined refuses arithmetic. */
function arithmetic(v: unknown): boolean {
  refuseStrict(v);
  return num(v);
}

/** Python's str.islower()/isupper(): some cased character, and none in the other case. */
function cased(s: string, to: (s: string) => string): boolean {
  return s === to(s) && s.toLowerCase() !== s.toUpperCase();
}

/** Jinja2 tests (`x is defined`, `n is divisibleby 3` …). */
export const TESTS: Record<string, Test> = {
  defined: (v) => !isUndefined(v),
  undefined: (v) => isUndefined(v),
  none: (v) => v === null,
  number: (v) => num(v),
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  float: (v) => isFloat(v),
  string: (v) => typeof v === "string",
  boolean: (v) => typeof v === "boolean",
  mapping: (v) => isMapping(v),
  // a strict Undefined has no len() (not a sequence) and refuses iter() (an error)
  sequence: (v) => Array.isArray(v) || typeof v === "string" || isMapping(v) || (isUndefined(v) && !v.strict),
  iterable: (v) => {
    refuseStrict(v);
    return Array.isArray(v) || typeof v === "string" || isMapping(v) || isUndefined(v);
  },
  callable: (v) => v instanceof PyFunction,
  true: (v) => v === true,
  false: (v) => v === false,
  even: (v) => arithmetic(v) && Number(v) % 2 === 0,
  odd: (v) => arithmetic(v) && Math.abs(Number(v) % 2) === 1,
  divisibleby: (v, n) => arithmetic(v) && Number(v) % Number(n) === 0,
  eq: (v, o) => pyEquals(v, o),
  equalto: (v, o) => pyEquals(v, o),
  ne: (v, o) => !pyEquals(v, o),
  lt: (v, o) => pyCompare(v, o, "<") < 0,
  lessthan: (v, o) => pyCompare(v, o, "<") < 0,
  le: (v, o) => pyCompare(v, o, "<=") <= 0,
  gt: (v, o) => pyCompare(v, o, ">") > 0,
  greaterthan: (v, o) => pyCompare(v, o, ">") > 0,
  ge: (v, o) => pyCompare(v, o, ">=") >= 0,
  in: (v, seq) => pyContains(seq, v),
  lower: (v) => cased(pyStr(v), (s) => s.toLowerCase()),
  upper: (v) => cased(pyStr(v), (s) => s.toUpperCase()),
  sameas: (v, o) => v === o,
  escaped: () => false,
};
// Jinja2's operator aliases (`select('>', 1)`, `x is >= 2`).
Object.assign(TESTS, {
  "==": TESTS.eq,
  "!=": TESTS.ne,
  ">": TESTS.gt,
  ">=": TESTS.ge,
  "<": TESTS.lt,
  "<=": TESTS.le,
});

export function runTest(name: string, value: unknown, args: unknown[]): boolean {
  const t = TESTS[name];
  if (!t) throw new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `no test named '${name}'`);
  return t(value, ...args);
}

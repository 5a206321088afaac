/**
 * Python value semantics over JS values: printing (str/repr), truthiness, equality, ordering,
 * and Jinja2's default Undefined. `null` is Python's None.
 */
import { PyDateTime } from "./date-time.ts";
import { Namespace } from "./namespace.ts";
import { floatRepr, isNumber, PyFloat } from "./py-float.ts";
import { TemplateError } from "./template-error.ts";

/** Whether an Undefined made now is strict: true for the length of a strict render (template.ts). */
let strictRender = false;

/** Runs `fn` (a render) so that the Undefined values it makes are strict. */
export function strictly<T>(fn: () => T): T {
  const previous = strictRender;
  strictRender = true;
  try {
    return fn();
  } finally {
    strictRender = previous;
  }
}

/**
 * Jinja2's default Undefined: renders empty, is falsy, fails on attribute access. One made during
 * a strict render is Jinja2's StrictUndefined: any use but `is defined` / `is undefined` /
 * `default` (printing, truth, iteration, comparison, `~`, most filters) raises `undefinedError`.
 */
export class Undefined {
  constructor(
    readonly name: string,
    readonly hint?: string,
    readonly strict: boolean = strictRender,
  ) {}
}

export const isUndefined = (v: unknown): v is Undefined => v instanceof Undefined;

/** Jinja2's UndefinedError for a use of `u`. */
export function undefinedError(u: Undefined): TemplateError {
  return new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `'${u.name}' is undefined`, { missing: u.name });
}

/** Raises when `v` is a strict Undefined (a use Jinja2's StrictUndefined refuses). */
export function refuseStrict(v: unknown): void {
  if (v instanceof Undefined && v.strict) throw undefinedError(v);
}

const TUPLE = Symbol("tuple");

/** A Python tuple: an array that prints with parentheses. */
export function tuple<T>(items: T[]): T[] {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}
export const isTuple = (v: unknown): boolean =>
  Array.isArray(v) && (v as unknown as Record<symbol, unknown>)[TUPLE] === true;

/** A callable exposed to templates (globals, bound methods). */
export class PyFunction {
  constructor(
    readonly name: string,
    readonly fn: (args: unknown[], kwargs: Record<string, unknown>) => unknown,
  ) {}
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  // plain data first (the common case): none of the classes below
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return true;
  return (
    !(v instanceof Undefined) &&
    !(v instanceof PyFunction) &&
    !(v instanceof Namespace) &&
    !(v instanceof PyDateTime) &&
    !(v instanceof PyFloat)
  );
}

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false) return false;
  if (v === true) return true;
  if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Undefined) {
    if (v.strict) throw undefinedError(v);
    return false;
  }
  if (v instanceof PyFloat) return v.value !== 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

/** How Python prints a plain number: an int (its digits, below 1e21) when whole, else a float. */
export function numberStr(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? String(n) : floatRepr(n);
}

function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === q) out += `\\${q}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else out += ch;
  }
  return q + out + q;
}

/** Python repr(). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return numberStr(v);
  if (typeof v === "string") return strRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (v instanceof Undefined) return "Undefined";
  if (isTuple(v))
    return (v as unknown[]).length === 1
      ? `(${pyRepr((v as unknown[])[0])},)`
      : `(${(v as unknown[]).map(pyRepr).join(", ")})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (v instanceof PyFunction) return `<function ${v.name}>`;
  if (v instanceof Namespace) return `<Namespace ${pyRepr(v.attrs)}>`;
  if (v instanceof PyDateTime) return v.str();
  if (isMapping(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`)
      .join(", ")}}`;
  }
  return String(v);
}

/** Python str(): what `{{ value }}` prints. */
export function pyStr(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Undefined) {
    if (v.strict) throw undefinedError(v);
    return "";
  }
  return pyRepr(v);
}

export function pyEquals(a: unknown, b: unknown): boolean {
  if (a instanceof Undefined || b instanceof Undefined) {
    refuseStrict(a);
    refuseStrict(b);
    return a instanceof Undefined && b instanceof Undefined;
  }
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (a instanceof PyFloat) return pyEquals(a.value, b);
  if (b instanceof PyFloat) return pyEquals(a, b.value);
  if (a instanceof PyDateTime && b instanceof PyDateTime) return a.ms === b.ms;
  if (typeof a === "boolean" && typeof b === "number") return (a ? 1 : 0) === b;
  if (typeof b === "boolean" && typeof a === "number") return (b ? 1 : 0) === a;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return false;
}

/** Python ordering (<): numbers with numbers, strings with strings, lists lexicographically. */
export function pyCompare(a: unknown, b: unknown, op: string): number {
  if (isNumber(a) && isNumber(b)) return Number(a) - Number(b);
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEquals(a[i], b[i])) return pyCompare(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  throw new TemplateError(
    "NOETL_E_TEMPLATE_TYPE",
    `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`,
  );
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (v instanceof Undefined) return "Undefined";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (v instanceof PyFloat) return "float";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  if (v instanceof PyFunction) return "function";
  if (v instanceof Namespace) return "Namespace";
  if (v instanceof PyDateTime) return "datetime";
  return "dict";
}

export function pyContains(container: unknown, item: unknown): boolean {
  if (typeof container === "string") {
    if (typeof item !== "string") {
      throw new TemplateError(
        "NOETL_E_TEMPLATE_TYPE",
        `'in <string>' requires string as left operand, not ${typeName(item)}`,
      );
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (isMapping(container)) {
    refuseStrict(item); // a dict hashes the key
    return typeof item === "string" && Object.hasOwn(container, item);
  }
  if (container instanceof Undefined) throw undefinedError(container);
  throw new TemplateError(
    "NOETL_E_TEMPLATE_TYPE",
    `argument of type '${typeName(container)}' is not iterable`,
  );
}

/** Converts a template value to plain JSON-compatible data (Undefined → undefined). */
export function toNative(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (v instanceof Undefined) return undefined;
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyFunction) return undefined;
  if (v instanceof Namespace) return { ...v.attrs };
  if (v instanceof PyDateTime) return v.isoformat();
  return v;
}

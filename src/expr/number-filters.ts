/** Jinja2's number filters: abs, float, int, round (Python's int/float split: `py-float.ts`). */
import type { Filter } from "./filter.ts";
import { filterArg } from "./filter-arg.ts";
import { isFloat, isNumber, PyFloat, pyFloat } from "./py-float.ts";
import { requireDefined } from "./require-defined.ts";
import { TemplateError } from "./template-error.ts";
import { refuseStrict, typeName } from "./values.ts";

/** Python's int(str, base): sign, underscores between digits, a 0x/0o/0b prefix for its base (any for 0). */
function parsePyInt(text: string, base: number): number | undefined {
  const m = /^([-+]?)(?:0([xob]))?([0-9a-z]+(?:_[0-9a-z]+)*)$/i.exec(text.trim());
  if (!m) return undefined;
  const prefix = m[2]?.toLowerCase();
  let digits = (m[3] as string).replace(/_/g, "");
  let b = base;
  if (prefix) {
    const of = { x: 16, o: 8, b: 2 }[prefix] as number;
    if (b === 0) b = of;
    else if (b !== of) {
      // "0b1" in base 16 is a number, not a prefix
      if (b <= 11 || (prefix === "x" && b < 34)) return undefined;
      digits = `0${prefix}${digits}`;
    }
  } else if (b === 0) {
    if (/^0+[1-9]/.test(digits)) return undefined;
    b = 10;
  }
  if (b < 2 || b > 36) return undefined;
  let n = 0;
  for (const ch of digits.toLowerCase()) {
    const d = Number.parseInt(ch, 36);
    if (d >= b) return undefined;
    n = n * b + d;
  }
  return m[1] === "-" ? -n : n;
}

/** Jinja2's int filter: int(value, base) for text, int(value) otherwise, then int(float(value)), else the default. */
function toInt(v: unknown, dflt: unknown = 0, base = 10): unknown {
  if (typeof v === "number" || v instanceof PyFloat)
    return Number.isFinite(Number(v)) ? Math.trunc(Number(v)) : dflt;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    const n = parsePyInt(v, base);
    if (n !== undefined) return n;
    const f = floatOf(v);
    return f !== undefined && Number.isFinite(f) ? Math.trunc(f) : dflt;
  }
  return dflt;
}

/** Python's float(value) as a number, or undefined when it has none. */
function floatOf(v: unknown): number | undefined {
  if (isNumber(v)) return Number(v);
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (/^[-+]?nan$/.test(s)) return Number.NaN;
    if (/^[-+]?inf(inity)?$/.test(s))
      return s.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    if (
      !/^[-+]?(\d(_?\d)*)?(\.(\d(_?\d)*)?)?(e[-+]?\d(_?\d)*)?$/.test(s) ||
      !/\d/.test(s.split("e")[0] as string)
    )
      return undefined;
    return Number(s.replace(/_/g, ""));
  }
  return undefined;
}

/** Jinja2's float filter: float(value), else the default (0.0 unless given). */
function toFloat(v: unknown, args: unknown[], kw: Record<string, unknown>): unknown {
  const f = floatOf(v);
  if (f !== undefined) return pyFloat(f);
  return args.length > 0 || Object.hasOwn(kw, "default")
    ? filterArg(args, kw, 0, "default", 0)
    : new PyFloat(0);
}

/**
 * Jinja2's round: `round(value, precision)` for "common" (an int stays an int, as Python's round
 * keeps it), `ceil`/`floor` of value × 10^precision divided back (always a float).
 */
function round(value: unknown, precision = 0, method = "common"): unknown {
  const n = Number(value);
  const f = 10 ** precision;
  if (method === "ceil") return pyFloat(Math.ceil(n * f) / f);
  if (method === "floor") return pyFloat(Math.floor(n * f) / f);
  const int = isNumber(value) && !isFloat(value);
  if (int && precision >= 0) return n;
  // Python's round(): half to even (an int to a multiple of 10^-precision, exactly)
  const m = int ? 10 ** -precision : 1;
  const x = int ? n / m : n * f;
  const floor = Math.floor(x);
  const diff = x - floor;
  const r = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  if (int) return r * m;
  return isFloat(value) ? pyFloat(r / f) : r / f;
}

export const NUMBER_FILTERS: Record<string, Filter> = {
  abs: (v) => {
    if (v instanceof PyFloat) return new PyFloat(Math.abs(v.value));
    if (typeof v !== "number" && typeof v !== "boolean") {
      throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `bad operand type for abs(): '${typeName(v)}'`);
    }
    return Math.abs(Number(v));
  },
  float: (v, args, kw) => toFloat(requireDefined(v), args, kw),
  int: (v, args, kw) =>
    toInt(
      requireDefined(v),
      filterArg(args, kw, 0, "default", 0),
      Number(filterArg(args, kw, 1, "base", 10)),
    ),
  round: (v, args, kw) => {
    refuseStrict(v);
    return round(
      v,
      Number(filterArg(args, kw, 0, "precision", 0)),
      String(filterArg(args, kw, 1, "method", "common")),
    );
  },
};

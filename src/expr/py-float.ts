/**
 * Python's int/float split over JS numbers. A plain JS number is an `int` when it is a whole
 * number and a `float` otherwise (NaN and ±inf are floats); a float whose value is whole (`2.0`,
 * `-0.0`, `1e20`) is boxed in a `PyFloat` so that it keeps printing `2.0`. Only that case is
 * boxed: ints and fractional floats stay plain numbers, so the common path is untouched.
 * The box never leaves the engine: a native render result is unboxed (`unboxFloats`).
 */

import { setKey } from "./set-key.ts";

let made = 0;

/** A Python float whose value is a whole number (see the module comment). */
export class PyFloat {
  constructor(readonly value: number) {
    made += 1;
  }
  /** So that `Number(x)` and JS arithmetic read the value. */
  valueOf(): number {
    return this.value;
  }
  /** So that `String(x)` reads as Python prints it (`2.0`), never `[object Object]`. */
  toString(): string {
    return floatRepr(this.value);
  }
}

/** How many boxes were made so far: a render that made none has none to unbox. */
export function floatsMade(): number {
  return made;
}

/** A float result as a template value: boxed when it is a whole number, else the plain number. */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** Python `isinstance(v, float)`. */
export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v));
}

/** Python `isinstance(v, (int, float))` (bool included, as in Python). */
export function isNumber(v: unknown): v is number | boolean | PyFloat {
  return typeof v === "number" || typeof v === "boolean" || v instanceof PyFloat;
}

/**
 * Python's `repr(float)`: the shortest digits that read back the same, in fixed notation for
 * decimal exponents -4 … 15 (with `.0` when whole) and as `1.5e-05` / `1e+20` otherwise.
 */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const [mantissa, e] = n.toExponential().split("e") as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 16)
    return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  // JS prints fixed notation for these exponents, with the same shortest digits
  const s = String(n);
  return Number.isInteger(n) ? `${s}.0` : s;
}

/**
 * `value` with every `PyFloat` inside replaced by its number (JSON cannot tell 5.0 from 5).
 * Containers are copied only when they hold a box; cycles are followed once.
 */
export function unboxFloats(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (value instanceof PyFloat) return value.value;
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    seen.set(value, value);
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const x = unboxFloats(value[i], seen);
      if (x !== value[i]) {
        out ??= value.slice();
        seen.set(value, out);
        out[i] = x;
      }
    }
    return out ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    return value;
  const record = value as Record<string, unknown>;
  seen.set(value, value);
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(record)) {
    const x = unboxFloats(record[k], seen);
    if (x !== record[k]) {
      out ??= { ...record };
      seen.set(value, out);
      setKey(out, k, x);
    }
  }
  return out ?? value;
}

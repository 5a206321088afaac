/** Compiles expression trees to closures over a render frame. */
import { getAttr, getItem, pySlice } from "./access.ts";
import type { Expr } from "./ast.ts";
import { FILTERS } from "./filters.ts";
import { pyFormat } from "./format.ts";
import { GLOBALS } from "./globals.ts";
import { LIMITS } from "./limits.ts";
import { numericOp } from "./numeric-op.ts";
import { own } from "./owned.ts";
import { isNumber, PyFloat } from "./py-float.ts";
import type { Scope } from "./scope.ts";
import { setKey } from "./set-key.ts";
import { TemplateError } from "./template-error.ts";
import { runTest } from "./tests.ts";
import {
  isMapping,
  PyFunction,
  pyCompare,
  pyContains,
  pyEquals,
  pyStr,
  truthy,
  tuple,
  typeName,
  Undefined,
} from "./values.ts";

export { LIMITS };

export interface Frame {
  scope: Scope;
  locals: Map<string, unknown>;
  /** Remaining loop iterations for this render (runaway protection). */
  budget: { steps: number };
  src: string;
}

export type Eval = (f: Frame) => unknown;

/** `a if c` without else, when c is false: an Undefined that stays lenient in a strict render, as in Jinja2. */
const elseLess = () => new Undefined("<else>", undefined, false);

function lookup(f: Frame, name: string): unknown {
  if (f.locals.has(name)) return f.locals.get(name);
  if (f.scope.has(name)) {
    const v = f.scope.get(name);
    if (v === undefined) return new Undefined(name);
    if (typeof v === "function")
      return new PyFunction(name, (args) => (v as (...a: unknown[]) => unknown)(...args));
    return v;
  }
  const g = GLOBALS[name];
  return g ?? new Undefined(name);
}

function pathOf(e: Expr): string {
  switch (e.t) {
    case "name":
      return e.name;
    case "attr":
      return `${pathOf(e.obj)}.${e.name}`;
    case "item":
      return `${pathOf(e.obj)}[…]`;
    default:
      return "<expr>";
  }
}

/** Where an expression starts (the leftmost name of a path). */
function startPos(e: Expr): number {
  switch (e.t) {
    case "attr":
    case "item":
    case "slice":
      return startPos(e.obj);
    case "call":
      return startPos(e.fn);
    case "filter":
    case "test":
      return startPos(e.value);
    default:
      return e.pos;
  }
}

function fail(f: Frame, e: Expr, error: unknown): never {
  if (error instanceof TemplateError) {
    if (error.offset !== undefined) throw error;
    throw new TemplateError(error.code as never, error.message, {
      template: f.src,
      offset: startPos(e),
      ...(error.missing ? { missing: error.missing } : {}),
    });
  }
  throw error;
}

function arith(op: string, a: unknown, b: unknown, f: Frame, e: Expr): unknown {
  if (typeof a === "number" && typeof b === "number" && op === "+") {
    // the common case, kept short: int + int is an int; a whole sum of floats is a boxed float
    const r = a + b;
    return Number.isInteger(r) && !(Number.isInteger(a) && Number.isInteger(b)) ? new PyFloat(r) : r;
  }
  const bad = () =>
    fail(
      f,
      e,
      new TemplateError(
        "NOETL_E_TEMPLATE_TYPE",
        `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`,
      ),
    );
  if (a instanceof Undefined || b instanceof Undefined) {
    const u = (a instanceof Undefined ? a : b) as Undefined;
    fail(
      f,
      e,
      new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `'${u.name}' is undefined`, { missing: u.name }),
    );
  }
  if (isNumber(a) && isNumber(b)) {
    try {
      return numericOp(op, a, b);
    } catch (error) {
      return fail(f, e, error);
    }
  }
  if (op === "+") {
    if (typeof a === "string" && typeof b === "string") return checkLen(f, e, a + b);
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    return bad();
  }
  if (op === "*") {
    const [seq, n] = typeof a === "string" || Array.isArray(a) ? [a, b] : [b, a];
    if ((typeof seq === "string" || Array.isArray(seq)) && typeof n === "number") {
      const size = seq.length * Math.max(0, n);
      if (size > LIMITS.maxOutput)
        fail(f, e, new TemplateError("NOETL_E_TEMPLATE_LIMIT", "repetition too large"));
      if (typeof seq === "string") return seq.repeat(Math.max(0, n));
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(...seq);
      return out;
    }
    return bad();
  }
  if (op === "%" && typeof a === "string") return pyFormat(a, b);
  return bad();
}

function checkLen(f: Frame, e: Expr, s: string): string {
  if (s.length > LIMITS.maxOutput)
    fail(f, e, new TemplateError("NOETL_E_TEMPLATE_LIMIT", "string too large"));
  return s;
}

function args(list: Eval[], f: Frame): unknown[] {
  return list.map((a) => a(f));
}

function kwargs(list: Array<[string, Eval]>, f: Frame): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of list) out[k] = v(f);
  return out;
}

export function compileExpr(e: Expr): Eval {
  switch (e.t) {
    case "lit": {
      const v = e.value;
      // a fresh box per render, so that the render knows it made one (template.ts unboxes)
      if (v instanceof PyFloat) return () => new PyFloat(v.value);
      return () => v;
    }
    case "name": {
      const name = e.name;
      return (f) => lookup(f, name);
    }
    case "attr": {
      const obj = compileExpr(e.obj);
      const name = e.name;
      const path = pathOf(e);
      return (f) => {
        try {
          return getAttr(obj(f), name, path);
        } catch (error) {
          return fail(f, e, error);
        }
      };
    }
    case "item": {
      const obj = compileExpr(e.obj);
      const key = compileExpr(e.key);
      const path = pathOf(e);
      return (f) => {
        try {
          return getItem(obj(f), key(f), path);
        } catch (error) {
          return fail(f, e, error);
        }
      };
    }
    case "slice": {
      const obj = compileExpr(e.obj);
      const [s, t, p] = [e.start, e.stop, e.step].map((x) => (x ? compileExpr(x) : undefined));
      return (f) => {
        try {
          const n = (x?: Eval) => {
            const v = x?.(f);
            return v === undefined || v === null ? undefined : Number(v);
          };
          return pySlice(obj(f), n(s), n(t), n(p));
        } catch (error) {
          return fail(f, e, error);
        }
      };
    }
    case "call": {
      const fn = compileExpr(e.fn);
      const a = e.args.map(compileExpr);
      const k = e.kwargs.map(([n, x]) => [n, compileExpr(x)] as [string, Eval]);
      return (f) => {
        const target = fn(f);
        if (!(target instanceof PyFunction)) {
          const what =
            target instanceof Undefined
              ? `'${target.name}' is undefined`
              : `'${typeName(target)}' object is not callable`;
          return fail(f, e, new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", what));
        }
        try {
          return target.fn(args(a, f), kwargs(k, f));
        } catch (error) {
          return fail(f, e, error);
        }
      };
    }
    case "filter": {
      const value = compileExpr(e.value);
      const name = e.name;
      const a = e.args.map(compileExpr);
      const k = e.kwargs.map(([n, x]) => [n, compileExpr(x)] as [string, Eval]);
      const filter = FILTERS[name];
      if (!filter) {
        return (f) =>
          fail(f, e, new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `no filter named '${name}'`));
      }
      return (f) => {
        const v = value(f);
        try {
          return filter(v, args(a, f), kwargs(k, f));
        } catch (error) {
          return fail(f, e, error);
        }
      };
    }
    case "test": {
      const value = compileExpr(e.value);
      const a = e.args.map(compileExpr);
      const { name, negate } = e;
      return (f) => {
        try {
          return runTest(name, value(f), args(a, f)) !== negate;
        } catch (error) {
          return fail(f, e, error);
        }
      };
    }
    case "bin": {
      const l = compileExpr(e.left);
      const r = compileExpr(e.right);
      if (e.op === "~") return (f) => checkLen(f, e, pyStr(l(f)) + pyStr(r(f)));
      const op = e.op;
      return (f) => arith(op, l(f), r(f), f, e);
    }
    case "unary": {
      const v = compileExpr(e.value);
      if (e.op === "not") return (f) => !truthy(v(f));
      const sign = e.op === "-" ? -1 : 1;
      return (f) => {
        const x = v(f);
        if (x instanceof PyFloat) return new PyFloat(sign * x.value);
        if (typeof x !== "number" && typeof x !== "boolean") {
          return fail(
            f,
            e,
            new TemplateError(
              "NOETL_E_TEMPLATE_TYPE",
              `bad operand type for unary ${e.op}: '${typeName(x)}'`,
            ),
          );
        }
        return sign * Number(x);
      };
    }
    case "and": {
      const l = compileExpr(e.left);
      const r = compileExpr(e.right);
      return (f) => {
        const x = l(f);
        return truthy(x) ? r(f) : x;
      };
    }
    case "or": {
      const l = compileExpr(e.left);
      const r = compileExpr(e.right);
      return (f) => {
        const x = l(f);
        return truthy(x) ? x : r(f);
      };
    }
    case "cmp": {
      const first = compileExpr(e.first);
      const rest = e.rest.map(([op, x]) => [op, compileExpr(x)] as const);
      return (f) => {
        let left = first(f);
        for (const [op, rightE] of rest) {
          const right = rightE(f);
          let ok: boolean;
          try {
            ok = compare(op, left, right);
          } catch (error) {
            return fail(f, e, error);
          }
          if (!ok) return false;
          left = right;
        }
        return true;
      };
    }
    case "cond": {
      const test = compileExpr(e.test);
      const then = compileExpr(e.then);
      const els = e.else ? compileExpr(e.else) : undefined;
      return (f) => (truthy(test(f)) ? then(f) : els ? els(f) : elseLess());
    }
    case "list": {
      const items = e.items.map(compileExpr);
      return (f) => own(items.map((i) => i(f)));
    }
    case "tuple": {
      const items = e.items.map(compileExpr);
      return (f) => tuple(items.map((i) => i(f)));
    }
    case "dict": {
      const entries = e.entries.map(([k, v]) => [compileExpr(k), compileExpr(v)] as const);
      return (f) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of entries) setKey(out, pyStr(k(f)), v(f));
        return own(out);
      };
    }
  }
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case "==":
      return pyEquals(a, b);
    case "!=":
      return !pyEquals(a, b);
    case "in":
      return pyContains(b, a);
    case "notin":
      return !pyContains(b, a);
    default: {
      if (a instanceof Undefined || b instanceof Undefined) {
        const u = (a instanceof Undefined ? a : b) as Undefined;
        throw new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `'${u.name}' is undefined`, {
          missing: u.name,
        });
      }
      const c = pyCompare(a, b, op);
      return op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0;
    }
  }
}

export { isMapping };

/** Compiled templates, cached by source. */
import type { Expr, FilterCall, Node } from "./ast.ts";
import { compileExpr, type Eval, type Frame, LIMITS } from "./evaluate.ts";
import { freeNames } from "./free-names.ts";
import { Namespace } from "./namespace.ts";
import { parseTemplate } from "./parser.ts";
import { floatsMade, unboxFloats } from "./py-float.ts";
import { asScope, type Scope } from "./scope.ts";
import { setKey } from "./set-key.ts";
import { TemplateError } from "./template-error.ts";
import {
  isMapping,
  PyFunction,
  pyEquals,
  pyStr,
  refuseStrict,
  strictly,
  toNative,
  truthy,
  tuple,
  Undefined,
} from "./values.ts";

type Run = (f: Frame, out: string[]) => void;

export interface Template {
  readonly source: string;
  /** Free root names the template reads. */
  readonly names: ReadonlySet<string>;
  /** No `{{` / `{%`: renders to itself. */
  readonly isStatic: boolean;
  /** Native value when the source is exactly one `{{ expr }}`, else the rendered text. */
  render(scope: Scope | Record<string, unknown>, options?: RenderOptions): unknown;
  renderText(scope: Scope | Record<string, unknown>, options?: RenderOptions): string;
}

export interface RenderOptions {
  /**
   * Jinja2's StrictUndefined: using an undefined value (printing it, yielding it from a single
   * `{{ expr }}`, its truth in `if`/`and`/`or`/`not`, iterating, comparing, `~`, most filters)
   * is an error, NOETL_E_TEMPLATE_UNDEFINED, instead of rendering empty or being false.
   * `is defined` / `is undefined` and `default` / `d` still see it.
   */
  strict?: boolean;
}

const cache = new Map<string, Template>();
const CACHE_MAX = 50_000;

export function isTemplate(s: string): boolean {
  return s.includes("{{") || s.includes("{%") || s.includes("{#");
}

export function compile(source: string): Template {
  let t = cache.get(source);
  if (!t) {
    t = build(source);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(source, t);
  }
  return t;
}

function build(source: string): Template {
  if (!isTemplate(source)) {
    return {
      source,
      names: new Set(),
      isStatic: true,
      render: () => source,
      renderText: () => source,
    };
  }
  let nodes: Node[];
  try {
    nodes = parseTemplate(source);
  } catch (error) {
    if (error instanceof RangeError)
      throw new TemplateError("NOETL_E_TEMPLATE_LIMIT", "template nesting too deep", { template: source });
    throw error;
  }
  const single = singleExpression(source, nodes);
  const run = compileNodes(nodes);
  const native = single ? compileExpr(single) : undefined;
  const frame = (scope: Scope | Record<string, unknown>): Frame => ({
    scope: asScope(scope),
    locals: new Map(),
    budget: { steps: LIMITS.maxLoopSteps },
    src: source,
  });
  const renderText = (scope: Scope | Record<string, unknown>, options?: RenderOptions) => {
    const out: string[] = [];
    guard(source, options, () => run(frame(scope), out));
    return out.join("");
  };
  return {
    source,
    names: freeNames(nodes),
    isStatic: false,
    render: native
      ? (scope, options) => guard(source, options, () => nativeResult(native, frame(scope)))
      : renderText,
    renderText,
  };
}

/**
 * The value of a single-expression template, as plain data: whole-number floats (boxed inside
 * the engine, `py-float.ts`) become plain numbers. Only a render that made a box is walked.
 */
function nativeResult(native: Eval, f: Frame): unknown {
  const before = floatsMade();
  const v = native(f);
  refuseStrict(v);
  const out = toNative(v);
  return floatsMade() === before ? out : unboxFloats(out);
}

/**
 * Runs a render, mapping engine errors to template errors. A strict render makes strict Undefined
 * values (values.ts): the flag is set for its length only, so a lenient render does as before.
 */
function guard<T>(source: string, options: RenderOptions | undefined, fn: () => T): T {
  if (options?.strict === true) return strictly(() => guard(source, undefined, fn));
  try {
    return fn();
  } catch (error) {
    if (error instanceof RangeError) {
      throw new TemplateError("NOETL_E_TEMPLATE_LIMIT", "template recursion too deep", { template: source });
    }
    if (error instanceof TemplateError && !error.template) {
      throw new TemplateError(error.code as never, error.message, {
        template: source,
        ...(error.missing ? { missing: error.missing } : {}),
      });
    }
    throw error;
  }
}

function singleExpression(source: string, nodes: Node[]): Expr | undefined {
  const trimmed = source.trim();
  if (!trimmed.startsWith("{{") || !trimmed.endsWith("}}")) return undefined;
  const outs = nodes.filter((n) => !(n.t === "text" && n.text.trim() === ""));
  if (outs.length !== 1) return undefined;
  const only = outs[0];
  return only?.t === "out" ? only.expr : undefined;
}

function compileNodes(nodes: Node[]): Run {
  const runs = nodes.map(compileNode);
  return (f, out) => {
    for (const r of runs) r(f, out);
  };
}

function compileNode(node: Node): Run {
  switch (node.t) {
    case "text": {
      const text = node.text;
      return (_f, out) => {
        out.push(text);
      };
    }
    case "out": {
      const e = compileExpr(node.expr);
      return (f, out) => {
        out.push(pyStr(e(f)));
      };
    }
    case "if": {
      const branches = node.branches.map(([t, b]) => [compileExpr(t), compileNodes(b)] as const);
      const els = node.else ? compileNodes(node.else) : undefined;
      return (f, out) => {
        for (const [test, body] of branches) {
          if (truthy(test(f))) return body(f, out);
        }
        els?.(f, out);
      };
    }
    case "set": {
      const value = compileExpr(node.value);
      const targets = node.targets;
      if (node.attr !== undefined) {
        const assign = assignAttr(targets[0] as string, node.attr, node.pos);
        return (f) => assign(f, value(f));
      }
      return (f) => {
        const v = value(f);
        if (targets.length === 1) f.locals.set(targets[0] as string, v);
        else {
          refuseStrict(v); // unpacking iterates
          for (const [i, t] of targets.entries()) f.locals.set(t, Array.isArray(v) ? v[i] : new Undefined(t));
        }
      };
    }
    case "setblock": {
      const value = filteredBody(node.filters, node.body);
      const target = node.target;
      if (node.attr !== undefined) {
        const assign = assignAttr(target, node.attr, node.pos);
        return (f) => assign(f, value(f));
      }
      return (f) => {
        f.locals.set(target, value(f));
      };
    }
    case "filterblock": {
      const value = filteredBody(node.filters, node.body);
      return (f, out) => {
        out.push(pyStr(value(f)));
      };
    }
    case "macro":
      return compileMacro(node);
    case "for":
      return compileFor(node);
  }
}

/** `{% set ns.attr = v %}`: only a namespace() takes attributes. */
function assignAttr(name: string, attr: string, pos: number): (f: Frame, v: unknown) => void {
  const target = compileExpr({ t: "name", name, pos });
  return (f, v) => {
    const ns = target(f);
    if (!(ns instanceof Namespace)) {
      throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "cannot assign attribute on non-namespace object", {
        template: f.src,
        offset: pos,
      });
    }
    setKey(ns.attrs, attr, v);
  };
}

/** Not an identifier: the rendered body of a filter block or block set, read by its filter chain. */
const BODY = " body";

/** Renders a body and applies a filter chain to the text (`{% filter %}`, `{% set x | f %}`). */
function filteredBody(filters: FilterCall[], nodes: Node[]): (f: Frame) => unknown {
  const body = compileNodes(nodes);
  let chain: Expr = { t: "name", name: BODY, pos: filters[0]?.pos ?? 0 };
  for (const c of filters) chain = { t: "filter", value: chain, ...c };
  const apply = compileExpr(chain);
  return (f) => {
    const out: string[] = [];
    // the body is a scope: its {% set %} does not leak (as in Jinja2)
    const saved = new Map(f.locals);
    body(f, out);
    f.locals.set(BODY, out.join(""));
    try {
      return apply(f);
    } finally {
      f.locals.clear();
      for (const [k, v] of saved) f.locals.set(k, v);
    }
  };
}

/**
 * `{% macro name(a, b=1) %}`: binds a callable that renders the body in a new frame seeing the
 * caller's variables at call time (as Jinja2's macros do), the parameters, and `varargs` /
 * `kwargs` when the body reads them.
 */
function compileMacro(node: Extract<Node, { t: "macro" }>): Run {
  const body = compileNodes(node.body);
  const params = node.params.map(([n, d]) => [n, d ? compileExpr(d) : undefined] as const);
  const reads = freeNames(node.body);
  const catchArgs = reads.has("varargs");
  const catchKwargs = reads.has("kwargs");
  const { name, pos } = node;
  const typeError = (f: Frame, message: string) =>
    new TemplateError("NOETL_E_TEMPLATE_TYPE", message, { template: f.src, offset: pos });
  return (def) => {
    const macro = new PyFunction(name, (args, kwargs) => {
      if (--def.budget.steps < 0) throw typeError(def, "too many macro calls");
      const f: Frame = { scope: def.scope, locals: new Map(def.locals), budget: def.budget, src: def.src };
      const extra = { ...kwargs };
      params.forEach(([p, dflt], i) => {
        if (i < args.length) f.locals.set(p, args[i]);
        else if (Object.hasOwn(extra, p)) {
          f.locals.set(p, extra[p]);
          delete extra[p];
        } else f.locals.set(p, dflt ? dflt(f) : new Undefined(p, `parameter '${p}' was not provided`));
      });
      const rest = args.slice(params.length);
      if (rest.length > 0 && !catchArgs)
        throw typeError(def, `macro '${name}' takes not more than ${params.length} argument(s)`);
      const unknown = Object.keys(extra);
      if (unknown.length > 0 && !catchKwargs)
        throw typeError(def, `macro '${name}' takes no keyword argument '${unknown[0]}'`);
      if (catchArgs) f.locals.set("varargs", tuple(rest));
      if (catchKwargs) f.locals.set("kwargs", extra);
      const out: string[] = [];
      body(f, out);
      return out.join("");
    });
    def.locals.set(name, macro);
  };
}

function compileFor(node: Extract<Node, { t: "for" }>): Run {
  const iter = compileExpr(node.iter);
  const filter = node.filter ? compileExpr(node.filter) : undefined;
  const body = compileNodes(node.body);
  const els = node.else ? compileNodes(node.else) : undefined;
  const targets = node.targets;
  return (f, out) => {
    const source = iter(f);
    let items: unknown[];
    if (Array.isArray(source)) items = source;
    else if (typeof source === "string") items = [...source];
    else if (isMapping(source)) items = Object.keys(source);
    else if (source instanceof Undefined) {
      refuseStrict(source);
      items = [];
    } else
      throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `'${pyStr(source)}' is not iterable`, {
        template: f.src,
        offset: node.pos,
      });
    const saved = new Map(f.locals);
    const bind = (item: unknown) => {
      if (targets.length === 1) f.locals.set(targets[0] as string, item);
      else
        for (const [i, t] of targets.entries())
          f.locals.set(t, Array.isArray(item) ? item[i] : new Undefined(t));
    };
    if (filter) {
      items = items.filter((item) => {
        bind(item);
        return truthy(filter(f));
      });
    }
    const n = items.length;
    let last: unknown[] | undefined;
    const changed = new PyFunction("loop.changed", (args) => {
      if (last !== undefined && pyEquals(last, args)) return false;
      last = args;
      return true;
    });
    items.forEach((item, i) => {
      if (--f.budget.steps < 0) {
        throw new TemplateError("NOETL_E_TEMPLATE_LIMIT", "too many loop iterations", {
          template: f.src,
          offset: node.pos,
        });
      }
      bind(item);
      f.locals.set("loop", {
        index: i + 1,
        index0: i,
        revindex: n - i,
        revindex0: n - i - 1,
        first: i === 0,
        last: i === n - 1,
        length: n,
        previtem: i > 0 ? items[i - 1] : new Undefined("loop.previtem"),
        nextitem: i < n - 1 ? items[i + 1] : new Undefined("loop.nextitem"),
        depth: 1, // loops are not recursive here (no `recursive` loops)
        depth0: 0,
        cycle: new PyFunction("loop.cycle", (args) => {
          if (args.length === 0)
            throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "no items for cycling given");
          return args[i % args.length];
        }),
        changed,
      });
      body(f, out);
    });
    if (n === 0) els?.(f, out);
    // {% set %} inside a loop does not leak out (Jinja2 scoping)
    f.locals.clear();
    for (const [k, v] of saved) f.locals.set(k, v);
    let size = 0;
    for (const s of out) size += s.length;
    if (size > LIMITS.maxOutput)
      throw new TemplateError("NOETL_E_TEMPLATE_LIMIT", "output too large", { template: f.src });
  };
}

export type { Eval };

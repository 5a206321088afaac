import type { Expr, FilterCall, Node } from "./ast.ts";

/** Root names a template reads from its context (locals bound by for/set excluded). */
export function freeNames(nodes: Node[]): Set<string> {
  const names = new Set<string>();
  const walk = (ns: Node[], bound: Set<string>) => {
    for (const n of ns) {
      switch (n.t) {
        case "text":
          break;
        case "out":
          expr(n.expr, bound);
          break;
        case "if":
          for (const [t, b] of n.branches) {
            expr(t, bound);
            walk(b, bound);
          }
          if (n.else) walk(n.else, bound);
          break;
        case "set":
          expr(n.value, bound);
          if (n.attr !== undefined) read(n.targets[0] as string, bound);
          else for (const t of n.targets) bound.add(t);
          break;
        case "setblock":
          walk(n.body, new Set(bound));
          filters(n.filters, bound);
          if (n.attr !== undefined) read(n.target, bound);
          else bound.add(n.target);
          break;
        case "filterblock":
          walk(n.body, new Set(bound));
          filters(n.filters, bound);
          break;
        case "macro": {
          const inner = new Set([...bound, n.name, "varargs", "kwargs"]);
          for (const [p, d] of n.params) {
            if (d) expr(d, inner);
            inner.add(p);
          }
          walk(n.body, inner);
          bound.add(n.name);
          break;
        }
        case "for": {
          expr(n.iter, bound);
          const inner = new Set([...bound, ...n.targets, "loop"]);
          if (n.filter) expr(n.filter, inner);
          walk(n.body, inner);
          if (n.else) walk(n.else, bound);
          break;
        }
      }
    }
  };
  const read = (name: string, bound: Set<string>) => {
    if (!bound.has(name)) names.add(name);
  };
  const filters = (calls: FilterCall[], bound: Set<string>) => {
    for (const c of calls) {
      for (const a of c.args) expr(a, bound);
      for (const [, a] of c.kwargs) expr(a, bound);
    }
  };
  const expr = (e: Expr, bound: Set<string>): void => {
    switch (e.t) {
      case "lit":
        return;
      case "name":
        if (!bound.has(e.name)) names.add(e.name);
        return;
      case "attr":
        expr(e.obj, bound);
        return;
      case "item":
        expr(e.obj, bound);
        expr(e.key, bound);
        return;
      case "slice":
        expr(e.obj, bound);
        for (const x of [e.start, e.stop, e.step]) if (x) expr(x, bound);
        return;
      case "call":
        expr(e.fn, bound);
        for (const a of e.args) expr(a, bound);
        for (const [, a] of e.kwargs) expr(a, bound);
        return;
      case "filter":
        expr(e.value, bound);
        for (const a of e.args) expr(a, bound);
        for (const [, a] of e.kwargs) expr(a, bound);
        return;
      case "test":
        expr(e.value, bound);
        for (const a of e.args) expr(a, bound);
        return;
      case "bin":
      case "and":
      case "or":
        expr(e.left, bound);
        expr(e.right, bound);
        return;
      case "unary":
        expr(e.value, bound);
        return;
      case "cmp":
        expr(e.first, bound);
        for (const [, x] of e.rest) expr(x, bound);
        return;
      case "cond":
        expr(e.test, bound);
        expr(e.then, bound);
        if (e.else) expr(e.else, bound);
        return;
      case "list":
      case "tuple":
        for (const x of e.items) expr(x, bound);
        return;
      case "dict":
        for (const [k, v] of e.entries) {
          expr(k, bound);
          expr(v, bound);
        }
        return;
    }
  };
  walk(nodes, new Set());
  return names;
}

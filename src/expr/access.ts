/**
 * Attribute and item access with Jinja2 semantics, restricted to data: own properties of plain
 * objects, list indexes, and an allow-list of str/dict/list methods. Nothing else is reachable
 * (no prototypes, constructors or JS globals).
 */
import { PyDateTime } from "./date-time.ts";
import { pyFormat } from "./format.ts";
import { LIMITS } from "./limits.ts";
import { Namespace } from "./namespace.ts";
import { own, requireOwned } from "./owned.ts";
import { isFloat, PyFloat } from "./py-float.ts";
import { setKey } from "./set-key.ts";
import { TemplateError } from "./template-error.ts";
import {
  isMapping,
  isTuple,
  PyFunction,
  pyCompare,
  pyContains,
  pyEquals,
  pyRepr,
  pyStr,
  refuseStrict,
  tuple,
  typeName,
  Undefined,
} from "./values.ts";

function bind(name: string, fn: (args: unknown[], kwargs: Record<string, unknown>) => unknown): PyFunction {
  return new PyFunction(name, fn);
}

function strMethod(s: string, name: string): PyFunction | undefined {
  const a = (args: unknown[], i: number) => args[i];
  switch (name) {
    case "lower":
      return bind(name, () => s.toLowerCase());
    case "upper":
      return bind(name, () => s.toUpperCase());
    case "strip":
      return bind(name, (args) =>
        args[0] === undefined || args[0] === null ? s.trim() : trimChars(s, String(args[0]), 3),
      );
    case "lstrip":
      return bind(name, (args) =>
        args[0] == null ? s.replace(/^\s+/, "") : trimChars(s, String(args[0]), 1),
      );
    case "rstrip":
      return bind(name, (args) =>
        args[0] == null ? s.replace(/\s+$/, "") : trimChars(s, String(args[0]), 2),
      );
    case "split":
      return bind(name, (args) =>
        pySplit(s, a(args, 0) as string | null | undefined, a(args, 1) as number | undefined),
      );
    case "startswith":
      return bind(name, (args) => anyOf(args[0], (p) => s.startsWith(p)));
    case "endswith":
      return bind(name, (args) => anyOf(args[0], (p) => s.endsWith(p)));
    case "replace":
      return bind(name, (args) =>
        replaceCount(s, String(args[0]), String(args[1]), args[2] as number | undefined),
      );
    case "format":
      return bind(name, (args, kwargs) => strFormat(s, args, kwargs));
    case "join":
      return bind(name, (args) => (Array.isArray(args[0]) ? args[0].map(pyStr).join(s) : ""));
    case "title":
      return bind(name, () => s.replace(/\w\S*/g, (w) => w[0]?.toUpperCase() + w.slice(1).toLowerCase()));
    case "capitalize":
      return bind(name, () => (s ? (s[0] as string).toUpperCase() + s.slice(1).toLowerCase() : s));
    case "find":
      return bind(name, (args) => s.indexOf(String(args[0])));
    case "count":
      return bind(name, (args) =>
        String(args[0]) === "" ? s.length + 1 : s.split(String(args[0])).length - 1,
      );
    case "isdigit":
      return bind(name, () => /^[0-9]+$/.test(s));
    case "isalpha":
      return bind(name, () => /^[A-Za-z]+$/.test(s));
    case "zfill":
      return bind(name, (args) => s.padStart(Number(args[0]), "0"));
    default:
      return undefined;
  }
}

function dictMethod(d: Record<string, unknown>, name: string): PyFunction | undefined {
  switch (name) {
    case "items":
      return bind(name, () => Object.entries(d).map(tuple));
    case "keys":
      return bind(name, () => Object.keys(d));
    case "values":
      return bind(name, () => Object.values(d));
    case "get":
      return bind(name, (args) =>
        Object.hasOwn(d, String(args[0])) ? d[String(args[0])] : (args[1] ?? null),
      );
    case "copy":
      return bind(name, () => own({ ...d }));
    default: {
      const method = mutatingDictMethodOf(d, name);
      return method && guarded(d, method);
    }
  }
}

/** dict.update/pop/setdefault/clear: change the dict in place and return what Python returns. */
function mutatingDictMethodOf(d: Record<string, unknown>, name: string): PyFunction | undefined {
  switch (name) {
    case "update":
      return bind(name, (args, kwargs) => {
        const other = args[0];
        if (isMapping(other)) for (const [k, v] of Object.entries(other)) setKey(d, k, v);
        else if (other !== undefined && other !== null)
          for (const pair of iterate(other)) {
            if (!Array.isArray(pair) || pair.length !== 2)
              throw typeError("dictionary update sequence element has wrong length; 2 is required");
            setKey(d, pyStr(pair[0]), pair[1]);
          }
        for (const [k, v] of Object.entries(kwargs)) setKey(d, k, v);
        return null;
      });
    case "pop":
      return bind(name, (args) => {
        const k = pyStr(args[0]);
        if (Object.hasOwn(d, k)) {
          const v = d[k];
          delete d[k];
          return v;
        }
        if (args.length > 1) return args[1];
        throw new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `KeyError: ${pyRepr(args[0])}`);
      });
    case "setdefault":
      return bind(name, (args) => {
        const k = pyStr(args[0]);
        if (!Object.hasOwn(d, k)) setKey(d, k, args[1] ?? null);
        return d[k];
      });
    case "clear":
      return bind(name, () => {
        for (const k of Object.keys(d)) delete d[k];
        return null;
      });
    default:
      return undefined;
  }
}

function typeError(message: string): TemplateError {
  return new TemplateError("NOETL_E_TEMPLATE_TYPE", message);
}

/** The items a Python `for` over `v` sees (list, str, dict keys; Undefined is empty). */
function iterate(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [...v];
  if (isMapping(v)) return Object.keys(v);
  if (v instanceof Undefined) {
    refuseStrict(v);
    return [];
  }
  throw typeError(`'${typeName(v)}' object is not iterable`);
}

function grow(l: unknown[], by: number): void {
  if (l.length + by > LIMITS.maxItems)
    throw new TemplateError("NOETL_E_TEMPLATE_LIMIT", `list of more than ${LIMITS.maxItems} items`);
}

/** list.append/extend/insert/remove/pop/clear/reverse/sort: change the list in place. */
function mutatingListMethod(l: unknown[], name: string): PyFunction | undefined {
  const method = mutatingListMethodOf(l, name);
  return method && guarded(l, method);
}

/** A mutating method that first checks the value is the template's own (`owned.ts`): lists and dicts. */
function guarded(target: object, method: PyFunction): PyFunction {
  return bind(method.name, (args, kwargs) => {
    requireOwned(target, method.name);
    return method.fn(args, kwargs);
  });
}

function mutatingListMethodOf(l: unknown[], name: string): PyFunction | undefined {
  switch (name) {
    case "append":
      return bind(name, (args) => {
        grow(l, 1);
        l.push(args[0]);
        return null;
      });
    case "extend":
      return bind(name, (args) => {
        const items = iterate(args[0]);
        grow(l, items.length);
        for (const x of [...items]) l.push(x);
        return null;
      });
    case "insert":
      return bind(name, (args) => {
        grow(l, 1);
        const i = Math.trunc(Number(args[0]));
        const at = i < 0 ? Math.max(0, l.length + i) : Math.min(i, l.length);
        l.splice(at, 0, args[1]);
        return null;
      });
    case "remove":
      return bind(name, (args) => {
        const i = l.findIndex((x) => pyEquals(x, args[0]));
        if (i < 0) throw typeError("list.remove(x): x not in list");
        l.splice(i, 1);
        return null;
      });
    case "pop":
      return bind(name, (args) => {
        if (l.length === 0) throw typeError("pop from empty list");
        const i = args[0] === undefined ? l.length - 1 : Math.trunc(Number(args[0]));
        const at = i < 0 ? l.length + i : i;
        if (at < 0 || at >= l.length) throw typeError("pop index out of range");
        return l.splice(at, 1)[0];
      });
    case "clear":
      return bind(name, () => {
        l.length = 0;
        return null;
      });
    case "reverse":
      return bind(name, () => {
        l.reverse();
        return null;
      });
    case "sort":
      return bind(name, (_args, kwargs) => {
        l.sort((a, b) => pyCompare(a, b, "<"));
        if (kwargs.reverse === true) l.reverse();
        return null;
      });
    default:
      return undefined;
  }
}

function listMethod(l: unknown[], name: string): PyFunction | undefined {
  switch (name) {
    case "index":
      return bind(name, (args) => {
        const i = l.findIndex((x) => pyEquals(x, args[0]));
        if (i < 0) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `${pyStr(args[0])} is not in list`);
        return i;
      });
    case "count":
      return bind(name, (args) => l.filter((x) => pyEquals(x, args[0])).length);
    case "copy":
      return isTuple(l) ? undefined : bind(name, () => own([...l]));
    default:
      return isTuple(l) ? undefined : mutatingListMethod(l, name);
  }
}

/** `obj.name` (Jinja2 getattr: attribute first, then item). */
export function getAttr(obj: unknown, name: string, path = name): unknown {
  if (obj instanceof Undefined) {
    throw new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `'${obj.name}' is undefined (reading '${name}')`, {
      missing: obj.name,
    });
  }
  if (typeof obj === "string")
    return strMethod(obj, name) ?? new Undefined(path, `str has no attribute '${name}'`);
  if (Array.isArray(obj)) return listMethod(obj, name) ?? new Undefined(path);
  if (obj instanceof Namespace) return Object.hasOwn(obj.attrs, name) ? obj.attrs[name] : new Undefined(path);
  if (obj instanceof PyDateTime) {
    const a = obj.attr(name);
    if (typeof a === "function") return bind(name, (args) => a(args));
    return a ?? new Undefined(path, `datetime has no attribute '${name}'`);
  }
  if (isMapping(obj)) {
    // Data wins over dict methods: `workload.items` is the `items` key when there is one (as in
    // NoETL's direct path resolution); Jinja2 would return the method. Documented in README.
    if (Object.hasOwn(obj, name)) return obj[name];
    return dictMethod(obj, name) ?? new Undefined(path);
  }
  return new Undefined(path, `${typeName(obj)} has no attribute '${name}'`);
}

/** `obj[key]` (Jinja2 getitem: item first, then attribute). */
export function getItem(obj: unknown, key: unknown, path: string): unknown {
  if (obj instanceof Undefined) {
    throw new TemplateError(
      "NOETL_E_TEMPLATE_UNDEFINED",
      `'${obj.name}' is undefined (reading [${pyStr(key)}])`,
      {
        missing: obj.name,
      },
    );
  }
  if (Array.isArray(obj) || typeof obj === "string") {
    if (typeof key === "number" && Number.isInteger(key)) {
      const i = key < 0 ? obj.length + key : key;
      return i >= 0 && i < obj.length ? obj[i] : new Undefined(path);
    }
    if (typeof key === "string") return getAttr(obj, key, path);
    return new Undefined(path);
  }
  if (obj instanceof Namespace)
    return typeof key === "string" ? getAttr(obj, key, path) : new Undefined(path);
  if (isMapping(obj)) {
    const k =
      typeof key === "number" || typeof key === "boolean"
        ? String(key)
        : key instanceof PyFloat
          ? String(key.value)
          : key;
    if (typeof k === "string" && Object.hasOwn(obj, k)) return obj[k];
    return typeof k === "string" ? (dictMethod(obj, k) ?? new Undefined(path)) : new Undefined(path);
  }
  return new Undefined(path);
}

export function pySlice(obj: unknown, start?: number, stop?: number, step?: number): unknown {
  if (!(Array.isArray(obj) || typeof obj === "string")) {
    throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `'${typeName(obj)}' object is not subscriptable`);
  }
  const len = obj.length;
  const st = step ?? 1;
  if (st === 0) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "slice step cannot be zero");
  const norm = (v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    const x = v < 0 ? v + len : v;
    return st > 0 ? Math.min(Math.max(x, 0), len) : Math.min(Math.max(x, -1), len - 1);
  };
  const from = norm(start, st > 0 ? 0 : len - 1);
  const to = norm(stop, st > 0 ? len : -1);
  const items: unknown[] = [];
  for (let i = from; st > 0 ? i < to : i > to; i += st) items.push(obj[i]);
  return typeof obj === "string" ? items.join("") : items;
}

function trimChars(s: string, chars: string, mode: 1 | 2 | 3): string {
  let a = 0;
  let b = s.length;
  if (mode & 1) while (a < b && chars.includes(s[a] as string)) a += 1;
  if (mode & 2) while (b > a && chars.includes(s[b - 1] as string)) b -= 1;
  return s.slice(a, b);
}

function pySplit(s: string, sep: string | null | undefined, max?: number): string[] {
  const limit = max === undefined || max < 0 ? Number.POSITIVE_INFINITY : max;
  if (sep === undefined || sep === null) {
    const parts = s
      .trim()
      .split(/\s+/)
      .filter((p) => p !== "");
    if (parts.length <= limit + 1) return parts;
    const head = parts.slice(0, limit);
    let rest = s.trim();
    for (const h of head) rest = rest.slice(rest.indexOf(h) + h.length).replace(/^\s+/, "");
    return [...head, rest];
  }
  const parts = s.split(sep);
  if (parts.length <= limit + 1) return parts;
  return [...parts.slice(0, limit), parts.slice(limit).join(sep)];
}

function anyOf(prefix: unknown, test: (p: string) => boolean): boolean {
  return Array.isArray(prefix) ? prefix.some((p) => test(String(p))) : test(String(prefix));
}

function replaceCount(s: string, from: string, to: string, count?: number): string {
  if (count === undefined || count < 0) return s.split(from).join(to);
  let out = s;
  let idx = 0;
  for (let n = 0; n < count; n++) {
    const i = out.indexOf(from, idx);
    if (i < 0) break;
    out = out.slice(0, i) + to + out.slice(i + from.length);
    idx = i + to.length;
  }
  return out;
}

function strFormat(s: string, args: unknown[], kwargs: Record<string, unknown>): string {
  let auto = 0;
  return s.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, field: string | undefined) => {
    if (m === "{{") return "{";
    if (m === "}}") return "}";
    const [name = "", spec] = (field ?? "").split(":");
    const value = name === "" ? args[auto++] : /^\d+$/.test(name) ? args[Number(name)] : kwargs[name];
    if (spec?.endsWith("d") && isFloat(value))
      throw typeError("Unknown format code 'd' for object of type 'float'");
    return spec
      ? pyFormat(`%${spec.replace(/^([<>^]?)(\d*)(\.\d+)?([dfsx]?)$/, "$2$3$4") || "s"}`, tuple([value]))
      : pyStr(value);
  });
}

export { pyContains };

/** Jinja2 built-in filters used by playbooks (plus NoETL's b64encode/b64decode/fromjson). */
import { getAttr, getItem } from "./access.ts";
import { base64Decode, base64Encode, urlEncode } from "./encoding.ts";
import type { Filter } from "./filter.ts";
import { filterArg } from "./filter-arg.ts";
import { pyFormat } from "./format.ts";
import { htmlEscape } from "./html-escape.ts";
import { NUMBER_FILTERS } from "./number-filters.ts";
import { numericOp } from "./numeric-op.ts";
import { own } from "./owned.ts";
import { isNumber, PyFloat } from "./py-float.ts";
import { requireDefined } from "./require-defined.ts";
import { TemplateError } from "./template-error.ts";
import { runTest } from "./tests.ts";
import { TEXT_FILTERS } from "./text-filters.ts";
import { toJson } from "./to-json.ts";
import {
  isMapping,
  isUndefined,
  numberStr,
  PyFunction,
  pyCompare,
  pyEquals,
  pyRepr,
  pyStr,
  refuseStrict,
  truthy,
  tuple,
  typeName,
  Undefined,
} from "./values.ts";

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (isMapping(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortDeep(v[k]);
    return out;
  }
  return v;
}

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [...v];
  if (isMapping(v)) return Object.keys(v);
  if (isUndefined(v)) {
    refuseStrict(v);
    return [];
  }
  if (v === null) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "'NoneType' object is not iterable");
  throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `'${typeName(v)}' object is not iterable`);
}

/** `attribute="a.b"` or an index. */
function attrGetter(attr: unknown): (x: unknown) => unknown {
  if (typeof attr === "number") return (x) => getItem(x, attr, String(attr));
  const parts = String(attr).split(".");
  return (x) => {
    let cur = x;
    for (const p of parts)
      cur = /^\d+$/.test(p) && Array.isArray(cur) ? getItem(cur, Number(p), p) : getAttr(cur, p);
    return cur;
  };
}

function sortKey(caseSensitive: boolean) {
  return (x: unknown) => (typeof x === "string" && !caseSensitive ? x.toLowerCase() : x);
}

function sorted(items: unknown[], key: (x: unknown) => unknown, reverse: boolean): unknown[] {
  const out = items.map((x) => [key(x), x] as const).sort((a, b) => pyCompare(a[0], b[0], "<"));
  if (reverse) out.reverse();
  return out.map((p) => p[1]);
}

function selectOrReject(keep: boolean, attrMode: boolean): Filter {
  return (value, args) => {
    const items = list(value);
    const get = attrMode ? attrGetter(args[0]) : (x: unknown) => x;
    const testArgs = attrMode ? args.slice(1) : args;
    const [name, ...rest] = testArgs;
    return items.filter((x) => {
      const v = get(x);
      const ok = name === undefined ? truthy(v) : runTest(String(name), v, rest);
      return ok === keep;
    });
  };
}

/** Python's max/min with a key: the first item no other item beats. */
function extreme(items: unknown[], key: (x: unknown) => unknown, sign: 1 | -1): unknown {
  let best = items[0];
  let bestKey = key(best);
  for (let i = 1; i < items.length; i++) {
    const k = key(items[i]);
    if (sign * pyCompare(k, bestKey, sign > 0 ? ">" : "<") > 0) {
      best = items[i];
      bestKey = k;
    }
  }
  return best;
}

export const FILTERS: Record<string, Filter> = {
  ...TEXT_FILTERS,
  ...NUMBER_FILTERS,
  attr: (v, [name]) => getAttr(v, String(name)),
  batch: (v, [size, fill]) => {
    const items = list(v);
    const n = Number(size);
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const last = out[out.length - 1];
    if (fill !== undefined && last) while (last.length < n) last.push(fill);
    return out;
  },
  capitalize: (v) => {
    const s = pyStr(v);
    return s ? (s[0] as string).toUpperCase() + s.slice(1).toLowerCase() : s;
  },
  count: (v) => (isMapping(v) ? Object.keys(v).length : list(v).length),
  default: (v, args, kw) =>
    isUndefined(v) || (truthy(filterArg(args, kw, 1, "boolean", false)) && !truthy(v))
      ? filterArg(args, kw, 0, "default_value", "")
      : v,
  dictsort: (v, [caseSensitive = false, by = "key", reverse = false], kw) => {
    if (!isMapping(v)) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "dictsort expects a mapping");
    const idx = (kw.by ?? by) === "value" ? 1 : 0;
    const key = sortKey(truthy(kw.case_sensitive ?? caseSensitive));
    reverse = kw.reverse ?? reverse;
    return sorted(Object.entries(v).map(tuple), (p) => key((p as unknown[])[idx]), truthy(reverse));
  },
  first: (v) => {
    const items = list(v);
    return items.length > 0 ? items[0] : new Undefined("first", "no first item");
  },
  fromjson: (v) => {
    try {
      return JSON.parse(pyStr(v));
    } catch (error) {
      throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `fromjson: ${(error as Error).message}`);
    }
  },
  groupby: (v, [attribute], kw) => {
    const get = attrGetter(attribute ?? kw.attribute);
    const groups: Array<{ grouper: unknown; list: unknown[] }> = [];
    for (const item of sorted(list(v), get, false)) {
      const k = get(item);
      const g = groups.find((x) => pyEquals(x.grouper, k));
      if (g) g.list.push(item);
      else groups.push({ grouper: k, list: [item] });
    }
    return groups.map((g) => tuple([g.grouper, g.list]));
  },
  items: (v) => (isMapping(v) ? Object.entries(v).map(tuple) : isUndefined(v) ? [] : list(v)),
  join: (v, [sep = "", attribute], kw) => {
    const get = attribute ?? kw.attribute;
    const items = list(v).map(get === undefined ? (x: unknown) => x : attrGetter(get));
    return items.map(pyStr).join(pyStr(sep));
  },
  keys: (v) => (isMapping(v) ? Object.keys(v) : []),
  last: (v) => {
    const items = list(v);
    return items.length > 0 ? items[items.length - 1] : new Undefined("last", "no last item");
  },
  length: (v) => (isMapping(v) ? Object.keys(v).length : list(v).length),
  list: (v) => own([...list(v)]),
  lower: (v) => pyStr(v).toLowerCase(),
  map: (v, args, kw) => {
    const items = list(v);
    const attribute = kw.attribute;
    if (attribute !== undefined) {
      const get = attrGetter(attribute);
      return items.map((x) => {
        const r = get(x);
        return isUndefined(r) && kw.default !== undefined ? kw.default : r;
      });
    }
    const [name, ...rest] = args;
    const f = FILTERS[String(name)];
    if (!f) throw new TemplateError("NOETL_E_TEMPLATE_UNDEFINED", `no filter named '${String(name)}'`);
    return items.map((x) => f(x, rest, {}));
  },
  max: (v, _a, kw) => {
    const items = list(v);
    if (items.length === 0) return new Undefined("max", "empty sequence");
    const get = kw.attribute !== undefined ? attrGetter(kw.attribute) : sortKey(truthy(kw.case_sensitive));
    return extreme(items, get, 1);
  },
  min: (v, _a, kw) => {
    const items = list(v);
    if (items.length === 0) return new Undefined("min", "empty sequence");
    const get = kw.attribute !== undefined ? attrGetter(kw.attribute) : sortKey(truthy(kw.case_sensitive));
    return extreme(items, get, -1);
  },
  pprint: (v) => pyRepr(sortDeep(v)),
  reject: selectOrReject(false, false),
  rejectattr: selectOrReject(false, true),
  replace: (v, [from, to, count]) => {
    const s = pyStr(v);
    const f = pyStr(from);
    const t = pyStr(to);
    if (count === undefined) return s.split(f).join(t);
    let out = s;
    let from0 = 0;
    for (let n = 0; n < Number(count); n++) {
      const i = out.indexOf(f, from0);
      if (i < 0) break;
      out = out.slice(0, i) + t + out.slice(i + f.length);
      from0 = i + t.length;
    }
    return out;
  },
  reverse: (v) => (typeof v === "string" ? [...v].reverse().join("") : [...list(v)].reverse()),
  safe: (v) => v,
  select: selectOrReject(true, false),
  selectattr: selectOrReject(true, true),
  slice: (v, [slices, fill]) => {
    const items = list(v);
    const n = Number(slices);
    const per = Math.floor(items.length / n);
    const extra = items.length % n;
    const out: unknown[][] = [];
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const size = per + (i < extra ? 1 : 0);
      const part = items.slice(offset, offset + size);
      offset += size;
      if (fill !== undefined && i >= extra && extra > 0) part.push(fill);
      out.push(part);
    }
    return out;
  },
  sort: (v, [reverse = false, caseSensitive = false, attribute], kw) => {
    const attr = attribute ?? kw.attribute;
    const rev = kw.reverse ?? reverse;
    const cs = kw.case_sensitive ?? caseSensitive;
    const base = sortKey(truthy(cs));
    const get = attr === undefined ? base : (x: unknown) => base(attrGetter(attr)(x));
    return sorted(list(v), get, truthy(rev));
  },
  split: (v, [sep, max]) => {
    const s = pyStr(v);
    if (sep === undefined || sep === null) return s.trim().split(/\s+/).filter(Boolean);
    const parts = s.split(pyStr(sep));
    if (max === undefined || Number(max) < 0) return parts;
    return [...parts.slice(0, Number(max)), parts.slice(Number(max)).join(pyStr(sep))];
  },
  string: (v) => pyStr(v),
  sum: (v, [attribute, start = 0], kw) => {
    const attr = attribute ?? kw.attribute;
    const items = list(v).map(attr === undefined ? (x: unknown) => x : attrGetter(attr));
    let total = (kw.start ?? start) as unknown;
    for (const x of items) {
      if (isNumber(total) && isNumber(x)) total = numericOp("+", total, x);
      else if (Array.isArray(total) && Array.isArray(x)) total = [...total, ...x];
      else
        throw new TemplateError(
          "NOETL_E_TEMPLATE_TYPE",
          `unsupported operand type(s) for +: '${typeName(total)}' and '${typeName(x)}'`,
        );
    }
    return total;
  },
  tojson: (v, [indent], kw) => toJson(requireDefined(v), (kw.indent ?? indent) as number | undefined),
  trim: (v, [chars]) => {
    const s = pyStr(v);
    if (chars === undefined || chars === null) return s.trim();
    const c = pyStr(chars);
    let a = 0;
    let b = s.length;
    while (a < b && c.includes(s[a] as string)) a += 1;
    while (b > a && c.includes(s[b - 1] as string)) b -= 1;
    return s.slice(a, b);
  },
  unique: (v, [caseSensitive = false, attribute], kw) => {
    const attr = attribute ?? kw.attribute;
    const key = (x: unknown) => {
      const k = attr === undefined ? x : attrGetter(attr)(x);
      return typeof k === "string" && !truthy(kw.case_sensitive ?? caseSensitive) ? k.toLowerCase() : k;
    };
    const seen: unknown[] = [];
    const out: unknown[] = [];
    for (const x of list(v)) {
      const k = key(x);
      if (!seen.some((s) => pyEquals(s, k))) {
        seen.push(k);
        out.push(x);
      }
    }
    return out;
  },
  upper: (v) => pyStr(v).toUpperCase(),
  urlencode: (v) => urlEncode(v),
  values: (v) => (isMapping(v) ? Object.values(v) : []),
  b64encode: (v) => base64Encode(pyStr(v)),
  b64decode: (v) => base64Decode(pyStr(v)),
  format: (v, args, kw) => {
    const named = Object.keys(kw).length > 0;
    if (named && args.length > 0)
      throw new TemplateError(
        "NOETL_E_TEMPLATE_TYPE",
        "can't handle positional and keyword arguments at the same time",
      );
    return pyFormat(pyStr(v), named ? kw : tuple([...args]));
  },
  get: (v, [key, dflt = null]) => (isMapping(v) && Object.hasOwn(v, String(key)) ? v[String(key)] : dflt),
  callable: (v) => v instanceof PyFunction,
  string_repr: (v) => (v instanceof PyFloat ? pyRepr(v) : numberStr(Number(v))),
};
FILTERS.d = FILTERS.default as Filter;
FILTERS.escape = (v) => htmlEscape(pyStr(v));
FILTERS.e = FILTERS.escape as Filter;
FILTERS.forceescape = FILTERS.escape as Filter;

import { PyDateTime } from "./date-time.ts";
import { Namespace } from "./namespace.ts";
import { floatRepr, PyFloat } from "./py-float.ts";
import { TemplateError } from "./template-error.ts";
import { isMapping, isUndefined, refuseStrict } from "./values.ts";

/**
 * Jinja2's `tojson`: Python `json.dumps(sort_keys=True)` (", " and ": " separators, non-ASCII
 * escaped) with `< > & '` escaped as \u sequences for HTML safety.
 */
export function toJson(value: unknown, indent?: number): string {
  return dump(value, indent, "").replace(
    /[<>&']/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function str(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** An int as its digits; a float as Python's repr (`2.0`, `1e+20`), NaN/Infinity as Python's json writes them. */
function num(n: number, float: boolean): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  return float || !Number.isInteger(n) ? floatRepr(n) : String(n);
}

function dump(v: unknown, indent: number | undefined, pad: string): string {
  if (v === null || v === undefined) return "null";
  if (isUndefined(v)) {
    refuseStrict(v); // Jinja2 cannot serialise an Undefined; a lenient one is null here
    return "null";
  }
  if (v === true) return "true";
  if (v === false) return "false";
  if (typeof v === "number") return num(v, false);
  if (v instanceof PyFloat) return num(v.value, true);
  if (typeof v === "string") return str(v);
  if (v instanceof PyDateTime) return str(v.isoformat());
  if (v instanceof Namespace)
    throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "Object of type Namespace is not JSON serializable");
  const inner = indent === undefined ? "" : pad + " ".repeat(indent);
  const sep = indent === undefined ? ", " : ",\n";
  const open = (c: string) => (indent === undefined ? c : `${c}\n${inner}`);
  const close = (c: string) => (indent === undefined ? c : `\n${pad}${c}`);
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return (
      open("[") +
      v.map((x) => dump(x, indent, inner)).join(sep + (indent === undefined ? "" : inner)) +
      close("]")
    );
  }
  if (isMapping(v)) {
    const keys = Object.keys(v).sort();
    if (keys.length === 0) return "{}";
    return (
      open("{") +
      keys
        .map((k) => `${str(k)}: ${dump(v[k], indent, inner)}`)
        .join(sep + (indent === undefined ? "" : inner)) +
      close("}")
    );
  }
  return str(String(v));
}

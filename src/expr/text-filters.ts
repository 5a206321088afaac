/** Jinja2's text-layout filters: center, indent, filesizeformat, striptags, title, truncate, wordcount, xmlattr. */
import type { Filter } from "./filter.ts";
import { filterArg } from "./filter-arg.ts";
import { formatFixed } from "./format-fixed.ts";
import { htmlEscape, htmlUnescape } from "./html-escape.ts";
import { isNumber } from "./py-float.ts";
import { requireDefined } from "./require-defined.ts";
import { TemplateError } from "./template-error.ts";
import { isMapping, isUndefined, pyRepr, pyStr, truthy, typeName } from "./values.ts";

/** Python's str.splitlines(). */
function splitLines(s: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Python's splitlines() breaks on these
  const lines = s.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function filesize(value: unknown, binary: boolean): string {
  const bytes = typeof value === "string" ? Number(value.trim()) : Number(value);
  if ((!isNumber(value) && typeof value !== "string") || Number.isNaN(bytes))
    throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `could not convert ${typeName(value)} to float`);
  const base = binary ? 1024 : 1000;
  const prefixes = binary
    ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
    : ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
  if (bytes === 1) return "1 Byte";
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let unit = base;
  let prefix = "";
  for (const [i, p] of prefixes.entries()) {
    unit = base ** (i + 2);
    prefix = p;
    if (bytes < unit) break;
  }
  return `${formatFixed((base * bytes) / unit, 1)} ${prefix}`;
}

export const TEXT_FILTERS: Record<string, Filter> = {
  center: (v, args, kw) => {
    const s = pyStr(v);
    const w = Number(filterArg(args, kw, 0, "width", 80));
    const total = Math.max(0, w - s.length);
    const left = Math.floor(total / 2) + (total % 2 && w % 2 ? 1 : 0);
    return " ".repeat(left) + s + " ".repeat(total - left);
  },
  filesizeformat: (v, args, kw) =>
    filesize(requireDefined(v), truthy(filterArg(args, kw, 0, "binary", false))),
  indent: (v, args, kw) => {
    const width = filterArg(args, kw, 0, "width", 4);
    const first = truthy(filterArg(args, kw, 1, "first", false));
    const blank = truthy(filterArg(args, kw, 2, "blank", false));
    const pad = typeof width === "string" ? width : " ".repeat(Math.max(0, Number(width)));
    const lines = splitLines(`${pyStr(requireDefined(v))}\n`);
    let out: string;
    if (blank) out = lines.join(`\n${pad}`);
    else {
      out = lines.shift() ?? "";
      if (lines.length > 0) out += `\n${lines.map((l) => (l ? pad + l : l)).join("\n")}`;
    }
    return first ? pad + out : out;
  },
  striptags: (v) => {
    let s = pyStr(v);
    for (let start = s.indexOf("<!--"); start !== -1; start = s.indexOf("<!--")) {
      const end = s.indexOf("-->", start);
      if (end === -1) break;
      s = s.slice(0, start) + s.slice(end + 3);
    }
    for (let start = s.indexOf("<"); start !== -1; start = s.indexOf("<")) {
      const end = s.indexOf(">", start);
      if (end === -1) break;
      s = s.slice(0, start) + s.slice(end + 1);
    }
    return htmlUnescape(s.split(/\s+/).filter(Boolean).join(" "));
  },
  // Jinja2 capitalizes each piece after '-', whitespace, '(', '{', '[' or '<'
  title: (v) =>
    pyStr(v)
      .split(/([-\s({[<]+)/)
      .map((w) => (w ? (w[0] as string).toUpperCase() + w.slice(1).toLowerCase() : w))
      .join(""),
  truncate: (v, args, kw) => {
    const s = pyStr(v);
    const n = Number(filterArg(args, kw, 0, "length", 255));
    const killwords = truthy(filterArg(args, kw, 1, "killwords", false));
    const end = pyStr(filterArg(args, kw, 2, "end", "..."));
    const leeway = Number(filterArg(args, kw, 3, "leeway", null) ?? 5);
    if (n < end.length || leeway < 0)
      throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `expected length >= ${end.length}, got ${n}`);
    if (s.length <= n + leeway) return s;
    const cut = s.slice(0, n - end.length);
    if (killwords) return cut + end;
    const sp = cut.lastIndexOf(" ");
    return (sp >= 0 ? cut.slice(0, sp) : cut) + end;
  },
  wordcount: (v) => (pyStr(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length,
  xmlattr: (v, args, kw) => {
    requireDefined(v);
    if (!isMapping(v)) throw new TemplateError("NOETL_E_TEMPLATE_TYPE", "xmlattr expects a mapping");
    const items: string[] = [];
    for (const [k, x] of Object.entries(v)) {
      if (x === null || x === undefined || isUndefined(x)) continue;
      if (/[\s/>=]/.test(k))
        throw new TemplateError("NOETL_E_TEMPLATE_TYPE", `Invalid character in attribute name: ${pyRepr(k)}`);
      items.push(`${htmlEscape(k)}="${htmlEscape(pyStr(x))}"`);
    }
    const out = items.join(" ");
    return truthy(filterArg(args, kw, 0, "autospace", true)) && out ? ` ${out}` : out;
  },
};
